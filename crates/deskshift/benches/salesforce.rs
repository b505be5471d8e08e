//! The Salesforce benchmark: `cargo bench -p deskshift --bench salesforce`.
//!
//! Migrates generated Stames workspaces into the Salesforce emulator with the
//! real `deskshift` binary (`discover`, `prepare`, then the measured
//! `migrate`) and writes its section of `docs/benchmarks.md` with what issue
//! 4 asks to be shown: API calls per 10,000 records per object, records per
//! second, peak resident memory of `migrate` at 1k and 10k tickets, and — on
//! the very CSVs deskshift's Bulk API 2.0 jobs sent — simple-salesforce's
//! Bulk 2.0 loader as a reference.
//!
//! The emulators run inside this process, so their counters can be read:
//! every API call is attributed to the sObject it worked on
//! (`RunningSalesforce::calls_by_object`). The reference loads the CSVs into
//! a second org prepared the same way, so their references resolve.
//! `DESKSHIFT_BENCH_SIZES=1000` runs fewer sizes; the reference needs
//! `pip install simple-salesforce` and is skipped, said so, without it.

#[path = "../tests/it/common/mod.rs"]
mod common;
mod support;

use deskshift_sim::salesforce::{
    OrgSettings, RunningSalesforce, SalesforceConfig, SalesforceEmulator, DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
};
use deskshift_sim::stames::{RunningEmulator, StamesConfig, StamesData, StamesEmulator};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Records of each sObject the load writes, and the summary kind that
/// counts them.
const OBJECTS: [&str; 7] = [
    "Account",
    "Contact",
    "Case",
    "EmailMessage",
    "CaseComment",
    "ContentVersion",
    "Stames_Status_Event__c",
];

/// One measured migration.
struct Measurement {
    label: String,
    tickets: usize,
    seconds: f64,
    peak_rss_mib: f64,
    calls: BTreeMap<String, u64>,
    records: BTreeMap<String, u64>,
    reference: Option<Reference>,
}

impl Measurement {
    fn total_records(&self) -> u64 {
        self.records.values().sum()
    }

    fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }
}

/// simple-salesforce loading deskshift's Bulk CSVs.
struct Reference {
    rows: u64,
    failed: u64,
    seconds: f64,
    calls: u64,
    /// deskshift's own calls for the same Bulk objects.
    deskshift_calls: u64,
}

fn org_config() -> SalesforceConfig {
    SalesforceConfig {
        org: OrgSettings {
            set_audit_fields: true,
            ..OrgSettings::default()
        },
        daily_limit: 100_000_000,
        bulk_delay: Duration::from_millis(20),
        ..SalesforceConfig::default()
    }
}

fn init(project: &Path, stames: &RunningEmulator, org: &RunningSalesforce) {
    common::run_ok(
        project,
        &[
            "init",
            "--dest",
            "salesforce",
            "--source-url",
            &stames.url(),
            "--dest-url",
            &org.url(),
        ],
    );
    common::run_ok(project, &["discover", "--json"]);
    common::confirm_map(project);
    common::run_ok(project, &["prepare", "--json"]);
}

/// Live records per sObject.
fn live_records(org: &RunningSalesforce) -> BTreeMap<String, u64> {
    let snapshot = org.snapshot();
    OBJECTS
        .iter()
        .map(|o| {
            let n = snapshot[*o].as_array().map_or(0, Vec::len) as u64;
            (o.to_string(), n)
        })
        .collect()
}

