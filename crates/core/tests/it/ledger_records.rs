//! Rejects, the source index, checkpoints and meta values.

use deskshift_core::ledger::{Ledger, LedgerError, RunOutcome, SourceIndexEntry};
use deskshift_core::model::ObjectKind;
use deskshift_core::source::Reject;

fn reject(kind: ObjectKind, id: Option<&str>, field: &str) -> Reject {
    Reject::new(
        kind,
        id.map(str::to_owned),
        field,
        format!("bad {field}"),
        format!("fix {field} in Stames"),
    )
}

fn entry(id: &str, key: Option<&str>) -> SourceIndexEntry {
    SourceIndexEntry {
        source_id: id.into(),
        content_hash: format!("hash-{id}"),
        natural_key: key.map(str::to_owned),
        updated_at: Some("2024-03-01T12:00:00+00:00".into()),
    }
}

#[test]
fn rejects_are_kept_with_run_phase_and_reason_and_counted() {
    let ledger = Ledger::open_in_memory().unwrap();
    let discover = ledger.begin_run("discover").unwrap();
    ledger
        .record_reject(
            discover,
            "discover",
            &reject(ObjectKind::Customers, Some("c1"), "email"),
        )
        .unwrap();
    let batch = vec![
        reject(ObjectKind::Tickets, Some("t1"), "created_at"),
        reject(ObjectKind::Tickets, None, "id"),
        reject(ObjectKind::Messages, Some("m1"), "body"),
    ];
    assert_eq!(
        ledger.record_rejects(discover, "discover", &batch).unwrap(),
        3
    );
    ledger.finish_run(discover, RunOutcome::Succeeded).unwrap();
    let plan = ledger.begin_run("plan").unwrap();
    ledger
        .record_reject(
            plan,
            "plan",
            &reject(ObjectKind::Tickets, Some("t2"), "priority"),
        )
        .unwrap();

    let all = ledger.rejects(None).unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].run, discover);
    assert_eq!(all[0].phase, "discover");
    assert_eq!(
        all[0].reject,
        reject(ObjectKind::Customers, Some("c1"), "email")
    );
    assert_eq!(
        all[2].reject.source_id, None,
        "a missing id is kept as missing"
    );
    assert_eq!(all[4].run, plan);
    assert!(all
        .windows(2)
        .all(|w| w[0].id < w[1].id && w[0].created_at <= w[1].created_at));

    let of_plan = ledger.rejects(Some(plan)).unwrap();
    assert_eq!(of_plan.len(), 1);
    assert_eq!(of_plan[0].reject.field, "priority");

    let counts = ledger.reject_counts(None).unwrap();
    assert_eq!(counts.get(&ObjectKind::Tickets), Some(&3));
    assert_eq!(counts.get(&ObjectKind::Customers), Some(&1));
    assert_eq!(counts.get(&ObjectKind::Messages), Some(&1));
    assert_eq!(counts.get(&ObjectKind::Users), None);
    let counts = ledger.reject_counts(Some(discover)).unwrap();
    assert_eq!(counts.get(&ObjectKind::Tickets), Some(&2));

    // Pages in bounded memory.
    let first = ledger.rejects_page(None, None, 2).unwrap();
    let rest = ledger.rejects_page(None, Some(first[1].id), 10).unwrap();
    assert_eq!(first.len() + rest.len(), 5);
    assert_eq!(rest[0].id, all[2].id);

    // Only a running run may record rejects.
    assert!(matches!(
        ledger.record_reject(discover, "discover", &batch[0]),
        Err(LedgerError::RunNotActive { .. })
    ));
}

