//! Crash safety into Salesforce, the way it fails in real life: `deskshift
//! migrate` killed with SIGKILL at several points — Bulk API 2.0 jobs
//! included, since every object goes through Bulk here — then run again
//! until it finishes. The Salesforce emulator (a separate process, like the
//! real org) must end with every record exactly once, counted in the org
//! itself by external id, not in our ledger, which could not see a duplicate
//! it never recorded.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common;

use common::{confirm_map, kill_migrate_repeatedly, run_ok, Sim};
use deskshift_sim::salesforce::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use deskshift_sim::stames::StamesData;
use serde_json::Value;

const SEED: u64 = 21;
const TICKETS: usize = 40;

/// A signed-in SOQL reader of the emulated org.
struct Org {
    http: reqwest::blocking::Client,
    instance: String,
    token: String,
}

impl Org {
    fn sign_in(url: &str) -> Org {
        let http = reqwest::blocking::Client::new();
        let token: Value = http
            .post(format!("{url}/services/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
            ])
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .expect("sign in to the emulated org");
        Org {
            http,
            instance: token["instance_url"].as_str().unwrap().to_string(),
            token: token["access_token"].as_str().unwrap().to_string(),
        }
    }

    /// Every row of `soql`, following `nextRecordsUrl`.
    fn query(&self, soql: &str) -> Vec<Value> {
        let mut rows = Vec::new();
        let mut page: Value = self
            .http
            .get(format!("{}/services/data/v62.0/query", self.instance))
            .query(&[("q", soql)])
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("{soql}: {e}"));
        loop {
            rows.extend(page["records"].as_array().unwrap().iter().cloned());
            let Some(next) = page["nextRecordsUrl"].as_str() else {
                return rows;
            };
            page = self
                .http
                .get(format!("{}{next}", self.instance))
                .bearer_auth(&self.token)
                .send()
                .and_then(|r| r.json())
                .expect("next page");
        }
    }

    /// How many Bulk API 2.0 ingest jobs the org holds per object.
    fn bulk_jobs_per_object(&self) -> BTreeMap<String, usize> {
        let list: Value = self
            .http
            .get(format!("{}/services/data/v62.0/jobs/ingest", self.instance))
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.json())
            .expect("list ingest jobs");
        let mut jobs = BTreeMap::new();
        for job in list["records"].as_array().into_iter().flatten() {
            let object = job["object"].as_str().unwrap_or("?").to_string();
            *jobs.entry(object).or_default() += 1;
        }
        jobs
    }

    /// How many records of `object` carry each value of `field`.
    fn count_by(&self, object: &str, field: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for row in self.query(&format!("SELECT {field} FROM {object}")) {
            if let Some(key) = row[field].as_str() {
                *counts.entry(key.to_string()).or_default() += 1;
            }
        }
        counts
    }
}

fn assert_each_once(counts: &BTreeMap<String, usize>, expected: usize, what: &str) {
    let duplicated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicate {what}: {duplicated:?}");
    assert_eq!(counts.len(), expected, "every {what} exactly once");
}

fn init_project(project: &Path, stames: &Sim, org: &Sim) {
    run_ok(
        project,
        &[
            "init",
            "--dest",
            "salesforce",
            "--source-url",
            &stames.url,
            "--dest-url",
            &org.url,
        ],
    );
    // Every object through Bulk API 2.0, whatever its volume, so that the
    // kills land in the middle of Bulk jobs.
    let config = project.join("deskshift.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[destination.settings]\nbulk_threshold = 1\n");
    std::fs::write(config, text).unwrap();
}

#[test]
fn killing_migrate_mid_bulk_job_never_duplicates_or_loses_a_record() {
    let stames = Sim::start(&[
        "stames",
        "--port",
        "0",
        "--tickets",
        &TICKETS.to_string(),
        "--seed",
        &SEED.to_string(),
        "--budget",
        "100000/60",
    ]);
    let org = Sim::start(&["salesforce", "--port", "0", "--audit-fields"]);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    init_project(project, &stames, &org);
    run_ok(project, &["discover"]);
    confirm_map(project);
    run_ok(project, &["prepare"]);

    // A Bulk job takes a second or more (upload, close, polls), and the
    // load runs one per object and chunk, so these kills land inside jobs
    // of Accounts, Contacts, Cases, EmailMessages and status events.
    let (interrupted, failed) = kill_migrate_repeatedly(project, &[400, 1200, 2200, 3300, 4600]);
    assert!(
        interrupted >= 4,
        "too few kills landed mid-run: {interrupted}"
    );
    assert_eq!(failed, 0, "a run failed to recover");

    run_ok(project, &["migrate"]);
    run_ok(project, &["verify"]);
    let org = Org::sign_in(&org.url);
    // A clean run sends one job per object here; an object with more had a
    // job sent again after a kill left its outcome unrecorded, which is the
    // case this test is about (the repeat answers DUPLICATE_VALUE, adopted).
    let jobs = org.bulk_jobs_per_object();
    eprintln!("Bulk jobs per object: {jobs:?}");
    assert!(
        jobs.values().any(|n| *n > 1),
        "no kill landed inside a Bulk job: {jobs:?}"
    );

    let data = StamesData::generate(SEED, TICKETS, 0);
    let messages: usize = data.tickets.iter().map(|t| t.messages.len()).sum();
    let events: usize = data
        .tickets
        .iter()
        .map(|t| t.ticket.status_history.len())
        .sum();
    assert_each_once(
        &org.count_by("Case", "Stames_Ticket_Id__c"),
        TICKETS,
        "ticket",
    );
    assert_each_once(
        &org.count_by("Contact", "Stames_Customer_Id__c"),
        data.customers.len(),
        "customer",
    );
    assert_each_once(
        &org.count_by("Stames_Status_Event__c", "Stames_Event_Id__c"),
        events,
        "status event",
    );
    // Public messages are EmailMessages keyed by their Stames id; private
    // notes are CaseComments whose first line is a marker with their id.
    let emails = org.count_by("EmailMessage", "Stames_Message_Id__c");
    let duplicated: Vec<_> = emails.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicate messages: {duplicated:?}");
    let mut notes: BTreeMap<String, usize> = BTreeMap::new();
    for row in org.query("SELECT CommentBody FROM CaseComment") {
        let body = row["CommentBody"].as_str().unwrap_or_default();
        let marker = body.lines().next().unwrap_or_default().to_string();
        *notes.entry(marker).or_default() += 1;
    }
    let duplicated: Vec<_> = notes.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "duplicate note parts: {duplicated:?}"
    );
    let note_ids: std::collections::BTreeSet<&str> = notes
        .keys()
        .filter_map(|m| m.strip_prefix("[stames-note ")?.split(' ').next())
        .collect();
    assert_eq!(
        emails.len() + note_ids.len(),
        messages,
        "every message exactly once, as an EmailMessage or a CaseComment"
    );
    let files = org.count_by("ContentVersion", "Stames_Attachment_Id__c");
    let duplicated: Vec<_> = files.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicate files: {duplicated:?}");
    let downloadable = data
        .tickets
        .iter()
        .flat_map(|t| &t.messages)
        .flat_map(|m| &m.attachments)
        .filter(|a| !a.requires_auth)
        .count();
    assert_eq!(files.len(), downloadable, "every downloadable file once");
}
