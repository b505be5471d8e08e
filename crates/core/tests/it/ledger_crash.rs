//! Crash recovery with real crashes: a child process (this test binary, re-run
//! with an ignored helper test selected) writes to a ledger and dies with
//! `std::process::abort()` at a chosen instant. The parent then reopens the
//! ledger and checks that it is consistent and that a new run can finish the job.

use deskshift_core::ledger::{
    Intent, JournalState, Ledger, Operation, Outcome, RunOutcome, RunStatus, SourceIndexEntry,
};
use deskshift_core::model::ObjectKind;
use deskshift_core::source::Reject;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::Command;

const PATH_VAR: &str = "DESKSHIFT_LEDGER_CRASH_PATH";
const MODE_VAR: &str = "DESKSHIFT_LEDGER_CRASH_MODE";
const HELPER: &str = "crash_child";
const MARKER: &str = "ledger-crash-child: aborting now";

/// Rows committed before the crash in the batch modes.
const COMMITTED: usize = 100;
/// Size of the batch the child dies in the middle of; large enough that SQLite
/// spills uncommitted pages to the WAL before the crash.
const BIG_BATCH: usize = 20_000;
const DIE_AT: usize = 15_000;

fn die() -> ! {
    println!("{MARKER}");
    let _ = std::io::stdout().flush();
    std::process::abort()
}

fn before_image() -> serde_json::Value {
    json!({
        "id": 4711,
        "status": "open",
        "subject": "Ünïcödé — \"quoted\" <b>html</b>",
        "tags": ["vip", "billing"],
        "meta": {"nested": {"n": 1.5, "null": null}}
    })
}

fn reject(i: usize) -> Reject {
    Reject::new(
        ObjectKind::Customers,
        Some(format!("c-{i}")),
        "email",
        format!(
            "not an e-mail address: \"customer {i} at example\" {}",
            "x".repeat(200)
        ),
        "fix the address in Stames or accept the reject",
    )
}

fn index_entry(i: usize) -> SourceIndexEntry {
    SourceIndexEntry {
        source_id: format!("c-{i}"),
        content_hash: format!("{i:064x}"),
        natural_key: Some(format!("customer-{}@example.com", i % 50)),
        updated_at: Some("2024-05-01T10:00:00Z".into()),
    }
}

/// The child: does the work for `MODE_VAR` against the ledger at `PATH_VAR`, then
/// dies. Does nothing when run without them (e.g. `cargo test -- --ignored`).
#[test]
#[ignore = "helper: run by the crash tests in a child process"]
fn crash_child() {
    let (Ok(path), Ok(mode)) = (std::env::var(PATH_VAR), std::env::var(MODE_VAR)) else {
        return;
    };
    let ledger = Ledger::open(&path).unwrap();
    let run = ledger.begin_run("migrate").unwrap();
    // Work that completes before the crash.
    for n in 1..=2 {
        let id = ledger
            .record_intent(
                run,
                &Intent::create(ObjectKind::Tickets, format!("t-{n}"), format!("h{n}")),
            )
            .unwrap();
        ledger
            .record_outcome(
                id,
                &Outcome::Created {
                    dest_id: format!("g-{n}"),
                },
            )
            .unwrap();
    }
    let id = ledger
        .record_intent(
            run,
            &Intent::update(
                ObjectKind::Tickets,
                "t-1",
                "g-1",
                "h1b",
                json!({"status": "closed"}),
            ),
        )
        .unwrap();
    ledger
        .record_outcome(
            id,
            &Outcome::Updated {
                dest_id: "g-1".into(),
            },
        )
        .unwrap();
    let rejects: Vec<Reject> = (0..COMMITTED).map(reject).collect();
    ledger.record_rejects(run, "migrate", &rejects).unwrap();
    let entries: Vec<SourceIndexEntry> = (0..COMMITTED).map(index_entry).collect();
    ledger
        .index_source_batch(ObjectKind::Customers, &entries)
        .unwrap();

    match mode.as_str() {
        // An intent is durable, the destination call is "in flight", and we die.
        "pending-create" => {
            ledger
                .record_intent(run, &Intent::create(ObjectKind::Tickets, "t-3", "h3"))
                .unwrap();
            die()
        }
        "pending-update" => {
            ledger
                .record_intent(
                    run,
                    &Intent::update(ObjectKind::Tickets, "t-2", "g-2", "h2b", before_image()),
                )
                .unwrap();
            die()
        }
        // Die inside a transaction, half-way through a batch.
        "mid-rejects" => {
            let big: Vec<Reject> = (COMMITTED..COMMITTED + BIG_BATCH).map(reject).collect();
            let dying = big.iter().enumerate().map(|(i, r)| {
                if i == DIE_AT {
                    die()
                }
                r
            });
            ledger.record_rejects(run, "migrate", dying).unwrap();
            unreachable!("the child dies inside the batch")
        }
        "mid-index" => {
            let big: Vec<SourceIndexEntry> = (COMMITTED..COMMITTED + BIG_BATCH)
                .map(index_entry)
                .collect();
            let dying = big.iter().enumerate().map(|(i, e)| {
                if i == DIE_AT {
                    die()
                }
                e
            });
            ledger
                .index_source_batch(ObjectKind::Customers, dying)
                .unwrap();
            unreachable!("the child dies inside the batch")
        }
        "mid-intents" => {
            let big: Vec<Intent> = (0..BIG_BATCH)
                .map(|i| Intent::create(ObjectKind::Messages, format!("m-{i}"), format!("hm{i}")))
                .collect();
            let dying = big.iter().enumerate().map(|(i, intent)| {
                if i == DIE_AT {
                    die()
                }
                intent
            });
            ledger.record_intents(run, dying).unwrap();
            unreachable!("the child dies inside the batch")
        }
        other => panic!("unknown crash mode {other}"),
    }
}

