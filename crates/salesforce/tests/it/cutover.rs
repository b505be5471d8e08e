//! Cutover into Salesforce, end to end against the emulators: an org
//! holding pre-existing users, an Account, a Case and an active assignment
//! rule is snapshotted; the workspace is migrated (through Bulk API 2.0, the
//! threshold set low), changed in Stames and synced with delta; `verify` is
//! clean; a second delta changes nothing; rollback (Bulk deletes again)
//! brings the org back to the snapshot, schema included.

use deskshift_core::delta::DEFAULT_OVERLAP;
use deskshift_core::destination::Scope;
use deskshift_core::engine::Phases;
use deskshift_core::ledger::Ledger;
use deskshift_core::model::ObjectKind;
use deskshift_core::progress::Silent;
use deskshift_core::rollback::RollbackOptions;
use deskshift_salesforce::client::Auth;
use deskshift_salesforce::{Salesforce, SalesforceConfig};
use deskshift_sim::salesforce::{
    OrgSettings, RunningSalesforce, SalesforceConfig as OrgConfig, SalesforceEmulator,
};
use deskshift_sim::scenario::salesforce_org_for;
use deskshift_sim::stames::writes::{NewMessage, NewTicket, TicketPatch};
use deskshift_sim::stames::{RunningEmulator, StamesConfig, StamesEmulator};
use deskshift_stames::{StamesApi, StamesOptions};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

struct World {
    stames: RunningEmulator,
    org: RunningSalesforce,
    source: StamesApi,
    dest: Salesforce,
    dir: tempfile::TempDir,
}

