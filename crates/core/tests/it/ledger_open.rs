//! Opening a ledger: schema versions, durability settings, runs and the writer lock.

use deskshift_core::ledger::{Ledger, LedgerError, RunOutcome, RunStatus, SCHEMA_VERSION};
use std::path::Path;

fn user_version(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn open_creates_then_reopen_applies_nothing_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    {
        let ledger = Ledger::open(&path).unwrap();
        assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(ledger.path(), Some(path.as_path()));
        ledger.set_meta("map_hash", "abc").unwrap();
    }
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(ledger.meta("map_hash").unwrap().as_deref(), Some("abc"));
    assert!(ledger.check_integrity().unwrap().is_empty());
}

#[test]
fn a_ledger_from_a_newer_deskshift_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    drop(Ledger::open(&path).unwrap());
    let newer = SCHEMA_VERSION + 1;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&format!("PRAGMA user_version = {newer}"))
        .unwrap();

    let err = Ledger::open(&path).unwrap_err();
    assert!(matches!(err, LedgerError::SchemaTooNew { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "ledger schema version {newer} is newer than this deskshift ({SCHEMA_VERSION}); \
             upgrade deskshift"
        )
    );
    assert_eq!(user_version(&path), newer, "left untouched");
}

#[test]
fn a_file_that_is_not_a_ledger_is_refused_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    std::fs::write(&path, b"this is not a database, just some text long enough").unwrap();
    let err = Ledger::open(&path).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("cannot open ledger at "), "{msg}");
    assert!(msg.contains("deskshift.db"), "{msg}");
    assert!(msg.contains("not a deskshift ledger"), "{msg}");
}

#[test]
fn a_missing_directory_is_reported_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("deskshift.db");
    let msg = Ledger::open(&path).unwrap_err().to_string();
    assert!(msg.contains("no-such-dir"), "{msg}");
    assert!(msg.contains("exists and is writable"), "{msg}");
}

#[test]
fn runs_record_their_outcome() {
    let ledger = Ledger::open_in_memory().unwrap();
    let a = ledger.begin_run("discover").unwrap();
    let b = ledger.begin_run("migrate").unwrap();
    assert!(b > a);
    ledger.finish_run(a, RunOutcome::Succeeded).unwrap();
    ledger
        .finish_run(b, RunOutcome::Failed("Gorgias answered 401".into()))
        .unwrap();
    let c = ledger.begin_run("migrate").unwrap();
    ledger.finish_run(c, RunOutcome::Succeeded).unwrap();

    let runs = ledger.runs().unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [a, b, c]);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert!(runs[0].finished_at.unwrap() >= runs[0].started_at);
    assert_eq!(runs[1].status, RunStatus::Failed);
    assert_eq!(runs[1].message.as_deref(), Some("Gorgias answered 401"));
    assert_eq!(
        ledger.last_successful_run("migrate").unwrap().unwrap().id,
        c
    );
    assert_eq!(
        ledger.last_successful_run("discover").unwrap().unwrap().id,
        a
    );
    assert_eq!(ledger.last_successful_run("delta").unwrap(), None);
    assert_eq!(ledger.run(b).unwrap().unwrap().command, "migrate");

    // A run ends once.
    let err = ledger.finish_run(a, RunOutcome::Succeeded).unwrap_err();
    assert!(matches!(err, LedgerError::RunNotActive { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("run {a} is succeeded, not running; begin a new run to write to the ledger")
    );
    let unknown = deskshift_core::ledger::RunId(999);
    assert!(matches!(
        ledger.finish_run(unknown, RunOutcome::Succeeded),
        Err(LedgerError::UnknownRun(_))
    ));
}

#[test]
fn a_run_left_running_is_reported_interrupted_once_its_process_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    let writer = Ledger::open(&path).unwrap();
    let run = writer.begin_run("migrate").unwrap();

    // A reader (`status`) while the writer lives: the run is still running.
    let reader = Ledger::open(&path).unwrap();
    assert_eq!(reader.run(run).unwrap().unwrap().status, RunStatus::Running);
    assert!(reader.interrupted_runs().unwrap().is_empty());

    // A second writer is refused while the first holds the lock.
    let err = reader.begin_run("migrate").unwrap_err();
    assert!(matches!(err, LedgerError::Locked { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("another deskshift process is running"),
        "{err}"
    );
    drop(reader);

    // The writer goes away without finishing its run (as a crash would).
    drop(writer);
    let after = Ledger::open(&path).unwrap();
    let runs = after.runs().unwrap();
    assert_eq!(runs[0].status, RunStatus::Interrupted);
    assert_eq!(runs[0].finished_at, None, "nobody saw it end");
    assert_eq!(after.interrupted_runs().unwrap().len(), 1);
    // An interrupted run cannot be finished or written to.
    assert!(matches!(
        after.finish_run(run, RunOutcome::Succeeded),
        Err(LedgerError::RunNotActive {
            status: RunStatus::Interrupted,
            ..
        })
    ));
    let next = after.begin_run("migrate").unwrap();
    assert_eq!(after.run(next).unwrap().unwrap().status, RunStatus::Running);
    // One ledger may run several commands in turn under its one lock.
    after.finish_run(next, RunOutcome::Succeeded).unwrap();
    let again = after.begin_run("verify").unwrap();
    assert_eq!(
        after.run(again).unwrap().unwrap().status,
        RunStatus::Running
    );
}

#[test]
fn begin_run_marks_dead_runs_even_when_open_could_not() {
    // A run left `running` in a ledger opened while someone held the lock is
    // marked when the next writer takes the lock.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    let first = Ledger::open(&path).unwrap();
    let dead = first.begin_run("migrate").unwrap();
    let later = Ledger::open(&path).unwrap(); // lock held: nothing marked
    drop(first);
    let run = later.begin_run("migrate").unwrap();
    assert_eq!(
        later.run(dead).unwrap().unwrap().status,
        RunStatus::Interrupted
    );
    assert_eq!(later.run(run).unwrap().unwrap().status, RunStatus::Running);
}

#[test]
fn ledger_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Ledger>();
}
