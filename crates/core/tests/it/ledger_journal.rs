//! The journal and the id map: intents, outcomes, pending resolution, order.

use deskshift_core::ledger::{
    Intent, JournalId, JournalOrder, JournalState, Ledger, LedgerError, Operation, Outcome, RunId,
    RunOutcome, StateCounts,
};
use deskshift_core::model::ObjectKind;
use serde_json::json;

fn ledger_with_run() -> (Ledger, RunId) {
    let ledger = Ledger::open_in_memory().unwrap();
    let run = ledger.begin_run("migrate").unwrap();
    (ledger, run)
}

fn created(dest: &str) -> Outcome {
    Outcome::Created {
        dest_id: dest.into(),
    }
}

fn mapping(ledger: &Ledger, kind: ObjectKind, id: &str) -> deskshift_core::ledger::IdMapEntry {
    ledger.mapping(kind, id).unwrap().unwrap()
}

fn failed(reason: &str) -> Outcome {
    Outcome::Failed {
        reason: reason.into(),
    }
}

#[test]
fn intent_marks_pending_and_outcome_completes_both_journal_and_id_map() {
    let (ledger, run) = ledger_with_run();
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Customers, "c1", "hash-1"))
        .unwrap();

    let pending = ledger.pending_intents().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, id);
    assert_eq!(pending[0].run, run);
    let m = ledger
        .mapping(ObjectKind::Customers, "c1")
        .unwrap()
        .unwrap();
    assert_eq!(m.state.as_str(), "pending");
    assert_eq!(m.content_hash, None, "nothing landed yet");
    assert_eq!(m.journal, Some(id));
    assert_eq!(m.run, run);

    ledger.record_outcome(id, &created("gc-1")).unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());
    let m = ledger
        .mapping(ObjectKind::Customers, "c1")
        .unwrap()
        .unwrap();
    assert_eq!(m.state.as_str(), "created");
    assert_eq!(m.dest_id.as_deref(), Some("gc-1"));
    assert_eq!(m.content_hash.as_deref(), Some("hash-1"));
    assert_eq!(
        ledger
            .mapping_for_dest(ObjectKind::Customers, "gc-1")
            .unwrap()
            .unwrap()
            .source_id,
        "c1"
    );
    let entry = ledger.journal_entry(id).unwrap().unwrap();
    assert_eq!(entry.state, JournalState::Done);
    assert_eq!(entry.outcome, Some(created("gc-1")));
    assert_eq!(entry.dest_id(), Some("gc-1"));
    assert!(entry.completed_at.unwrap() >= entry.recorded_at);
    assert_eq!(entry.resolved_by, None);
    assert!(ledger
        .mapping(ObjectKind::Customers, "c2")
        .unwrap()
        .is_none());
    ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
}

#[test]
fn an_outcome_is_recorded_once() {
    let (ledger, run) = ledger_with_run();
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "h"))
        .unwrap();
    ledger.record_outcome(id, &created("g1")).unwrap();
    let err = ledger.record_outcome(id, &created("g2")).unwrap_err();
    assert!(
        matches!(err, LedgerError::OutcomeAlreadyRecorded { id: i, .. } if i == id),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("journal entry {id} already has an outcome (created); an outcome is recorded once")
    );
    // Neither resolve_pending nor a different outcome gets around it.
    assert!(matches!(
        ledger.resolve_pending(run, id, &Outcome::Failed { reason: "x".into() }),
        Err(LedgerError::OutcomeAlreadyRecorded { .. })
    ));
    let m = ledger.mapping(ObjectKind::Tickets, "t1").unwrap().unwrap();
    assert_eq!(m.dest_id.as_deref(), Some("g1"), "the first outcome stands");
}

#[test]
fn unknown_journal_ids_and_runs_are_errors() {
    let (ledger, run) = ledger_with_run();
    let ghost = JournalId(42);
    let err = ledger.record_outcome(ghost, &created("g")).unwrap_err();
    assert!(matches!(
        err,
        LedgerError::UnknownJournalEntry(JournalId(42))
    ));
    assert_eq!(
        err.to_string(),
        "journal entry 42 does not exist in this ledger"
    );
    assert!(matches!(
        ledger.resolve_pending(run, ghost, &created("g")),
        Err(LedgerError::UnknownJournalEntry(_))
    ));
    assert!(matches!(
        ledger.record_intent(RunId(77), &Intent::create(ObjectKind::Tags, "x", "h")),
        Err(LedgerError::UnknownRun(RunId(77)))
    ));
    assert_eq!(ledger.journal_entry(ghost).unwrap(), None);
}

