//! Rollback's walk of the journal against a fake destination: what each
//! record gets (remove, restore, release), children before parents, a
//! partial rollback of later runs that restores records in place, the
//! refusal of writes whose outcome is unknown, and `--objects` with the
//! kinds living inside the ones asked.

use async_trait::async_trait;
use deskshift_core::destination::*;
use deskshift_core::engine::{PhaseError, Phases};
use deskshift_core::ledger::{IdMapState, Intent, Ledger, Outcome, RunId, RunOutcome};
use deskshift_core::model::*;
use deskshift_core::progress::Silent;
use deskshift_core::rollback::{RollbackOptions, UNDO_ORDER};
use deskshift_core::source::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::common::EmptySource;

/// Records every undo call, in order; removes children with their parent
/// when the plan says the parent goes.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<(ObjectKind, String, String)>>,
    touched: Vec<Touched>,
}

#[async_trait]
impl Destination for Recorder {
    fn name(&self) -> &'static str {
        "fake"
    }
    async fn preflight(&self) -> Result<Vec<SideEffect>, DestinationError> {
        Ok(Vec::new())
    }
    async fn prepare(&self, _: &LoadContext<'_>, _: bool) -> Result<(), DestinationError> {
        Ok(())
    }
    async fn migrate(&self, _: &LoadContext<'_>, _: &Scope) -> Result<(), DestinationError> {
        Ok(())
    }
    async fn verify(&self, _: &LoadContext<'_>) -> Result<VerifyReport, DestinationError> {
        Ok(VerifyReport::default())
    }
    async fn undo(
        &self,
        ctx: &UndoContext<'_>,
        kind: ObjectKind,
        steps: &[UndoStep],
    ) -> Result<Vec<Undone>, DestinationError> {
        let mut answers = Vec::new();
        for step in steps {
            let what = match &step.action {
                UndoAction::Remove => "remove".to_string(),
                UndoAction::Restore(image) => format!("restore {image}"),
            };
            if kind == ObjectKind::Messages && ctx.plan.removes(ObjectKind::Tickets, "g-t1") {
                answers.push(Undone::Done("with its ticket".into()));
            } else {
                answers.push(Undone::Done("done".into()));
            }
            self.calls
                .lock()
                .unwrap()
                .push((kind, step.source_id.clone(), what));
        }
        Ok(answers)
    }
    async fn changed_after(
        &self,
        kind: ObjectKind,
        _: Timestamp,
    ) -> Result<Vec<Touched>, DestinationError> {
        Ok(self
            .touched
            .iter()
            .filter(|t| t.kind == kind)
            .cloned()
            .collect())
    }
    async fn read_state(&self, _: ObjectKind, _: &str) -> Result<Option<Value>, DestinationError> {
        Ok(Some(json!({"status": "as it is now"})))
    }
    fn api_stats(&self) -> ApiStats {
        ApiStats::default()
    }
}

fn write(ledger: &Ledger, run: RunId, intent: Intent, outcome: Outcome) {
    let id = ledger.record_intent(run, &intent).unwrap();
    ledger.record_outcome(id, &outcome).unwrap();
}

fn created(dest: &str) -> Outcome {
    Outcome::Created {
        dest_id: dest.into(),
    }
}

/// A migrate run (ticket t1 with message m1, customer c1 matched and then
/// changed, customer c2 created) and a delta run (t1 updated, t2 created).
fn migrated(path: &std::path::Path) -> (RunId, RunId) {
    let ledger = Ledger::open(path).unwrap();
    let migrate = ledger.begin_run("migrate").unwrap();
    let (t, c, m) = (
        ObjectKind::Tickets,
        ObjectKind::Customers,
        ObjectKind::Messages,
    );
    write(
        &ledger,
        migrate,
        Intent::match_existing(c, "c1", "hc1"),
        Outcome::Matched {
            dest_id: "g-c1".into(),
        },
    );
    write(
        &ledger,
        migrate,
        Intent::create(c, "c2", "hc2"),
        created("g-c2"),
    );
    write(
        &ledger,
        migrate,
        Intent::create(t, "t1", "ht1"),
        created("g-t1"),
    );
    write(
        &ledger,
        migrate,
        Intent::create(m, "m1", "hm1"),
        created("g-t1/1"),
    );
    write(
        &ledger,
        migrate,
        Intent::update(c, "c1", "g-c1", "hc1b", json!({"name": "as it was"})),
        Outcome::Updated {
            dest_id: "g-c1".into(),
        },
    );
    ledger.finish_run(migrate, RunOutcome::Succeeded).unwrap();
    let delta = ledger.begin_run("delta").unwrap();
    write(
        &ledger,
        delta,
        Intent::update(t, "t1", "g-t1", "ht1b", json!({"status": "open"})),
        Outcome::Updated {
            dest_id: "g-t1".into(),
        },
    );
    write(
        &ledger,
        delta,
        Intent::create(t, "t2", "ht2"),
        created("g-t2"),
    );
    ledger.finish_run(delta, RunOutcome::Succeeded).unwrap();
    (migrate, delta)
}

fn phases<'a>(dest: &'a Recorder, dir: &'a std::path::Path) -> Phases<'a> {
    Phases {
        source: &EmptySource,
        destination: dest,
        progress: &Silent,
        cache_dir: dir,
        reports_dir: dir,
    }
}