/// The helper's name as libtest knows it: its module path without the crate.
fn helper_test_name() -> String {
    match module_path!().split_once("::") {
        Some((_crate, module)) => format!("{module}::{HELPER}"),
        None => HELPER.to_string(),
    }
}

/// Runs the child in `mode` against `path` and checks that it really crashed.
fn crash_child_process(path: &Path, mode: &str) {
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args([
            "--exact",
            &helper_test_name(),
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PATH_VAR, path)
        .env(MODE_VAR, mode)
        .output()
        .expect("spawn the crash child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains(MARKER),
        "the child did not reach its crash point ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        !out.status.success(),
        "the child was meant to die: {}",
        out.status
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "killed by SIGABRT: {}",
            out.status
        );
    }
}

/// What every crash mode leaves behind, checked after reopening.
fn assert_completed_work_intact(ledger: &Ledger) {
    assert!(ledger.check_integrity().unwrap().is_empty());
    let runs = ledger.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].status,
        RunStatus::Interrupted,
        "reported at open, before any new run"
    );
    assert!(runs[0]
        .message
        .as_deref()
        .unwrap_or("")
        .contains("interrupted"));
    assert_eq!(ledger.interrupted_runs().unwrap(), runs);

    let t1 = ledger.mapping(ObjectKind::Tickets, "t-1").unwrap().unwrap();
    // Updated by deskshift, but still a record deskshift created.
    assert_eq!(
        (t1.state.as_str(), t1.dest_id.as_deref()),
        ("created", Some("g-1"))
    );
    assert_eq!(t1.content_hash.as_deref(), Some("h1b"));
    let t2 = ledger.mapping(ObjectKind::Tickets, "t-2").unwrap().unwrap();
    assert_eq!(t2.dest_id.as_deref(), Some("g-2"));

    let journal = ledger.journal(None).unwrap();
    let done: Vec<_> = journal
        .iter()
        .filter(|e| e.state == JournalState::Done)
        .collect();
    assert_eq!(done.len(), 3);
    assert_eq!(
        done[2].intent.before_image,
        Some(json!({"status": "closed"}))
    );
}

#[test]
fn pending_create_is_found_and_resolved_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    crash_child_process(&path, "pending-create");

    let ledger = Ledger::open(&path).unwrap();
    assert_completed_work_intact(&ledger);
    let crashed = ledger.runs().unwrap()[0].id;

    let pending = ledger.pending_intents().unwrap();
    assert_eq!(pending.len(), 1, "{pending:#?}");
    let p = &pending[0];
    assert_eq!(p.run, crashed);
    assert_eq!(p.intent.kind, ObjectKind::Tickets);
    assert_eq!(p.intent.source_id, "t-3");
    assert_eq!(p.intent.operation, Operation::Create);
    assert_eq!(p.intent.content_hash.as_deref(), Some("h3"));
    assert_eq!(p.intent.before_image, None);
    let t3 = ledger.mapping(ObjectKind::Tickets, "t-3").unwrap().unwrap();
    assert_eq!(t3.state.as_str(), "pending");

    // The crashed run can no longer record outcomes; a new run resolves.
    let err = ledger
        .record_outcome(
            p.id,
            &Outcome::Created {
                dest_id: "g-3".into(),
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("resolve_pending"), "{err}");
    let run = ledger.begin_run("migrate").unwrap();
    // (Here the engine would look t-3 up in the destination by external id.)
    ledger
        .resolve_pending(
            run,
            p.id,
            &Outcome::Created {
                dest_id: "g-3".into(),
            },
        )
        .unwrap();

    assert!(ledger.pending_intents().unwrap().is_empty());
    let t3 = ledger.mapping(ObjectKind::Tickets, "t-3").unwrap().unwrap();
    assert_eq!(t3.state.as_str(), "created");
    assert_eq!(t3.dest_id.as_deref(), Some("g-3"));
    assert_eq!(t3.content_hash.as_deref(), Some("h3"));
    let entry = ledger.journal_entry(p.id).unwrap().unwrap();
    assert_eq!(entry.run, crashed);
    assert_eq!(entry.resolved_by, Some(run));
    assert_eq!(entry.state, JournalState::Done);
    let counts = ledger.id_map_counts().unwrap();
    assert_eq!(counts[&ObjectKind::Tickets].created, 3);
    assert_eq!(counts[&ObjectKind::Tickets].updated, 0);
    assert_eq!(counts[&ObjectKind::Tickets].pending, 0);
    assert_completed_work_intact_after_resume(&ledger);
    ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
}