fn difference(
    after: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    label: &str,
    tickets: usize,
    files: bool,
) -> Measurement {
    let dir = tempfile::tempdir().unwrap();
    let mut data = StamesData::generate(11, tickets, 0);
    if !files {
        for ticket in &mut data.tickets {
            for message in &mut ticket.messages {
                message.attachments.clear();
            }
        }
    }
    let state = dir.path().join("stames-state.json");
    deskshift_sim::stames::write_state(&data, &state).unwrap();
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (stames, org) = runtime.block_on(async {
        let stames = StamesEmulator::start(
            StamesConfig {
                budget: "1000000/60".parse().unwrap(),
                state_file: Some(state),
                ..StamesConfig::default()
            },
            loopback,
        )
        .await
        .expect("Stames emulator");
        let org = SalesforceEmulator::start(org_config(), loopback)
            .await
            .expect("Salesforce emulator");
        (stames, org)
    });
    let project = dir.path().join("project");
    init(&project, &stames, &org);

    let (calls_before, records_before) = (org.calls_by_object(), live_records(&org));
    let started = Instant::now();
    let mut child = common::deskshift(&project, &["migrate", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (seconds, peak_rss_mib) = support::watch(&mut child, started);
    assert!(child.wait().unwrap().success(), "migrate failed");
    let calls = difference(&org.calls_by_object(), &calls_before);
    let records = difference(&live_records(&org), &records_before);
    let reference = reference(runtime, dir.path(), &stames, &org, &calls);
    runtime.block_on(async {
        org.shutdown().await;
        stames.shutdown().await;
    });
    Measurement {
        label: label.into(),
        tickets,
        seconds,
        peak_rss_mib,
        calls,
        records,
        reference,
    }
}

/// simple-salesforce's Bulk 2.0 insert of the CSVs deskshift's jobs sent,
/// into a second org prepared like the first. `None` when the migration
/// used no Bulk job or simple-salesforce is not installed.
fn reference(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    stames: &RunningEmulator,
    org: &RunningSalesforce,
    deskshift_calls: &BTreeMap<String, u64>,
) -> Option<Reference> {
    let jobs = org.bulk_jobs();
    if jobs.is_empty() {
        return None;
    }
    let installed = std::process::Command::new("python3")
        .args(["-c", "import simple_salesforce"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        eprintln!("simple-salesforce is not installed: the reference is skipped");
        return None;
    }
    let mut listing = Vec::new();
    for (n, job) in jobs.iter().enumerate() {
        let path = dir.join(format!("job-{n:03}-{}.csv", job.object));
        std::fs::write(&path, &job.csv).unwrap();
        listing.push(serde_json::json!({
            "object": job.object, "operation": job.operation, "csv": path,
        }));
    }
    let listing_path = dir.join("jobs.json");
    std::fs::write(&listing_path, serde_json::to_string(&listing).unwrap()).unwrap();
    let bulk_objects: Vec<String> = jobs.iter().map(|j| j.object.clone()).collect();
    // The children's CSVs name their Cases by id; the second org has those
    // ids only when its Cases came from the same Bulk CSVs in the same order
    // (the emulator's ids are sequential). Below the Bulk threshold for
    // Cases every child row would fail there, which measures nothing.
    if !bulk_objects.iter().any(|o| o == "Case") {
        eprintln!("Cases did not go through Bulk API 2.0: the reference is skipped");
        return None;
    }
    let deskshift_calls = deskshift_calls
        .iter()
        .filter(|(object, _)| bulk_objects.contains(object))
        .map(|(_, n)| n)
        .sum();

    let twin = runtime.block_on(async {
        SalesforceEmulator::start(org_config(), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("second Salesforce emulator")
    });
    init(&dir.join("twin"), stames, &twin);
    let before: u64 = twin.calls_by_object().values().sum();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/simple_salesforce_load.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .args([&twin.url(), DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET])
        .arg(&listing_path)
        .output()
        .expect("run simple-salesforce");
    assert!(
        out.status.success(),
        "simple-salesforce load failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = twin.calls_by_object().values().sum::<u64>() - before;
    runtime.block_on(twin.shutdown());
    let result: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the loader prints JSON");
    Some(Reference {
        rows: result["rows"].as_u64().unwrap_or(0),
        failed: result["failed"].as_u64().unwrap_or(0),
        seconds: result["seconds"].as_f64().unwrap_or(0.0),
        calls,
        deskshift_calls,
    })
}

fn main() {
    if support::in_test_mode() {
        return;
    }
    let sizes = support::sizes();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for &tickets in &sizes {
        eprintln!("migrating {tickets} tickets without attachments into Salesforce…");
        rows.push(measure(&runtime, "no attachments", tickets, false));
    }
    if let Some(&first) = sizes.first() {
        eprintln!("migrating {first} tickets with attachments into Salesforce…");
        rows.push(measure(&runtime, "with attachments", first, true));
    }
    let report = render(&rows);
    let path = support::write_section("salesforce", &report);
    println!("{report}");
    eprintln!("wrote {}", path.display());
}

fn render(rows: &[Measurement]) -> String {
    let mut md = String::from(
        "## Salesforce\n\n\
         Written by `cargo bench -p deskshift --bench salesforce` (see \
         `crates/deskshift/benches/salesforce.rs`).\n\n\
         Each row migrates a generated Stames workspace (seed 11) into the Salesforce emulator \
         (audit fields granted) with the real `deskshift` binary: `discover` and `prepare` \
         first, then the measured `migrate`, with its default routing (sObject Collections \
         below 2,000 records of an object, Bulk API 2.0 from there). *Records* are the sObject \
         records the load created; *records/s* divides them by the wall time of `migrate` \
         (reading Stames, mapping, validating and writing). *Peak RSS* is `VmHWM` of the \
         `migrate` process only.\n\n\
         | workspace | tickets | records | API calls | records/s | duration | peak RSS |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.0} | {:.1} s | {:.1} MiB |",
            r.label,
            r.tickets,
            r.total_records(),
            r.total_calls(),
            r.total_records() as f64 / r.seconds,
            r.seconds,
            r.peak_rss_mib
        );
    }
    md.push_str(
        "\n### API calls per 10,000 records, per object\n\n\
         Calls the emulator attributed to each sObject (its inserts, its Bulk jobs' create, \
         upload, close, polls and result downloads, queries `FROM` it), per 10,000 of its \
         records created. Calls that concern no loaded record (describe, Tooling, users, \
         limits) are left out of this table.\n\n",
    );
    let _ = write!(md, "| object |");
    for r in rows {
        let _ = write!(md, " {} ({} tickets) |", r.label, r.tickets);
    }
    md.push_str("\n|---|");
    md.push_str(&"---:|".repeat(rows.len()));
    md.push('\n');
    for object in OBJECTS {
        let _ = write!(md, "| {object} |");
        for r in rows {
            let made = r.records.get(object).copied().unwrap_or(0);
            let calls = r.calls.get(object).copied().unwrap_or(0);
            if made == 0 {
                md.push_str(" — |");
            } else {
                let _ = write!(
                    md,
                    " {:.1} ({calls} calls, {made} records) |",
                    calls as f64 * 10_000.0 / made as f64
                );
            }
        }
        md.push('\n');
    }
    md.push_str(
        "\n### Reference: simple-salesforce on the same CSVs\n\n\
         The CSVs of every Bulk API 2.0 job deskshift ran, loaded in the same order by \
         simple-salesforce's `bulk2.<object>.insert(csv_file=…)` (one job per file, polling \
         every second like deskshift's first poll) into a second org prepared the same way. \
         simple-salesforce only uploads what it is given; deskshift's time also reads Stames, \
         maps, validates and writes the objects that do not go through Bulk.\n\n",
    );
    let mut any = false;
    for r in rows {
        let Some(reference) = &r.reference else {
            continue;
        };
        any = true;
        let desk_rate = r.total_records() as f64 / r.seconds;
        let ref_rate = reference.rows as f64 / reference.seconds;
        let _ = writeln!(
            md,
            "- {} tickets ({}): simple-salesforce loaded {} rows ({} failed) in {:.1} s \
             ({:.0} rows/s) with {} API calls; deskshift wrote {} records in {:.1} s \
             ({desk_rate:.0} records/s) and spent {} calls on those Bulk objects. \
             Ratio deskshift ÷ simple-salesforce: {:.2}× the records per second, {:.2}× the \
             calls.",
            r.tickets,
            r.label,
            reference.rows,
            reference.failed,
            reference.seconds,
            ref_rate,
            reference.calls,
            r.total_records(),
            r.seconds,
            reference.deskshift_calls,
            desk_rate / ref_rate,
            reference.deskshift_calls as f64 / reference.calls.max(1) as f64,
        );
    }
    if !any {
        md.push_str(
            "- Not measured in this run: no run loaded its Cases through Bulk API 2.0 (the \
             children's CSVs name Case ids the second org only has when its Cases came from the \
             same CSVs), or simple-salesforce is not installed.\n",
        );
    }
    let peak = rows.iter().map(|r| r.peak_rss_mib).fold(0.0, f64::max);
    let smallest = rows.iter().map(|r| r.peak_rss_mib).fold(f64::MAX, f64::min);
    let _ = writeln!(
        md,
        "\n- Peak RSS under 150 MB and flat across sizes: {} (highest {peak:.1} MiB, {:.2}× \
         the smallest).",
        if peak < 143.0 && peak <= smallest * 1.5 {
            "met"
        } else {
            "**not met**"
        },
        peak / smallest
    );
    let _ = writeln!(md, "\n{}", support::machine_line());
    md
}