#[tokio::test]
async fn undoing_a_later_run_restores_in_place_then_everything_goes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    let (_, delta) = migrated(&path);
    let dest = Recorder::default();

    // Undo the delta only: t2 removed, t1 put back as it was before it,
    // still a migrated ticket with the content that landed before.
    let (ledger, report) = phases(&dest, dir.path())
        .rollback(
            Ledger::open(&path).unwrap(),
            &RollbackOptions {
                from: Some(delta),
                ..RollbackOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(report.is_complete());
    let tickets = &report.kinds[&ObjectKind::Tickets];
    assert_eq!((tickets.remove, tickets.restore), (1, 1));
    assert!(
        !report.kinds.contains_key(&ObjectKind::Customers),
        "migrate's work stays"
    );
    let calls = dest.calls.lock().unwrap().clone();
    assert!(calls.contains(&(ObjectKind::Tickets, "t2".into(), "remove".into())));
    assert!(calls.contains(&(
        ObjectKind::Tickets,
        "t1".into(),
        format!("restore {}", json!({"status": "open"}))
    )));
    let t1 = ledger.mapping(ObjectKind::Tickets, "t1").unwrap().unwrap();
    assert_eq!(t1.state, IdMapState::Created);
    assert_eq!(
        t1.content_hash.as_deref(),
        Some("ht1"),
        "delta will apply it again"
    );
    let t2 = ledger.mapping(ObjectKind::Tickets, "t2").unwrap().unwrap();
    assert_eq!(t2.state, IdMapState::Deleted);
    drop(ledger);

    // Then everything: children first, the pre-existing customer restored
    // and released, nothing of the first partial rollback undone twice.
    dest.calls.lock().unwrap().clear();
    let (ledger, report) = phases(&dest, dir.path())
        .rollback(Ledger::open(&path).unwrap(), &RollbackOptions::default())
        .await
        .unwrap();
    assert!(report.is_complete());
    let calls = dest.calls.lock().unwrap().clone();
    let order: Vec<ObjectKind> = calls.iter().map(|c| c.0).collect();
    let position = |k| order.iter().position(|&o| o == k).unwrap();
    assert!(position(ObjectKind::Messages) < position(ObjectKind::Tickets));
    assert!(position(ObjectKind::Tickets) < position(ObjectKind::Customers));
    assert_eq!(
        calls.iter().filter(|c| c.1 == "t2").count(),
        0,
        "already undone"
    );
    assert!(calls.contains(&(
        ObjectKind::Customers,
        "c1".into(),
        format!("restore {}", json!({"name": "as it was"}))
    )));
    let counts = ledger.id_map_counts().unwrap();
    for (kind, states) in &counts {
        assert_eq!(states.total(), states.deleted, "{kind}: {states:?}");
    }
    let again = phases(&dest, dir.path())
        .rollback(
            ledger,
            &RollbackOptions {
                dry_run: true,
                ..RollbackOptions::default()
            },
        )
        .await
        .unwrap()
        .1;
    assert!(again.kinds.is_empty(), "{:?}", again.kinds);
}

#[tokio::test]
async fn a_write_with_no_known_outcome_stops_the_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    migrated(&path);
    {
        let ledger = Ledger::open(&path).unwrap();
        let run = ledger.begin_run("migrate").unwrap();
        ledger
            .record_intent(run, &Intent::create(ObjectKind::Tickets, "t9", "h"))
            .unwrap();
        // The process dies here: the intent stays pending.
    }
    let dest = Recorder::default();
    let err = phases(&dest, dir.path())
        .rollback(Ledger::open(&path).unwrap(), &RollbackOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, PhaseError::Refused(_)), "{err}");
    assert!(err.to_string().contains("tickets t9"), "{err}");
    assert!(dest.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn records_changed_since_the_migration_stop_it_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    migrated(&path);
    let dest = Recorder {
        touched: vec![Touched {
            kind: ObjectKind::Tickets,
            dest_id: "g-t1".into(),
            detail: "updated by Ada".into(),
            modified_at: None,
        }],
        ..Recorder::default()
    };
    let err = phases(&dest, dir.path())
        .rollback(Ledger::open(&path).unwrap(), &RollbackOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("g-t1 (updated by Ada)"), "{err}");
    let (_, report) = phases(&dest, dir.path())
        .rollback(
            Ledger::open(&path).unwrap(),
            &RollbackOptions {
                force: true,
                ..RollbackOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(report.touched.len(), 1);
    assert!(report.is_complete());
}

#[test]
fn objects_bring_the_kinds_that_live_inside_them() {
    let only = |kinds: &[ObjectKind]| RollbackOptions {
        kinds: Some(kinds.iter().copied().collect::<BTreeSet<_>>()),
        ..RollbackOptions::default()
    };
    assert_eq!(
        only(&[ObjectKind::Tickets]).selected_kinds(),
        vec![
            ObjectKind::Attachments,
            ObjectKind::StatusEvents,
            ObjectKind::Messages,
            ObjectKind::Tickets
        ]
    );
    let customers = only(&[ObjectKind::Customers]).selected_kinds();
    assert!(
        customers.contains(&ObjectKind::Messages)
            && customers.contains(&ObjectKind::CustomObjectRecords)
    );
    assert_eq!(
        only(&[ObjectKind::Tags]).selected_kinds(),
        vec![ObjectKind::Tags]
    );
    assert_eq!(
        RollbackOptions::default().selected_kinds(),
        UNDO_ORDER.to_vec()
    );
}
