//! The exactly-once write protocol against a fake destination that can lose
//! answers after applying a write, exactly the failure that duplicates records.

use deskshift_core::engine::{Journal, WriteError, Written};
use deskshift_core::ledger::{IdMapState, Intent, Ledger, RunOutcome};
use deskshift_core::model::ObjectKind;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// What the next create call does.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Ok,
    /// Applies the write, then the answer is lost.
    LostAfterWrite,
    /// Fails before applying anything, with an ambiguous error.
    FailBeforeWrite,
    Refuse,
}

/// A destination keyed by external id.
#[derive(Default)]
struct FakeDestination {
    records: Mutex<HashMap<String, String>>,
    script: Mutex<Vec<Behaviour>>,
    creates: AtomicU32,
    lookups: AtomicU32,
}

impl FakeDestination {
    fn scripted(script: &[Behaviour]) -> FakeDestination {
        let mut reversed = script.to_vec();
        reversed.reverse();
        FakeDestination {
            script: Mutex::new(reversed),
            ..FakeDestination::default()
        }
    }

    async fn lookup(&self, external_id: &str) -> Result<Option<String>, WriteError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        Ok(self.records.lock().unwrap().get(external_id).cloned())
    }

    async fn create(&self, external_id: &str) -> Result<String, WriteError> {
        self.creates.fetch_add(1, Ordering::SeqCst);
        let behaviour = self.script.lock().unwrap().pop().unwrap_or(Behaviour::Ok);
        let mut records = self.records.lock().unwrap();
        let apply = |records: &mut HashMap<String, String>| {
            let id = format!("dest-{}", records.len() + 1);
            records.insert(external_id.to_string(), id.clone());
            id
        };
        match behaviour {
            Behaviour::Ok => Ok(apply(&mut records)),
            Behaviour::LostAfterWrite => {
                apply(&mut records);
                Err(WriteError::Uncertain("connection reset".into()))
            }
            Behaviour::FailBeforeWrite => Err(WriteError::Uncertain("502 bad gateway".into())),
            Behaviour::Refuse => Err(WriteError::Refused("subject: too long".into())),
        }
    }
}

async fn create(journal: &Journal, dest: &FakeDestination, id: &str) -> Written {
    journal
        .create_once(
            ObjectKind::Tickets,
            id,
            "hash-1",
            || dest.lookup(id),
            || dest.create(id),
        )
        .await
        .unwrap()
}

fn journal() -> Journal {
    Journal::begin(Ledger::open_in_memory().unwrap(), "migrate").unwrap()
}

#[tokio::test]
async fn a_created_record_is_never_created_again() {
    let dest = FakeDestination::default();
    let journal = journal();
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Created("dest-1".into())
    );
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::AlreadyDone("dest-1".into())
    );
    assert_eq!(dest.creates.load(Ordering::SeqCst), 1);
    assert_eq!(
        dest.lookups.load(Ordering::SeqCst),
        0,
        "a clean create needs no look-up"
    );
}

#[tokio::test]
async fn an_answer_lost_after_the_write_is_adopted_not_repeated() {
    let dest = FakeDestination::scripted(&[Behaviour::LostAfterWrite]);
    let journal = journal();
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Created("dest-1".into())
    );
    assert_eq!(dest.records.lock().unwrap().len(), 1, "no duplicate");
    assert_eq!(dest.creates.load(Ordering::SeqCst), 1);
    let entry = journal
        .with(|l| l.mapping(ObjectKind::Tickets, "t1"))
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, IdMapState::Created);
    assert_eq!(entry.dest_id.as_deref(), Some("dest-1"));
}

#[tokio::test]
async fn a_failure_before_the_write_is_retried_after_a_look_up() {
    let dest = FakeDestination::scripted(&[Behaviour::FailBeforeWrite, Behaviour::FailBeforeWrite]);
    let journal = journal();
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Created("dest-1".into())
    );
    assert_eq!(dest.creates.load(Ordering::SeqCst), 3);
    assert_eq!(dest.lookups.load(Ordering::SeqCst), 2);
    assert_eq!(dest.records.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_refusal_is_a_reject_with_the_destinations_words() {
    let dest = FakeDestination::scripted(&[Behaviour::Refuse]);
    let journal = journal();
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Rejected("subject: too long".into())
    );
    let entry = journal
        .with(|l| l.mapping(ObjectKind::Tickets, "t1"))
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, IdMapState::Rejected);
    // A later run (say, after the map was fixed) tries again.
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Created("dest-1".into())
    );
}

#[tokio::test]
async fn endless_uncertainty_gives_up_with_a_clear_error() {
    let dest = FakeDestination::scripted(&[Behaviour::FailBeforeWrite; 10]);
    let journal = journal();
    let err = journal
        .create_once(
            ObjectKind::Tickets,
            "t9",
            "h",
            || dest.lookup("t9"),
            || dest.create("t9"),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("tickets t9") && err.contains("502"), "{err}");
    assert!(dest.records.lock().unwrap().is_empty());
}

/// Leaves a pending create in a file ledger, as `kill -9` mid-call would.
fn crashed_ledger(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("deskshift.db");
    let ledger = Ledger::open(&path).unwrap();
    let run = ledger.begin_run("migrate").unwrap();
    ledger
        .record_intent(run, &Intent::create(ObjectKind::Tickets, "t1", "hash-1"))
        .unwrap();
    drop(ledger); // no outcome, no finish: the process "died"
    path
}

