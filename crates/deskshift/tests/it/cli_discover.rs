//! End-to-end tests of the `deskshift` binary against the Stames emulator it
//! ships: `sim stames` in one process, `init` + `discover` in others, exactly
//! as an operator would run them.

use deskshift_core::discover::ScopeReport;
use deskshift_core::model::ObjectKind;
use deskshift_sim::stames::StamesData;
use std::path::Path;
use std::process::{Command, Output};

use crate::common;

use common::{Sim, BIN};

fn deskshift(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    common::deskshift(project, args)
        .envs(env.iter().copied())
        .output()
        .expect("run deskshift")
}

fn init(project: &Path, url: &str) {
    let out = deskshift(
        project,
        &["init", "--dest", "gorgias", "--source-url", url],
        &[],
    );
    assert!(
        out.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn discover_json(project: &Path) -> ScopeReport {
    let out = deskshift(project, &["discover", "--json"], &[]);
    assert!(
        out.status.success(),
        "discover failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("discover --json prints the scope report")
}

#[test]
fn discover_counts_equal_the_emulators_own_totals() {
    // The acceptance scenario: 1000 tickets, seed 7. The budget is
    // raised so the test does not wait out the default rate limit.
    let sim = Sim::start(&[
        "stames",
        "--port",
        "0",
        "--tickets",
        "1000",
        "--seed",
        "7",
        "--budget",
        "100000/60",
    ]);
    let project = tempfile::tempdir().unwrap();
    init(project.path(), &sim.url);
    let report = discover_json(project.path());

    let totals = StamesData::generate(7, 1000, 0).totals();
    assert!(report.reconciled, "{:?}", report.discrepancies);
    assert_eq!(report.rejects.total, 0, "{:?}", report.rejects.examples);
    for (kind, expected) in &totals {
        let count = report.counts.get(kind).copied().unwrap_or_default();
        assert_eq!(
            count.read + count.rejected,
            *expected,
            "{kind}: discover read {} + rejected {}, emulator holds {expected}",
            count.read,
            count.rejected
        );
    }
    // Every kind the emulator holds was counted.
    for kind in [
        ObjectKind::Users,
        ObjectKind::Customers,
        ObjectKind::Tickets,
        ObjectKind::Messages,
        ObjectKind::Attachments,
        ObjectKind::Tags,
        ObjectKind::CustomFields,
        ObjectKind::StatusEvents,
        ObjectKind::CustomObjectRecords,
        ObjectKind::Automations,
    ] {
        assert!(totals.contains_key(&kind), "emulator totals lack {kind}");
        assert!(report.counts[&kind].read > 0, "{kind} read nothing");
    }
    assert_eq!(
        report.automations.len() as u64,
        totals[&ObjectKind::Automations]
    );
    assert!(
        !report.unreachable.is_empty(),
        "portal and channel credentials are called out"
    );
    assert!(report.custom_fields.iter().all(|f| f.records > 0));

    // The files a person reads exist and say the same.
    let md = std::fs::read_to_string(project.path().join("reports/scope.md")).unwrap();
    assert!(md.contains("## Record counts") && md.contains("## Automations"));
    let json: ScopeReport = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("reports/scope.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json.counts, report.counts);

    // `status --json` carries the summary contract.
    let out = deskshift(project.path(), &["status", "--json"], &[]);
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["destination"], "gorgias");
    assert_eq!(
        status["objects"]["tickets"]["source"].as_u64(),
        Some(totals[&ObjectKind::Tickets])
    );
    for key in [
        "created",
        "matched",
        "rejected",
        "skipped",
        "verified",
        "mismatched",
    ] {
        assert!(status["objects"]["tickets"][key].is_u64(), "missing {key}");
    }
    assert!(status["api"]["calls"].as_u64().unwrap() > 0);
}

#[test]
fn malformed_records_are_rejected_with_reasons_and_counts_reconcile() {
    let sim = Sim::start(&[
        "stames",
        "--port",
        "0",
        "--tickets",
        "60",
        "--seed",
        "3",
        "--malformed",
        "7",
        "--budget",
        "100000/60",
    ]);
    let project = tempfile::tempdir().unwrap();
    init(project.path(), &sim.url);
    let report = discover_json(project.path());
    let data = StamesData::generate(3, 60, 7);
    assert!(report.reconciled, "{:?}", report.discrepancies);
    assert!(report.rejects.total >= 7, "{:?}", report.rejects);
    for reject in &report.rejects.examples {
        assert!(!reject.field.is_empty() && !reject.reason.is_empty() && !reject.hint.is_empty());
    }
    for (kind, expected) in data.totals() {
        let count = report.counts.get(&kind).copied().unwrap_or_default();
        assert_eq!(count.read + count.rejected, expected, "{kind}");
    }
}

#[test]
fn wrong_credentials_give_one_clear_line_and_exit_1() {
    let sim = Sim::start(&["stames", "--port", "0", "--tickets", "5"]);
    let project = tempfile::tempdir().unwrap();
    init(project.path(), &sim.url);
    let out = deskshift(
        project.path(),
        &["discover"],
        &[
            ("STAMES_ACCOUNT_ID", "demo-account"),
            ("STAMES_API_KEY", "wrong-key-123"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{stderr}");
    assert!(error_lines[0].contains("STAMES_API_KEY"), "{stderr}");
    assert!(
        !stderr.contains("wrong-key-123"),
        "the key leaked: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unreachable_source_gives_one_clear_line_and_exit_1() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let project = tempfile::tempdir().unwrap();
    init(project.path(), &format!("http://127.0.0.1:{port}"));
    let out = deskshift(project.path(), &["discover"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let project = tempfile::tempdir().unwrap();
    let out = deskshift(project.path(), &["discover"], &[]);
    assert_eq!(out.status.code(), Some(2), "no project yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("deskshift init"));

    let out = Command::new(BIN)
        .args(["discover", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    std::fs::write(
        project.path().join("deskshift.toml"),
        "[source]\nkind = 3\n",
    )
    .unwrap();
    let out = deskshift(project.path(), &["status"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deskshift.toml"));
}

#[test]
fn discover_reads_an_export_bundle() {
    let bundle = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "sim",
            "stames",
            "--tickets",
            "40",
            "--seed",
            "11",
            "--export",
        ])
        .arg(bundle.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let project = tempfile::tempdir().unwrap();
    let out = deskshift(
        project.path(),
        &[
            "init",
            "--dest",
            "salesforce",
            "--source-export",
            bundle.path().to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = discover_json(project.path());
    assert!(report.reconciled, "{:?}", report.discrepancies);
    for (kind, expected) in StamesData::generate(11, 40, 0).totals() {
        let count = report.counts.get(&kind).copied().unwrap_or_default();
        assert_eq!(count.read + count.rejected, expected, "{kind}");
    }
}

#[test]
fn help_is_available_for_every_command() {
    for command in ["demo", "sim", "init", "discover", "status"] {
        let out = Command::new(BIN)
            .args([command, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{command} --help");
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn demo_migrates_everything_verified_and_sends_nothing_and_can_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    for _ in 0..2 {
        let out = common::command(&["demo", "--json", "--tickets", "30", "--seed", "5", "--dir"])
            .arg(&demo_dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["destination"], "gorgias");
        assert_eq!(summary["sends_detected"], 0);
        assert_eq!(summary["reconciled"], true);
        let expected = StamesData::generate(5, 30, 0).totals()[&ObjectKind::Tickets];
        assert_eq!(
            summary["objects"]["tickets"]["source"].as_u64(),
            Some(expected)
        );
        for (kind, o) in summary["objects"].as_object().unwrap() {
            let n = |key: &str| o[key].as_u64().unwrap();
            assert_eq!(
                n("source"),
                n("created") + n("matched") + n("rejected") + n("skipped"),
                "{kind} does not reconcile: {o}"
            );
            assert_eq!(n("verified"), n("created") + n("matched"), "{kind}: {o}");
            assert_eq!(n("mismatched"), 0, "{kind}: {o}");
        }
        assert!(
            summary["objects"]["customers"]["matched"].as_u64().unwrap() > 0,
            "pre-existing customers are matched"
        );
        assert!(summary["api"]["budget_utilization"].as_f64().unwrap() > 0.0);
    }
    for report in ["scope.md", "verify.md", "verify.json"] {
        assert!(demo_dir.join("reports").join(report).exists(), "{report}");
    }
}