#[test]
fn source_index_answers_membership_counts_and_duplicates() {
    let ledger = Ledger::open_in_memory().unwrap();
    let customers = [
        entry("c1", Some("ann@example.com")),
        entry("c2", Some("bob@example.com")),
        entry("c3", Some("ann@example.com")),
        entry("c4", None),
        entry("c5", Some("ann@example.com")),
        entry("c6", Some("bob@example.com")),
        entry("c7", Some("eve@example.com")),
    ];
    assert_eq!(
        ledger
            .index_source_batch(ObjectKind::Customers, &customers)
            .unwrap(),
        7
    );
    ledger
        .index_source_batch(ObjectKind::Users, &[entry("c1", None)])
        .unwrap();

    assert!(ledger.source_contains(ObjectKind::Customers, "c4").unwrap());
    assert!(!ledger.source_contains(ObjectKind::Customers, "c8").unwrap());
    assert!(!ledger.source_contains(ObjectKind::Tickets, "c1").unwrap());
    assert_eq!(ledger.source_count(ObjectKind::Customers).unwrap(), 7);
    assert_eq!(ledger.source_count(ObjectKind::Users).unwrap(), 1);
    assert_eq!(ledger.source_count(ObjectKind::Tickets).unwrap(), 0);
    assert_eq!(
        ledger
            .duplicate_natural_keys(ObjectKind::Customers)
            .unwrap(),
        [
            ("ann@example.com".to_string(), 3),
            ("bob@example.com".to_string(), 2)
        ]
    );
    assert!(ledger
        .duplicate_natural_keys(ObjectKind::Users)
        .unwrap()
        .is_empty());

    // Upsert: a re-read replaces the row.
    let mut changed = entry("c3", Some("carol@example.com"));
    changed.content_hash = "hash-c3-v2".into();
    ledger
        .index_source_batch(ObjectKind::Customers, [&changed])
        .unwrap();
    assert_eq!(ledger.source_count(ObjectKind::Customers).unwrap(), 7);
    assert_eq!(
        ledger.source_entry(ObjectKind::Customers, "c3").unwrap(),
        Some(changed)
    );
    assert_eq!(
        ledger
            .duplicate_natural_keys(ObjectKind::Customers)
            .unwrap()[0],
        ("ann@example.com".to_string(), 2)
    );

    assert_eq!(ledger.clear_source_index(ObjectKind::Customers).unwrap(), 7);
    assert_eq!(ledger.source_count(ObjectKind::Customers).unwrap(), 0);
    assert_eq!(
        ledger.source_count(ObjectKind::Users).unwrap(),
        1,
        "other kinds stay"
    );
}

#[test]
fn source_index_batch_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path().join("deskshift.db")).unwrap();
    ledger
        .index_source_batch(ObjectKind::Tickets, &[entry("t1", None)])
        .unwrap();
    // Make the third insert of a batch fail inside SQLite.
    rusqlite::Connection::open(dir.path().join("deskshift.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER fail_t3 BEFORE INSERT ON source_index WHEN NEW.source_id = 't3'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let batch = [entry("t2", None), entry("t3", None), entry("t4", None)];
    let err = ledger
        .index_source_batch(ObjectKind::Tickets, &batch)
        .unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert!(
        err.to_string()
            .starts_with("ledger: cannot index source records"),
        "{err}"
    );
    assert_eq!(ledger.source_count(ObjectKind::Tickets).unwrap(), 1);
    assert!(!ledger.source_contains(ObjectKind::Tickets, "t2").unwrap());
}

#[test]
fn checkpoints_per_kind_and_scope() {
    let ledger = Ledger::open_in_memory().unwrap();
    assert_eq!(ledger.checkpoint(ObjectKind::Tickets).unwrap(), None);
    ledger
        .set_checkpoint(ObjectKind::Tickets, "page=3")
        .unwrap();
    ledger
        .set_checkpoint(ObjectKind::Tickets, "page=4")
        .unwrap();
    ledger
        .set_checkpoint(ObjectKind::Customers, "id>900")
        .unwrap();
    ledger
        .set_scoped_checkpoint(ObjectKind::Tickets, "dept-7", "page=1")
        .unwrap();
    assert_eq!(
        ledger.checkpoint(ObjectKind::Tickets).unwrap().as_deref(),
        Some("page=4")
    );
    assert_eq!(
        ledger
            .scoped_checkpoint(ObjectKind::Tickets, "dept-7")
            .unwrap()
            .as_deref(),
        Some("page=1")
    );
    assert_eq!(
        ledger.checkpoint(ObjectKind::Customers).unwrap().as_deref(),
        Some("id>900")
    );
    ledger.clear_checkpoints().unwrap();
    assert_eq!(ledger.checkpoint(ObjectKind::Tickets).unwrap(), None);
    assert_eq!(
        ledger
            .scoped_checkpoint(ObjectKind::Tickets, "dept-7")
            .unwrap(),
        None
    );
}

#[test]
fn a_damaged_value_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    let ledger = Ledger::open(&path).unwrap();
    let run = ledger.begin_run("discover").unwrap();
    ledger
        .record_reject(
            run,
            "discover",
            &reject(ObjectKind::Tickets, Some("t1"), "id"),
        )
        .unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute("UPDATE rejects SET kind = 'labels'", [])
        .unwrap();
    let err = ledger.rejects(None).unwrap_err();
    assert!(matches!(err, LedgerError::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string().contains("unknown object kind `labels`"),
        "{err}"
    );
    assert!(ledger.reject_counts(None).is_err());

    raw.execute("UPDATE runs SET started_at = 'yesterday'", [])
        .unwrap();
    let err = ledger.runs().unwrap_err();
    assert!(
        err.to_string().contains("bad timestamp `yesterday`"),
        "{err}"
    );
}