impl World {
    async fn start(seed: u64, tickets: usize) -> World {
        let stames = StamesEmulator::start(
            StamesConfig {
                seed,
                tickets,
                budget: "100000/60".parse().unwrap(),
                ..StamesConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .expect("Stames emulator");
        let org = SalesforceEmulator::start(
            OrgConfig {
                existing: stames.with_data(salesforce_org_for),
                org: OrgSettings {
                    set_audit_fields: true,
                    ..OrgSettings::default()
                },
                bulk_delay: Duration::from_millis(10),
                ..OrgConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .expect("Salesforce emulator");
        let accepted = stames.credentials();
        let source = StamesApi::new(
            &stames.url(),
            deskshift_stames::Credentials::new(
                accepted.account_id.clone(),
                accepted.api_key.clone(),
            ),
            StamesOptions::default(),
        )
        .expect("source");
        let credentials = org.credentials();
        let mut config = SalesforceConfig::new(
            org.url(),
            Auth::ClientCredentials {
                client_id: credentials.client_id.clone(),
                client_secret: credentials.client_secret.clone(),
            },
        );
        // Bulk API 2.0 from a handful of records on, both ways.
        config.bulk_threshold = 5;
        config.bulk_poll = Duration::from_millis(10);
        config.retry.min_delay = Duration::from_millis(10);
        config.retry.max_delay = Duration::from_millis(100);
        let dest = Salesforce::new(config).expect("destination");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("cache")).unwrap();
        World {
            stames,
            org,
            source,
            dest,
            dir,
        }
    }

    fn ledger(&self) -> Ledger {
        Ledger::open(self.dir.path().join("deskshift.db")).unwrap()
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn phases<'a>(&'a self, cache: &'a std::path::Path) -> Phases<'a> {
        Phases {
            source: &self.source,
            destination: &self.dest,
            progress: &Silent,
            cache_dir: cache,
            reports_dir: self.dir.path(),
        }
    }

    async fn migrate(&self) {
        let cache = self.cache();
        deskshift_sim::harness::confirmed_map(&self.ledger(), &self.source, &self.dest).await;
        let ledger = self
            .phases(&cache)
            .prepare(self.ledger(), true)
            .await
            .expect("prepare");
        self.phases(&cache)
            .migrate(ledger, &Scope::All, false)
            .await
            .expect("migrate");
    }

    async fn verify_clean(&self) {
        let cache = self.cache();
        let (_, _, report) = self
            .phases(&cache)
            .verify(self.ledger())
            .await
            .expect("verify");
        assert!(
            report.is_clean(),
            "{:#?}",
            &report.mismatches[..report.mismatches.len().min(6)]
        );
    }
}

/// The snapshot as a rollback can make it again: the standard value sets
/// deskshift extended get their values back, but no API can give them back
/// their modification stamps.
fn comparable(snapshot: &Value) -> Value {
    let mut s = snapshot.clone();
    if let Some(sets) = s["StandardValueSet"].as_array_mut() {
        for set in sets {
            if let Some(set) = set.as_object_mut() {
                set.remove("LastModifiedDate");
                set.remove("SystemModstamp");
            }
        }
    }
    s
}

fn live(snapshot: &Value, object: &str) -> usize {
    snapshot[object].as_array().map_or(0, Vec::len)
}

/// The first differing object, for a readable failure.
fn first_difference(a: &Value, b: &Value) -> String {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return "not objects".into();
    };
    for key in a.keys().chain(b.keys()) {
        if a.get(key) != b.get(key) {
            let show = |v: Option<&Value>| {
                v.map(|v| serde_json::to_string(v).unwrap_or_default())
                    .unwrap_or_else(|| "absent".into())
                    .chars()
                    .take(1500)
                    .collect::<String>()
            };
            return format!(
                "{key}:\n after  {}\n before {}",
                show(a.get(key)),
                show(b.get(key))
            );
        }
    }
    "none".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_delta_verify_and_rollback_restore_the_org_exactly() {
    let w = World::start(53, 24).await;
    let before = w.org.snapshot();
    assert_eq!(live(&before, "Case"), 1, "the pre-existing Case");

    w.migrate().await;
    let ledger = w.ledger();
    let counts = ledger.id_map_counts().unwrap();
    assert!(counts[&ObjectKind::Users].matched > 0, "{counts:?}");
    let migrated: Vec<String> = w
        .stames
        .data()
        .tickets
        .iter()
        .filter_map(|t| t.ticket.id.map(|id| id.to_string()))
        .filter(|id| {
            ledger
                .mapping(ObjectKind::Tickets, id)
                .unwrap()
                .is_some_and(|e| e.state == deskshift_core::ledger::IdMapState::Created)
        })
        .collect();
    drop(ledger);
    assert!(migrated.len() > 5);

    // Changes during the freeze.
    let agent = w
        .stames
        .data()
        .agents
        .iter()
        .find(|a| a.status == "active")
        .and_then(|a| a.id)
        .unwrap();
    let closed = w
        .stames
        .data()
        .tickets
        .iter()
        .find(|t| t.ticket.id.map(|id| id.to_string()) == Some(migrated[0].clone()))
        .is_some_and(|t| matches!(t.ticket.status.as_str(), "solved" | "closed"));
    w.stames
        .patch_ticket(
            migrated[0].parse().unwrap(),
            TicketPatch {
                status: Some(if closed { "open" } else { "closed" }.into()),
                priority: Some("urgent".into()),
                assignee_id: Some(Some(agent)),
                tags: Some(vec!["cutover".into()]),
                ..TicketPatch::default()
            },
        )
        .await
        .expect("patch");
    w.stames
        .add_message(
            migrated[1].parse().unwrap(),
            NewMessage {
                body_text: "Still waiting for an answer".into(),
                ..NewMessage::default()
            },
        )
        .await
        .expect("message");
    let customer = w.stames.data().tickets[0].ticket.customer_id.unwrap();
    w.stames
        .create_ticket(NewTicket::simple(
            "New during the freeze",
            "email",
            customer,
            "Hello?",
        ))
        .await
        .expect("new ticket");

    let cache = w.cache();
    let (_, summary, report) = w
        .phases(&cache)
        .delta(w.ledger(), DEFAULT_OVERLAP, false)
        .await
        .expect("delta");
    assert!(summary.reconciled, "{:?}", summary.objects);
    assert_eq!(report.pending, 3, "{:?}", report.changes);
    assert_eq!(summary.objects[&ObjectKind::Tickets].updated, 2);
    w.verify_clean().await;

    let (_, again, report) = w
        .phases(&cache)
        .delta(w.ledger(), DEFAULT_OVERLAP, false)
        .await
        .expect("second delta");
    assert_eq!(report.pending, 0);
    assert!(again.objects.values().all(|o| o.updated == 0));

    let migrated_snapshot = w.org.snapshot();
    let (_, dry) = w
        .phases(&cache)
        .rollback(
            w.ledger(),
            &RollbackOptions {
                dry_run: true,
                ..RollbackOptions::default()
            },
        )
        .await
        .expect("dry run");
    assert_eq!(w.org.snapshot(), migrated_snapshot, "a dry run wrote");
    assert_eq!(
        dry.kinds[&ObjectKind::Tickets].remove as usize,
        migrated.len() + 1
    );

    assert_ne!(comparable(&migrated_snapshot), comparable(&before));

    // Someone works on a migrated Case: rollback stops and names it.
    let case = w
        .ledger()
        .mapping(ObjectKind::Tickets, &migrated[2])
        .unwrap()
        .and_then(|e| e.dest_id)
        .unwrap();
    let client = w.dest.client().await.unwrap();
    client
        .update(
            "Case",
            &case,
            &serde_json::json!({"Subject": "Taken over by Ada"}),
        )
        .await
        .expect("an agent edits the Case");
    let refused = w
        .phases(&cache)
        .rollback(w.ledger(), &RollbackOptions::default())
        .await
        .expect_err("refused while a Case was worked on");
    assert!(refused.to_string().contains(&case), "{refused}");
    assert_eq!(
        live(&w.org.snapshot(), "Case"),
        live(&migrated_snapshot, "Case"),
        "nothing was removed"
    );

    let (_, report) = w
        .phases(&cache)
        .rollback(
            w.ledger(),
            &RollbackOptions {
                force: true,
                ..RollbackOptions::default()
            },
        )
        .await
        .expect("rollback");
    assert!(report.is_complete(), "{:#?}", report.refused);
    let after = w.org.snapshot();
    assert!(
        comparable(&after) == comparable(&before),
        "the org differs from before the migration; first difference: {}",
        first_difference(&comparable(&after), &comparable(&before))
    );
    assert!(w.org.auto_assignments().is_empty());

    // The ledger lets a new migration start clean, schema included.
    let counts = w.ledger().id_map_counts().unwrap();
    for (kind, states) in &counts {
        assert_eq!(
            states.total(),
            states.deleted + states.rejected + states.failed,
            "{kind}: {states:?}"
        );
    }
    w.migrate().await;
    w.verify_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_is_rolled_back_completely_then_the_full_run_follows() {
    let w = World::start(57, 30).await;
    let cache = w.cache();
    deskshift_sim::harness::confirmed_map(&w.ledger(), &w.source, &w.dest).await;
    let ledger = w
        .phases(&cache)
        .prepare(w.ledger(), true)
        .await
        .expect("prepare");
    let before = w.org.snapshot();
    let sample = deskshift_core::sample::select(&w.source, &ledger, 8)
        .await
        .expect("a sample");
    let (ledger, summary) = w
        .phases(&cache)
        .migrate(ledger, &Scope::Sample(sample), false)
        .await
        .expect("the sample migrates");
    assert_eq!(summary.objects[&ObjectKind::Tickets].created, 8);
    let sample_run = ledger
        .last_successful_run("migrate")
        .unwrap()
        .expect("the sample's run")
        .id;
    drop(ledger);
    let sampled = w.org.snapshot();
    assert_eq!(live(&sampled, "Case"), live(&before, "Case") + 8);
    assert!(live(&sampled, "Contact") > live(&before, "Contact"));

    let (_, report) = w
        .phases(&cache)
        .rollback(
            w.ledger(),
            &RollbackOptions {
                from: Some(sample_run),
                ..RollbackOptions::default()
            },
        )
        .await
        .expect("rollback --run");
    assert!(report.is_complete(), "{:#?}", report.refused);
    let after = w.org.snapshot();
    assert!(
        comparable(&after) == comparable(&before),
        "the org differs from before the sample: {}",
        first_difference(&comparable(&after), &comparable(&before))
    );

    // The full run then starts clean and verifies.
    w.migrate().await;
    assert_eq!(live(&w.org.snapshot(), "Case"), live(&before, "Case") + 30);
    w.verify_clean().await;
}