#[tokio::test]
async fn a_pending_create_that_landed_is_adopted_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed_ledger(dir.path());
    let dest = FakeDestination::default();
    dest.records
        .lock()
        .unwrap()
        .insert("t1".into(), "dest-42".into());

    let journal = Journal::begin(Ledger::open(&path).unwrap(), "migrate").unwrap();
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Created("dest-42".into())
    );
    assert_eq!(
        dest.creates.load(Ordering::SeqCst),
        0,
        "nothing created twice"
    );
    let ledger = journal.finish(RunOutcome::Succeeded).unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());
}

#[tokio::test]
async fn a_pending_create_that_never_landed_is_made_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed_ledger(dir.path());
    let dest = FakeDestination::default();
    let journal = Journal::begin(Ledger::open(&path).unwrap(), "migrate").unwrap();
    assert_eq!(
        create(&journal, &dest, "t1").await,
        Written::Created("dest-1".into())
    );
    assert_eq!(dest.creates.load(Ordering::SeqCst), 1);
    let ledger = journal.finish(RunOutcome::Succeeded).unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());
}

#[tokio::test]
async fn a_match_is_recorded_and_not_repeated() {
    let journal = journal();
    let first = journal
        .matched(ObjectKind::Customers, "c1", "h", "dest-7")
        .unwrap();
    assert_eq!(first, Written::Matched("dest-7".into()));
    let again = journal
        .matched(ObjectKind::Customers, "c1", "h", "dest-7")
        .unwrap();
    assert_eq!(again, Written::AlreadyDone("dest-7".into()));
    let entry = journal
        .with(|l| l.mapping(ObjectKind::Customers, "c1"))
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, IdMapState::Matched);
}

#[tokio::test]
async fn a_pending_match_left_by_a_crash_is_settled_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    {
        let ledger = Ledger::open(&path).unwrap();
        let run = ledger.begin_run("migrate").unwrap();
        ledger
            .record_intent(run, &Intent::match_existing(ObjectKind::Users, "u1", "h"))
            .unwrap();
        // The process dies here: intent recorded, outcome not.
    }
    let journal = Journal::begin(Ledger::open(&path).unwrap(), "migrate").unwrap();
    let written = journal
        .matched(ObjectKind::Users, "u1", "h", "dest-9")
        .unwrap();
    assert_eq!(written, Written::Matched("dest-9".into()));
    let ledger = journal.finish(RunOutcome::Succeeded).unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());
    let entry = ledger.mapping(ObjectKind::Users, "u1").unwrap().unwrap();
    assert_eq!(entry.state, IdMapState::Matched);
}

/// A ledger whose last run died after recording these intents.
fn crashed_with(path: &std::path::Path, intents: &[Intent]) {
    let ledger = Ledger::open(path).unwrap();
    let run = ledger.begin_run("migrate").unwrap();
    for intent in intents {
        ledger.record_intent(run, intent).unwrap();
    }
}

#[tokio::test]
async fn settling_before_a_match_adopts_a_create_that_landed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    crashed_with(
        &path,
        &[
            Intent::create(ObjectKind::Customers, "landed", "h"),
            Intent::create(ObjectKind::Customers, "lost", "h"),
            Intent::match_existing(ObjectKind::Customers, "matched", "h"),
        ],
    );
    let dest = FakeDestination::default();
    dest.records
        .lock()
        .unwrap()
        .insert("landed".into(), "dest-1".into());
    let journal = Journal::begin(Ledger::open(&path).unwrap(), "migrate").unwrap();
    let settle = |id: &'static str| {
        let dest = &dest;
        let journal = &journal;
        async move {
            journal
                .settle(ObjectKind::Customers, id, "h", || dest.lookup(id))
                .await
                .unwrap()
        }
    };
    // Landed: adopted as created, so that the e-mail match a listing would
    // suggest (the record looks pre-existing) is never made.
    assert_eq!(
        settle("landed").await,
        Some(Written::Created("dest-1".into()))
    );
    // Never landed: closed, and free to be matched or created now.
    assert_eq!(settle("lost").await, None);
    assert_eq!(
        journal
            .matched(ObjectKind::Customers, "lost", "h", "dest-7")
            .unwrap(),
        Written::Matched("dest-7".into())
    );
    // A pending match wrote nothing: no look-up, decided again.
    let lookups = dest.lookups.load(Ordering::SeqCst);
    assert_eq!(settle("matched").await, None);
    assert_eq!(dest.lookups.load(Ordering::SeqCst), lookups);
    // Nothing unsure: no look-up either.
    assert_eq!(settle("landed").await, None);
    assert_eq!(dest.lookups.load(Ordering::SeqCst), lookups);

    let ledger = journal.finish(RunOutcome::Succeeded).unwrap();
    assert!(ledger.pending_intents().unwrap().is_empty());
    let state = |id| {
        ledger
            .mapping(ObjectKind::Customers, id)
            .unwrap()
            .unwrap()
            .state
    };
    assert_eq!(state("landed"), IdMapState::Created);
    assert_eq!(state("lost"), IdMapState::Matched);
    assert_eq!(dest.creates.load(Ordering::SeqCst), 0);
}