fn assert_completed_work_intact_after_resume(ledger: &Ledger) {
    let t1 = ledger.mapping(ObjectKind::Tickets, "t-1").unwrap().unwrap();
    assert_eq!(t1.state.as_str(), "created");
    assert_eq!(ledger.journal(None).unwrap().len(), 4);
    assert!(ledger.check_integrity().unwrap().is_empty());
}

#[test]
fn pending_update_keeps_its_before_image_across_the_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    crash_child_process(&path, "pending-update");

    let ledger = Ledger::open(&path).unwrap();
    assert_completed_work_intact(&ledger);
    let pending = ledger.pending_intents().unwrap();
    assert_eq!(pending.len(), 1);
    let p = &pending[0];
    assert_eq!(p.intent.operation, Operation::Update);
    assert_eq!(p.intent.source_id, "t-2");
    assert_eq!(p.intent.dest_id.as_deref(), Some("g-2"));
    assert_eq!(p.intent.before_image, Some(before_image()));
    // Pending does not pretend the new content landed.
    let t2 = ledger.mapping(ObjectKind::Tickets, "t-2").unwrap().unwrap();
    assert_eq!(t2.state.as_str(), "pending");
    assert_eq!(t2.content_hash.as_deref(), Some("h2"));

    let run = ledger.begin_run("migrate").unwrap();
    ledger
        .resolve_pending(
            run,
            p.id,
            &Outcome::Updated {
                dest_id: "g-2".into(),
            },
        )
        .unwrap();
    let t2 = ledger.mapping(ObjectKind::Tickets, "t-2").unwrap().unwrap();
    assert_eq!(
        t2.state.as_str(),
        "created",
        "an update keeps a created record created"
    );
    assert_eq!(t2.content_hash.as_deref(), Some("h2b"));
    // Rollback reads the before-image back, newest first.
    let reversed = ledger.journal_reversed(None).unwrap();
    assert_eq!(reversed[0].id, p.id);
    assert_eq!(reversed[0].intent.before_image, Some(before_image()));
    ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
}

#[test]
fn crash_inside_a_reject_batch_leaves_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    crash_child_process(&path, "mid-rejects");

    let ledger = Ledger::open(&path).unwrap();
    assert_completed_work_intact(&ledger);
    assert!(ledger.pending_intents().unwrap().is_empty());
    let rejects = ledger.rejects(None).unwrap();
    assert_eq!(rejects.len(), COMMITTED, "the committed batch only");
    assert_eq!(rejects.last().unwrap().reject, reject(COMMITTED - 1));
    assert_eq!(
        ledger
            .reject_counts(None)
            .unwrap()
            .get(&ObjectKind::Customers),
        Some(&(COMMITTED as u64))
    );
    // The ledger is writable again: the lock died with the child.
    let run = ledger.begin_run("discover").unwrap();
    ledger.record_reject(run, "discover", &reject(1)).unwrap();
    assert_eq!(ledger.rejects(Some(run)).unwrap().len(), 1);
}

#[test]
fn crash_inside_a_source_index_batch_leaves_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    crash_child_process(&path, "mid-index");

    let ledger = Ledger::open(&path).unwrap();
    assert_completed_work_intact(&ledger);
    assert_eq!(
        ledger.source_count(ObjectKind::Customers).unwrap(),
        COMMITTED as u64
    );
    assert!(ledger
        .source_contains(ObjectKind::Customers, "c-99")
        .unwrap());
    assert!(!ledger
        .source_contains(ObjectKind::Customers, "c-100")
        .unwrap());
    assert!(!ledger
        .source_contains(
            ObjectKind::Customers,
            &format!("c-{}", COMMITTED + DIE_AT - 1)
        )
        .unwrap());
    // 100 customers over 50 e-mail addresses: each address twice.
    let dupes = ledger
        .duplicate_natural_keys(ObjectKind::Customers)
        .unwrap();
    assert_eq!(dupes.len(), 50);
    assert!(dupes.iter().all(|(_, n)| *n == 2));
}

#[test]
fn crash_inside_an_intent_batch_leaves_no_half_recorded_intents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deskshift.db");
    crash_child_process(&path, "mid-intents");

    let ledger = Ledger::open(&path).unwrap();
    assert_completed_work_intact(&ledger);
    assert!(ledger.pending_intents().unwrap().is_empty());
    assert_eq!(ledger.journal(None).unwrap().len(), 3);
    assert!(ledger
        .mapping(ObjectKind::Messages, "m-0")
        .unwrap()
        .is_none());
    assert!(!ledger
        .id_map_counts()
        .unwrap()
        .contains_key(&ObjectKind::Messages));
}