#[test]
fn outcomes_must_fit_the_operation() {
    let (ledger, run) = ledger_with_run();
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "h"))
        .unwrap();
    let err = ledger.record_outcome(id, &Outcome::Deleted).unwrap_err();
    assert!(matches!(
        err,
        LedgerError::OutcomeMismatch {
            operation: Operation::Create,
            ..
        }
    ));
    assert!(
        err.to_string().contains("does not fit a `create` intent"),
        "{err}"
    );
    // Still pending, still resolvable.
    assert_eq!(ledger.pending_intents().unwrap().len(), 1);
    // A create can turn out to be a match (the record already existed).
    ledger
        .record_outcome(
            id,
            &Outcome::Matched {
                dest_id: "g9".into(),
            },
        )
        .unwrap();
    assert_eq!(
        ledger
            .mapping(ObjectKind::Tickets, "t1")
            .unwrap()
            .unwrap()
            .state
            .as_str(),
        "matched"
    );
}

#[test]
fn one_pending_intent_per_record_and_no_second_create() {
    let (ledger, run) = ledger_with_run();
    let first = ledger
        .record_intent(run, &Intent::create(ObjectKind::Customers, "c1", "h1"))
        .unwrap();
    let err = ledger
        .record_intent(run, &Intent::create(ObjectKind::Customers, "c1", "h1"))
        .unwrap_err();
    assert!(matches!(err, LedgerError::IntentPending { pending, .. } if pending == first));
    assert!(
        err.to_string().contains("already has a pending intent"),
        "{err}"
    );

    ledger.record_outcome(first, &created("g1")).unwrap();
    let err = ledger
        .record_intent(run, &Intent::create(ObjectKind::Customers, "c1", "h2"))
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::AlreadyInDestination { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("update it instead"), "{err}");
    let err = ledger
        .record_intent(
            run,
            &Intent::match_existing(ObjectKind::Customers, "c1", "h2"),
        )
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::AlreadyInDestination { .. }),
        "{err:?}"
    );

    // The same source id under another kind is another record.
    ledger
        .record_intent(run, &Intent::create(ObjectKind::Users, "c1", "h"))
        .unwrap();
}

#[test]
fn failed_create_may_be_retried_and_a_deleted_record_recreated() {
    let (ledger, run) = ledger_with_run();
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tags, "vip", "h1"))
        .unwrap();
    ledger
        .record_outcome(
            id,
            &Outcome::Failed {
                reason: "503 after retries".into(),
            },
        )
        .unwrap();
    let m = ledger.mapping(ObjectKind::Tags, "vip").unwrap().unwrap();
    assert_eq!((m.state.as_str(), m.dest_id.as_deref()), ("failed", None));
    let entry = ledger.journal_entry(id).unwrap().unwrap();
    assert_eq!(entry.state, JournalState::Failed);
    assert_eq!(
        entry.outcome,
        Some(Outcome::Failed {
            reason: "503 after retries".into()
        })
    );

    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tags, "vip", "h1"))
        .unwrap();
    ledger.record_outcome(id, &created("tag-7")).unwrap();
    let id = ledger
        .record_intent(run, &Intent::delete(ObjectKind::Tags, "vip", "tag-7", None))
        .unwrap();
    ledger.record_outcome(id, &Outcome::Deleted).unwrap();
    let m = ledger.mapping(ObjectKind::Tags, "vip").unwrap().unwrap();
    assert_eq!(
        (m.state.as_str(), m.dest_id.as_deref()),
        ("deleted", Some("tag-7"))
    );
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tags, "vip", "h1"))
        .unwrap();
    ledger.record_outcome(id, &created("tag-8")).unwrap();
    assert_eq!(
        ledger
            .mapping(ObjectKind::Tags, "vip")
            .unwrap()
            .unwrap()
            .dest_id
            .as_deref(),
        Some("tag-8")
    );
}

#[test]
fn failed_update_keeps_destination_id_and_last_landed_hash() {
    let (ledger, run) = ledger_with_run();
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "v1"))
        .unwrap();
    ledger.record_outcome(id, &created("g1")).unwrap();
    // Updates may leave out the destination id: the id map knows it.
    let mut update = Intent::update(ObjectKind::Tickets, "t1", "g1", "v2", json!({"s": 1}));
    update.dest_id = None;
    let id = ledger.record_intent(run, &update).unwrap();
    assert_eq!(
        ledger
            .journal_entry(id)
            .unwrap()
            .unwrap()
            .intent
            .dest_id
            .as_deref(),
        Some("g1")
    );
    ledger
        .record_outcome(
            id,
            &Outcome::Rejected {
                reason: "subject too long".into(),
            },
        )
        .unwrap();
    let m = ledger.mapping(ObjectKind::Tickets, "t1").unwrap().unwrap();
    assert_eq!(
        m.state.as_str(),
        "created",
        "a refused update leaves the record as its last landed write made it"
    );
    assert_eq!(m.dest_id.as_deref(), Some("g1"), "the record still exists");
    assert_eq!(m.content_hash.as_deref(), Some("v1"), "v2 never landed");
    // A create would now duplicate it.
    assert!(matches!(
        ledger.record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "v2")),
        Err(LedgerError::AlreadyInDestination { .. })
    ));
}

