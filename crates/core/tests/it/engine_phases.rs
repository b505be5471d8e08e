//! The writing phases against a fake destination: the preflight gate, the
//! reconciliation at the end of a run, and the verify reports.

use async_trait::async_trait;
use deskshift_core::destination::*;
use deskshift_core::engine::{PhaseError, Phases, WriteError};
use deskshift_core::ledger::{Ledger, RunStatus};
use deskshift_core::model::*;
use deskshift_core::progress::Silent;
use deskshift_core::source::*;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::EmptySource;

/// Writes three tickets; optionally "forgets" to account for one.
struct FakeDestination {
    active_rule: bool,
    lose_one: bool,
    prepared: AtomicBool,
}

impl FakeDestination {
    fn new(active_rule: bool, lose_one: bool) -> FakeDestination {
        FakeDestination {
            active_rule,
            lose_one,
            prepared: AtomicBool::new(false),
        }
    }
}

#[async_trait]
impl Destination for FakeDestination {
    fn name(&self) -> &'static str {
        "fake"
    }
    async fn preflight(&self) -> Result<Vec<SideEffect>, DestinationError> {
        Ok(self
            .active_rule
            .then(|| SideEffect {
                kind: "rule".into(),
                id: "7".into(),
                name: "Auto-reply".into(),
                effect: "replies to new tickets".into(),
                handling: "pause it with `deskshift prepare --pause-rules`".into(),
                blocking: true,
            })
            .into_iter()
            .collect())
    }
    async fn prepare(&self, _: &LoadContext<'_>, _: bool) -> Result<(), DestinationError> {
        self.prepared.store(true, Ordering::SeqCst);
        Ok(())
    }
    async fn migrate(&self, ctx: &LoadContext<'_>, _: &Scope) -> Result<(), DestinationError> {
        ctx.counts.source(ObjectKind::Tickets, 3);
        let accounted = if self.lose_one { 2 } else { 3 };
        for n in 0..accounted {
            let id = format!("t{n}");
            let written = ctx
                .journal
                .create_once(
                    ObjectKind::Tickets,
                    &id,
                    "h",
                    || async { Ok::<_, WriteError>(None) },
                    || async { Ok::<_, WriteError>(format!("d{n}")) },
                )
                .await?;
            ctx.counts.written(ObjectKind::Tickets, &written, false);
        }
        Ok(())
    }
    async fn verify(&self, _: &LoadContext<'_>) -> Result<VerifyReport, DestinationError> {
        let mut report = VerifyReport::default();
        report.counts.insert(ObjectKind::Tickets, (2, 1));
        report.mismatches.push(Mismatch {
            kind: ObjectKind::Tickets,
            source_id: "t2".into(),
            dest_id: Some("d2".into()),
            field: "subject".into(),
            expected: "Where | is my order?".into(),
            actual: "Where is my order".into(),
        });
        Ok(report)
    }
    fn api_stats(&self) -> ApiStats {
        ApiStats {
            calls: 3,
            rate_limited: 0,
            retries: 0,
        }
    }
}

/// `ledger` with a confirmed field map: the phases refuse to write without
/// one. The fake destination maps nothing, so an empty map serves.
fn confirmed(ledger: Ledger) -> Ledger {
    deskshift_core::mapping::confirmation::record_confirmation(
        &ledger,
        &deskshift_core::mapping::FieldMap::unmapped("fake"),
    )
    .unwrap();
    ledger
}

#[tokio::test]
async fn nothing_is_written_without_a_confirmed_field_map() {
    let dir = tempfile::tempdir().unwrap();
    let dest = FakeDestination::new(false, false);
    let err = phases(&dest, dir.path())
        .migrate(Ledger::open_in_memory().unwrap(), &Scope::All, false)
        .await
        .unwrap_err();
    let PhaseError::Refused(message) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert!(message.contains("deskshift map confirm"), "{message}");
}

fn phases<'a>(dest: &'a FakeDestination, dir: &'a std::path::Path) -> Phases<'a> {
    Phases {
        source: &EmptySource,
        destination: dest,
        progress: &Silent,
        cache_dir: dir,
        reports_dir: dir,
    }
}

#[tokio::test]
async fn an_active_rule_refuses_the_load_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let dest = FakeDestination::new(true, false);
    let err = phases(&dest, dir.path())
        .migrate(
            confirmed(Ledger::open_in_memory().unwrap()),
            &Scope::All,
            false,
        )
        .await
        .unwrap_err();
    let PhaseError::Refused(message) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert!(
        message.contains("Auto-reply") && message.contains("--pause-rules"),
        "{message}"
    );

    let (_, summary) = phases(&dest, dir.path())
        .migrate(
            confirmed(Ledger::open_in_memory().unwrap()),
            &Scope::All,
            true,
        )
        .await
        .unwrap();
    assert_eq!(summary.objects[&ObjectKind::Tickets].created, 3);
    assert!(summary.reconciled);
}

#[tokio::test]
async fn a_run_that_loses_a_record_fails_and_says_which_kind() {
    let dir = tempfile::tempdir().unwrap();
    let dest = FakeDestination::new(false, true);
    let ledger = confirmed(Ledger::open(dir.path().join("l.db")).unwrap());
    let err = phases(&dest, dir.path())
        .migrate(ledger, &Scope::All, false)
        .await
        .unwrap_err();
    let PhaseError::Unreconciled(lines) = err else {
        panic!("expected unreconciled, got {err}")
    };
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("tickets: source 3"), "{lines:?}");
    let ledger = Ledger::open(dir.path().join("l.db")).unwrap();
    assert_eq!(ledger.runs().unwrap()[0].status, RunStatus::Failed);
}

#[tokio::test]
async fn verify_writes_both_reports_and_returns_the_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let dest = FakeDestination::new(false, false);
    let (_, summary, report) = phases(&dest, dir.path())
        .verify(confirmed(Ledger::open_in_memory().unwrap()))
        .await
        .unwrap();
    assert!(!report.is_clean());
    assert_eq!(summary.objects[&ObjectKind::Tickets].verified, 2);
    assert_eq!(summary.objects[&ObjectKind::Tickets].mismatched, 1);
    let md = std::fs::read_to_string(dir.path().join("verify.md")).unwrap();
    assert!(
        md.contains("1 field mismatches") && md.contains("Where \\| is my order?"),
        "{md}"
    );
    let json: VerifyReport =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("verify.json")).unwrap())
            .unwrap();
    assert_eq!(json, report);
}

#[tokio::test]
async fn prepare_is_a_run_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let dest = FakeDestination::new(true, false);
    let ledger = phases(&dest, dir.path())
        .prepare(confirmed(Ledger::open_in_memory().unwrap()), true)
        .await
        .unwrap();
    assert!(dest.prepared.load(Ordering::SeqCst));
    let runs = ledger.runs().unwrap();
    assert_eq!(
        (runs[0].command.as_str(), runs[0].status),
        ("prepare", RunStatus::Succeeded)
    );
}