#[test]
fn update_and_delete_need_a_destination_id() {
    let (ledger, run) = ledger_with_run();
    let mut update = Intent::update(ObjectKind::Tickets, "t9", "g9", "h", json!({}));
    update.dest_id = None;
    let err = ledger.record_intent(run, &update).unwrap_err();
    assert!(matches!(err, LedgerError::MissingDestId { .. }), "{err:?}");
    assert!(err.to_string().contains("needs a destination id"), "{err}");
    assert!(ledger.journal(None).unwrap().is_empty(), "nothing recorded");
    assert!(ledger.mapping(ObjectKind::Tickets, "t9").unwrap().is_none());
}

#[test]
fn journal_is_in_write_order_and_reverses_for_rollback() {
    let (ledger, run) = ledger_with_run();
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = ledger
            .record_intent(
                run,
                &Intent::create(ObjectKind::Tickets, format!("t{n}"), "h"),
            )
            .unwrap();
        ledger
            .record_outcome(id, &created(&format!("g{n}")))
            .unwrap();
        ids.push(id);
    }
    let other = ledger.begin_run("delta").unwrap();
    let late = ledger
        .record_intent(
            other,
            &Intent::update(ObjectKind::Tickets, "t0", "g0", "h2", json!({"v": 0})),
        )
        .unwrap();
    ledger
        .record_outcome(
            late,
            &Outcome::Updated {
                dest_id: "g0".into(),
            },
        )
        .unwrap();

    let forward: Vec<_> = ledger
        .journal(Some(run))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(forward, ids);
    let all: Vec<_> = ledger.journal(None).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let reversed: Vec<_> = ledger
        .journal_reversed(None)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(reversed, all.iter().rev().copied().collect::<Vec<_>>());
    let reversed_run: Vec<_> = ledger
        .journal_reversed(Some(other))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(reversed_run, [late]);

    // Paging walks the same order in bounded memory.
    for order in [JournalOrder::Forward, JournalOrder::Reverse] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = ledger.journal_page(None, order, after, 2).unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 2);
            after = page.last().map(|e| e.id);
            seen.extend(page.into_iter().map(|e| e.id));
        }
        let expected = match order {
            JournalOrder::Forward => all.clone(),
            JournalOrder::Reverse => all.iter().rev().copied().collect(),
        };
        assert_eq!(seen, expected);
    }
    let page = ledger
        .journal_page(Some(run), JournalOrder::Forward, Some(ids[1]), 10)
        .unwrap();
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), ids[2..]);
}

#[test]
fn before_images_round_trip_exactly() {
    let (ledger, run) = ledger_with_run();
    let image = json!({
        "id": 123456789012_u64,
        "subject": "Ré: 💥 \"quotes\", \\backslashes\\ and <b>html</b>",
        "empty": {}, "list": [1, -2.5, true, null, "x"],
        "deep": {"a": {"b": {"c": [{"d": "e"}]}}},
        "big": 1e300
    });
    let id = ledger
        .record_intent(
            run,
            &Intent::update(ObjectKind::Customers, "c1", "g1", "h", image.clone()),
        )
        .unwrap();
    assert_eq!(
        ledger.pending_intents().unwrap()[0].intent.before_image,
        Some(image.clone())
    );
    ledger
        .record_outcome(
            id,
            &Outcome::Updated {
                dest_id: "g1".into(),
            },
        )
        .unwrap();
    let entry = ledger.journal_entry(id).unwrap().unwrap();
    assert_eq!(entry.intent.before_image, Some(image));
    assert_eq!(entry.intent.operation, Operation::Update);
    let delete = ledger
        .record_intent(
            run,
            &Intent::delete(ObjectKind::Customers, "c2", "g2", None),
        )
        .unwrap();
    assert_eq!(
        ledger
            .journal_entry(delete)
            .unwrap()
            .unwrap()
            .intent
            .before_image,
        None
    );
}

#[test]
fn id_map_counts_per_kind_and_state() {
    let (ledger, run) = ledger_with_run();
    let write = |kind, id: &str, outcome: Option<Outcome>| {
        let j = ledger
            .record_intent(run, &Intent::create(kind, id, "h"))
            .unwrap();
        if let Some(outcome) = outcome {
            ledger.record_outcome(j, &outcome).unwrap();
        }
    };
    write(ObjectKind::Customers, "c1", Some(created("g1")));
    write(ObjectKind::Customers, "c2", Some(created("g2")));
    write(
        ObjectKind::Customers,
        "c3",
        Some(Outcome::Matched {
            dest_id: "g3".into(),
        }),
    );
    write(
        ObjectKind::Customers,
        "c4",
        Some(Outcome::Rejected {
            reason: "bad".into(),
        }),
    );
    write(ObjectKind::Customers, "c5", None);
    write(
        ObjectKind::Tickets,
        "t1",
        Some(Outcome::Failed {
            reason: "500".into(),
        }),
    );

    let counts = ledger.id_map_counts().unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!(
        counts[&ObjectKind::Customers],
        StateCounts {
            pending: 1,
            created: 2,
            matched: 1,
            rejected: 1,
            ..StateCounts::default()
        }
    );
    assert_eq!(counts[&ObjectKind::Customers].total(), 5);
    assert_eq!(counts[&ObjectKind::Tickets].failed, 1);
}

#[test]
fn batched_intents_and_outcomes_are_all_or_nothing() {
    let (ledger, run) = ledger_with_run();
    let batch: Vec<Intent> = (0..3)
        .map(|n| Intent::create(ObjectKind::Messages, format!("m{n}"), "h"))
        .collect();
    let ids = ledger.record_intents(run, &batch).unwrap();
    assert_eq!(ids.len(), 3);

    // One bad outcome in a batch: none recorded.
    let bad = [
        (ids[0], created("g0")),
        (ids[1], Outcome::Deleted),
        (ids[2], created("g2")),
    ];
    assert!(matches!(
        ledger.record_outcomes(&bad),
        Err(LedgerError::OutcomeMismatch { .. })
    ));
    assert_eq!(ledger.pending_intents().unwrap().len(), 3);
    let good: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| (*id, created(&format!("g{n}"))))
        .collect();
    ledger.record_outcomes(&good).unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());

    // One refused intent in a batch: none recorded.
    let mixed = vec![
        Intent::create(ObjectKind::Messages, "m9", "h"),
        Intent::create(ObjectKind::Messages, "m0", "h"), // already created
    ];
    assert!(matches!(
        ledger.record_intents(run, &mixed),
        Err(LedgerError::AlreadyInDestination { .. })
    ));
    assert!(ledger
        .mapping(ObjectKind::Messages, "m9")
        .unwrap()
        .is_none());
    assert_eq!(ledger.journal(None).unwrap().len(), 3);
}

#[test]
fn pending_intents_of_an_ended_run_are_resolved_by_a_later_one() {
    let (ledger, run) = ledger_with_run();
    let a = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "h1"))
        .unwrap();
    let b = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t2", "h2"))
        .unwrap();
    // A run cannot succeed with intents in the air ...
    let err = ledger.finish_run(run, RunOutcome::Succeeded).unwrap_err();
    assert!(
        matches!(err, LedgerError::RunHasPending { pending: 2, .. }),
        "{err:?}"
    );
    // ... but may fail, leaving them for the next run.
    ledger
        .finish_run(run, RunOutcome::Failed("network down".into()))
        .unwrap();
    let err = ledger.record_outcome(a, &created("g1")).unwrap_err();
    assert!(
        matches!(err, LedgerError::IntentFromOtherRun { .. }),
        "{err:?}"
    );
    // Nor may the ended run resolve them.
    assert!(matches!(
        ledger.resolve_pending(run, a, &created("g1")),
        Err(LedgerError::RunNotActive { .. })
    ));

    let next = ledger.begin_run("migrate").unwrap();
    let pending = ledger.pending_intents().unwrap();
    assert_eq!(pending.iter().map(|p| p.id).collect::<Vec<_>>(), [a, b]);
    // t1 was found in the destination by external id; t2 was not.
    ledger.resolve_pending(next, a, &created("g1")).unwrap();
    ledger
        .resolve_pending(
            next,
            b,
            &Outcome::Failed {
                reason: "not in the destination after the crash".into(),
            },
        )
        .unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());
    assert_eq!(
        ledger.journal_entry(a).unwrap().unwrap().resolved_by,
        Some(next)
    );
    // t2 is free to be created again, now by the new run.
    let c = ledger
        .record_intent(next, &Intent::create(ObjectKind::Tickets, "t2", "h2"))
        .unwrap();
    ledger.record_outcome(c, &created("g2")).unwrap();
    let m = ledger.mapping(ObjectKind::Tickets, "t2").unwrap().unwrap();
    assert_eq!((m.state.as_str(), m.run), ("created", next));
    ledger.finish_run(next, RunOutcome::Succeeded).unwrap();
}

#[test]
fn the_database_itself_keeps_the_journal_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    let ledger = Ledger::open(&path).unwrap();
    let run = ledger.begin_run("migrate").unwrap();
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "h"))
        .unwrap();
    ledger.record_outcome(id, &created("g1")).unwrap();

    let raw = rusqlite::Connection::open(&path).unwrap();
    let err = raw.execute("DELETE FROM journal", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = raw
        .execute("UPDATE journal SET outcome_dest_id = 'other'", [])
        .unwrap_err();
    assert!(err.to_string().contains("completed once"), "{err}");
    assert_eq!(
        ledger.journal_entry(id).unwrap().unwrap().dest_id(),
        Some("g1")
    );
}

#[test]
fn a_change_keeps_what_a_record_is_and_a_repeat_keeps_the_first_before_image() {
    let (ledger, run) = ledger_with_run();
    // A pre-existing record, matched, then changed by deskshift: `updated`.
    let id = ledger
        .record_intent(
            run,
            &Intent::match_existing(ObjectKind::Customers, "c1", "h1"),
        )
        .unwrap();
    ledger
        .record_outcome(
            id,
            &Outcome::Matched {
                dest_id: "g1".into(),
            },
        )
        .unwrap();
    let first = json!({"name": "as it was"});
    let id = ledger
        .record_intent(
            run,
            &Intent::update(ObjectKind::Customers, "c1", "g1", "h2", first.clone()),
        )
        .unwrap();
    assert_eq!(
        ledger
            .pending_entry(ObjectKind::Customers, "c1")
            .unwrap()
            .map(|e| e.id),
        Some(id)
    );
    ledger.record_outcome(id, &failed("timeout")).unwrap();
    let m = mapping(&ledger, ObjectKind::Customers, "c1");
    assert_eq!(
        m.state.as_str(),
        "matched",
        "a failed update changes nothing"
    );
    assert_eq!(m.content_hash.as_deref(), Some("h1"));
    assert!(ledger
        .pending_entry(ObjectKind::Customers, "c1")
        .unwrap()
        .is_none());
    // The repeat journals the image from before the first attempt.
    assert_eq!(
        ledger
            .unlanded_update_image(ObjectKind::Customers, "c1")
            .unwrap(),
        Some(first.clone())
    );
    let id = ledger
        .record_intent(
            run,
            &Intent::update(ObjectKind::Customers, "c1", "g1", "h2", first),
        )
        .unwrap();
    ledger
        .record_outcome(
            id,
            &Outcome::Updated {
                dest_id: "g1".into(),
            },
        )
        .unwrap();
    let m = mapping(&ledger, ObjectKind::Customers, "c1");
    assert_eq!(m.state.as_str(), "updated");
    assert_eq!(
        ledger
            .unlanded_update_image(ObjectKind::Customers, "c1")
            .unwrap(),
        None,
        "landed"
    );
    // A failed delete of a created record leaves it created.
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "h"))
        .unwrap();
    ledger.record_outcome(id, &created("g9")).unwrap();
    let id = ledger
        .record_intent(run, &Intent::delete(ObjectKind::Tickets, "t1", "g9", None))
        .unwrap();
    ledger.record_outcome(id, &failed("503")).unwrap();
    let m = mapping(&ledger, ObjectKind::Tickets, "t1");
    assert_eq!(m.state.as_str(), "created");
}

#[test]
fn last_write_leaves_out_the_runs_asked() {
    let (ledger, run) = ledger_with_run();
    assert_eq!(ledger.last_write_at("rollback").unwrap(), None);
    let id = ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "h"))
        .unwrap();
    ledger.record_outcome(id, &created("g1")).unwrap();
    let migrated = ledger.last_write_at("rollback").unwrap().unwrap();
    ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
    let rollback = ledger.begin_run("rollback").unwrap();
    let id = ledger
        .record_intent(
            rollback,
            &Intent::delete(ObjectKind::Tickets, "t1", "g1", None),
        )
        .unwrap();
    ledger.record_outcome(id, &Outcome::Deleted).unwrap();
    assert_eq!(ledger.last_write_at("rollback").unwrap(), Some(migrated));
    assert!(ledger.last_write_at("migrate").unwrap().unwrap() >= migrated);
}
