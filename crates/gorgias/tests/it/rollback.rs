//! Rollback into the state before the migration, exactly: a Gorgias account
//! holding pre-existing users, customers, tags, tickets and an active rule
//! is snapshotted; the workspace is migrated, changed in Stames and synced
//! with delta; `verify` is clean; rollback then brings the account back to
//! the snapshot — the pre-existing records the migration matched included.

use crate::common;

use common::*;
use deskshift_core::destination::{
    Destination, DestinationError, LoadContext, Scope, SideEffect, Touched, UndoContext, UndoStep,
    Undone, VerifyReport,
};
use deskshift_core::engine::{PhaseError, Phases};
use deskshift_core::ledger::{IdMapState, Outcome};
use deskshift_core::model::ObjectKind;
use deskshift_core::rollback::RollbackOptions;
use deskshift_core::source::ApiStats;
use deskshift_gorgias::map::tags::tag_name;
use deskshift_sim::gorgias::ExistingData;
use deskshift_sim::scenario::gorgias_account_for;
use deskshift_sim::stames::writes::{NewMessage, NewTicket, TicketPatch};
use deskshift_sim::stames::StamesData;
use futures::FutureExt;
use serde_json::{json, Value};

/// The snapshot as a rollback can make it again. Two things no API can
/// put back are left out, and checked apart: custom fields Gorgias cannot
/// delete (archived instead, so only live fields are compared), and the
/// `updated_datetime` of the rules deskshift paused and re-enabled.
fn comparable(snapshot: &Value) -> Value {
    let mut s = snapshot.clone();
    let live: Vec<Value> = s["custom_fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["deactivated_datetime"].is_null())
        .cloned()
        .collect();
    s["custom_fields"] = Value::Array(live);
    if let Some(rules) = s["rules"].as_array_mut() {
        for rule in rules {
            if let Some(rule) = rule.as_object_mut() {
                rule.remove("updated_datetime");
            }
        }
    }
    s
}

fn count(snapshot: &Value, collection: &str) -> usize {
    snapshot[collection].as_array().map_or(0, Vec::len)
}

/// The account before the migration: the scenario's users and rule, some
/// of the workspace's customers, two tags (one the migration matches) and
/// two tickets carrying them.
fn account(data: &StamesData) -> ExistingData {
    let mut existing = gorgias_account_for(data);
    // A tag the migration will match (a Stames tag's normalised name) and
    // one it never sees; two tickets of pre-existing customers carrying them.
    let matched_tag = data
        .tags
        .iter()
        .find_map(|t| tag_name(&t.name))
        .expect("a usable Stames tag")
        .value;
    existing.tags = vec![
        json!({"name": matched_tag, "description": "was here before"}),
        json!({"name": "legacy-vip"}),
    ];
    // Some Stames customers are already Gorgias customers (matched by e-mail).
    let mut customer_emails: Vec<String> = Vec::new();
    for email in data.customers.iter().filter_map(|c| c.email.as_deref()) {
        let email = email.trim().to_lowercase();
        if deskshift_core::normalise::is_email(&email) && !customer_emails.contains(&email) {
            customer_emails.push(email);
        }
    }
    customer_emails = customer_emails.into_iter().step_by(3).take(4).collect();
    existing.customers = customer_emails
        .iter()
        .map(|email| {
            json!({
                "email": email,
                "name": "Known before the migration",
                "channels": [{"type": "email", "address": email, "preferred": true}],
            })
        })
        .collect();
    existing.tickets = customer_emails[..2]
        .iter()
        .map(|email| {
            json!({
                "customer": {"email": email},
                "channel": "email",
                "via": "api",
                "subject": "Already in Gorgias before the migration",
                "tags": [{"name": matched_tag}, {"name": "legacy-vip"}],
                "messages": [{
                    "channel": "email", "via": "api", "from_agent": false,
                    "sender": {"email": email}, "body_text": "An old question",
                    "created_datetime": "2023-01-02T10:00:00Z",
                    "sent_datetime": "2023-01-02T10:00:00Z",
                }],
            })
        })
        .collect();
    existing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_after_migrate_and_delta_restores_the_account_exactly() {
    let w = World::start_with(41, 24, account).await;
    let data = w.stames.data();
    let before = w.gorgias.snapshot();
    assert_eq!(count(&before, "tickets"), 2);
    assert!(count(&before, "users") >= 2 && count(&before, "customers") >= 2);

    w.run(Phase::Prepare { pause: true }).await;
    w.run(Phase::Migrate).await;
    let ledger = w.project.ledger();
    let counts = ledger.id_map_counts().unwrap();
    assert!(counts[&ObjectKind::Customers].matched > 0, "{counts:?}");
    assert!(counts[&ObjectKind::Tags].matched > 0, "{counts:?}");
    assert!(counts[&ObjectKind::Users].matched > 0, "{counts:?}");
    let migrated: Vec<u64> = data
        .tickets
        .iter()
        .filter_map(|t| t.ticket.id)
        .filter(|id| {
            ledger
                .mapping(ObjectKind::Tickets, &id.to_string())
                .unwrap()
                .is_some_and(|e| e.state == IdMapState::Created)
        })
        .collect();
    drop(ledger);

    // Changes in Stames during the freeze, synced by delta.
    w.stames
        .patch_ticket(
            migrated[0],
            TicketPatch {
                status: Some("closed".into()),
                tags: Some(vec!["after-cutover".into()]),
                ..TicketPatch::default()
            },
        )
        .await
        .expect("close");
    w.stames
        .add_message(
            migrated[1],
            NewMessage {
                body_text: "One more thing…".into(),
                ..NewMessage::default()
            },
        )
        .await
        .expect("message");
    let customer = data.tickets[0].ticket.customer_id.expect("a customer");
    w.stames
        .create_ticket(NewTicket::simple(
            "New during the freeze",
            "email",
            customer,
            "Hi",
        ))
        .await
        .expect("new ticket");
    w.run(Phase::Prepare { pause: true }).await;
    let (summary, _) = w.delta().await;
    assert!(summary.reconciled);
    assert_eq!(summary.objects[&ObjectKind::Tickets].updated, 2);
    w.assert_verifies_clean().await;
    let migrated_snapshot = w.gorgias.snapshot();
    assert!(count(&migrated_snapshot, "tickets") > 2 + migrated.len());

    // A dry run changes nothing and says what would be done.
    let dry = w.plan().await;
    assert_eq!(w.gorgias.snapshot(), migrated_snapshot, "a dry run wrote");
    let tickets = &dry.kinds[&ObjectKind::Tickets];
    assert_eq!(tickets.remove as usize, migrated.len() + 1);
    assert!(dry.kinds[&ObjectKind::Customers].release > 0);
    let plan = std::fs::read_to_string(dry.plan_file.as_ref().unwrap()).unwrap();
    assert!(
        plan.contains("## tickets") && plan.contains("release"),
        "{plan}"
    );

    let report = w
        .rollback(RollbackOptions::default())
        .await
        .expect("rollback");
    assert!(report.is_complete(), "{:?}", report.refused);
    assert!(w.gorgias.sends().is_empty(), "{:?}", w.gorgias.sends());

    let after = w.gorgias.snapshot();
    assert_eq!(
        comparable(&after),
        comparable(&before),
        "the account differs from before the migration"
    );
    // The fields deskshift created are there, archived: all of them, and nothing else.
    let archived: Vec<&Value> = after["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["deactivated_datetime"].is_null())
        .collect();
    let ledger = w.project.ledger();
    let created_fields = ledger
        .journal(None)
        .unwrap()
        .iter()
        .filter(|e| {
            e.intent.kind == ObjectKind::CustomFields
                && matches!(e.outcome, Some(Outcome::Created { .. }))
        })
        .count();
    assert_eq!(archived.len(), created_fields);
    assert_eq!(
        count(&after, "custom_fields"),
        count(&before, "custom_fields") + created_fields
    );

    // The ledger is consistent: every record is rolled back, nothing pending.
    assert!(ledger.pending_intents().unwrap().is_empty());
    for (kind, states) in ledger.id_map_counts().unwrap() {
        assert_eq!(
            states.total(),
            states.deleted + states.rejected + states.failed,
            "{kind}: {states:?}"
        );
    }
    assert!(ledger.check_integrity().unwrap().is_empty());
    drop(ledger);

    // A second rollback has nothing left to do, and delta has nothing to
    // sync: the migration is gone.
    let again = w.plan().await;
    assert!(
        again.kinds.values().all(|k| k.planned() == 0),
        "{:?}",
        again.kinds
    );
    assert!(deskshift_core::delta::window(&w.project.ledger(), Default::default()).is_err());

    // And a new migration starts clean, matching the pre-existing records again.
    w.run(Phase::Prepare { pause: true }).await;
    let outcome = w.run(Phase::Migrate).await;
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert!(outcome.counts[&ObjectKind::Customers].matched > 0);
    w.assert_verifies_clean().await;
    // The fields the first rollback archived are in use again …
    let again = w.gorgias.snapshot();
    assert!(again["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["deactivated_datetime"].is_null()));
    // … and a second rollback archives them again: the account is as before.
    let report = w
        .rollback(RollbackOptions::default())
        .await
        .expect("second rollback");
    assert!(report.is_complete(), "{:?}", report.refused);
    assert_eq!(comparable(&w.gorgias.snapshot()), comparable(&before));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_stops_before_removing_records_someone_worked_on() {
    let w = World::start(43, 8, Default::default()).await;
    w.run(Phase::Migrate).await;
    let ticket = w
        .project
        .ledger()
        .journal(None)
        .unwrap()
        .into_iter()
        .find(|e| {
            e.intent.kind == ObjectKind::Tickets
                && matches!(e.outcome, Some(Outcome::Created { .. }))
        })
        .and_then(|e| e.dest_id().map(String::from))
        .expect("a created ticket");
    // An agent closes the ticket in Gorgias after the migration.
    let client = w.dest.client();
    let id: u64 = ticket.parse().unwrap();
    client
        .update_ticket(id, &json!({"status": "closed"}))
        .await
        .expect("someone works on the ticket");

    let err = w
        .rollback(RollbackOptions::default())
        .await
        .expect_err("refused");
    let PhaseError::Refused(message) = err else {
        panic!("expected a refusal, got {err}");
    };
    assert!(
        message.contains(&ticket) && message.contains("--force"),
        "{message}"
    );
    assert!(
        client.ticket(id).await.unwrap().is_some(),
        "nothing was removed"
    );
    assert_eq!(w.plan().await.touched.len(), 1, "a dry run lists it");

    let report = w
        .rollback(RollbackOptions {
            force: true,
            ..RollbackOptions::default()
        })
        .await
        .expect("forced");
    assert!(report.is_complete());
    assert!(client.ticket(id).await.unwrap().is_none());
}

/// Gorgias, as a process that dies (here: panics) right after its `n`-th
/// undo call reached Gorgias: the rollback's intents are recorded and the
/// calls made, but their outcomes are never written.
struct DiesAfterUndos {
    inner: deskshift_gorgias::Gorgias,
    left: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Destination for DiesAfterUndos {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn preflight(&self) -> Result<Vec<SideEffect>, DestinationError> {
        self.inner.preflight().await
    }
    async fn prepare(&self, ctx: &LoadContext<'_>, pause: bool) -> Result<(), DestinationError> {
        self.inner.prepare(ctx, pause).await
    }
    async fn migrate(&self, ctx: &LoadContext<'_>, scope: &Scope) -> Result<(), DestinationError> {
        self.inner.migrate(ctx, scope).await
    }
    async fn verify(&self, ctx: &LoadContext<'_>) -> Result<VerifyReport, DestinationError> {
        self.inner.verify(ctx).await
    }
    async fn undo(
        &self,
        ctx: &UndoContext<'_>,
        kind: ObjectKind,
        steps: &[UndoStep],
    ) -> Result<Vec<Undone>, DestinationError> {
        let answers = self.inner.undo(ctx, kind, steps).await;
        if self.left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            panic!("simulated crash after undoing {} {kind}", steps.len());
        }
        answers
    }
    async fn changed_after(
        &self,
        kind: ObjectKind,
        after: deskshift_core::model::Timestamp,
    ) -> Result<Vec<Touched>, DestinationError> {
        self.inner.changed_after(kind, after).await
    }
    async fn restore_side_effects(
        &self,
        ctx: &LoadContext<'_>,
    ) -> Result<Vec<String>, DestinationError> {
        self.inner.restore_side_effects(ctx).await
    }
    fn api_stats(&self) -> ApiStats {
        self.inner.api_stats()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_that_dies_half_way_is_finished_by_running_it_again() {
    let w = World::start_with(47, 20, account).await;
    let before = w.gorgias.snapshot();
    w.run(Phase::Prepare { pause: true }).await;
    w.run(Phase::Migrate).await;
    // Pause the rule again: the crashed rollback leaves it paused, the
    // finished one must bring it back.
    w.run(Phase::Prepare { pause: true }).await;

    let dying = DiesAfterUndos {
        inner: destination(&w.gorgias),
        left: std::sync::atomic::AtomicUsize::new(2),
    };
    let cache = w.project.cache();
    let phases = Phases {
        source: &w.source,
        destination: &dying,
        progress: &deskshift_core::progress::Silent,
        cache_dir: &cache,
        reports_dir: w.project.dir.path(),
    };
    let crashed = std::panic::AssertUnwindSafe(
        phases.rollback(w.project.ledger(), &RollbackOptions::default()),
    )
    .catch_unwind()
    .await;
    assert!(crashed.is_err(), "the rollback should have died");
    let ledger = w.project.ledger();
    let pending = ledger.pending_intents().unwrap();
    assert!(
        !pending.is_empty(),
        "the dead rollback left its intents pending"
    );
    assert!(pending
        .iter()
        .all(|p| p.intent.operation == deskshift_core::ledger::Operation::Delete));
    drop(ledger);
    assert_ne!(comparable(&w.gorgias.snapshot()), comparable(&before));

    // Nothing else writes until the rollback is finished.
    let err = phases
        .migrate(w.project.ledger(), &Scope::All, true)
        .await
        .expect_err("migrate refused");
    assert!(err.to_string().contains("deskshift rollback"), "{err}");

    let report = w
        .rollback(RollbackOptions::default())
        .await
        .expect("the second rollback finishes the job");
    assert!(report.is_complete(), "{:?}", report.refused);
    assert!(
        !report.side_effects_restored.is_empty(),
        "the paused rule is back"
    );
    assert_eq!(comparable(&w.gorgias.snapshot()), comparable(&before));
    assert!(w.project.ledger().pending_intents().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_is_rolled_back_completely_then_the_full_run_follows() {
    let w = World::start_with(47, 30, account).await;
    let original = w.gorgias.snapshot();
    w.run(Phase::Prepare { pause: true }).await;
    // The account before the sample: the schema `prepare` made, and the
    // rules as the account had them (like every migrate, the sample
    // re-enables at its end the rules `prepare` paused).
    let mut before = w.gorgias.snapshot();
    before["rules"] = original["rules"].clone();
    let sample = w.run(Phase::Sample(8)).await;
    assert_eq!(sample.counts[&ObjectKind::Tickets].created, 8);
    let sample_run = w
        .project
        .ledger()
        .last_successful_run("migrate")
        .unwrap()
        .expect("the sample's run")
        .id;
    let sampled = w.gorgias.snapshot();
    assert_eq!(count(&sampled, "tickets"), count(&before, "tickets") + 8);
    assert!(count(&sampled, "customers") > count(&before, "customers"));

    let report = w
        .rollback(RollbackOptions {
            from: Some(sample_run),
            ..RollbackOptions::default()
        })
        .await
        .expect("rollback --run");
    assert!(report.is_complete(), "{:?}", report.refused);
    let after = w.gorgias.snapshot();
    let (after, before) = (comparable(&after), comparable(&before));
    let differ: Vec<String> = before
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, value)| after.get(key.as_str()) != Some(value))
        .map(|(key, value)| format!("{key}: before {value}\n after {}", after[key.as_str()]))
        .collect();
    assert!(
        differ.is_empty(),
        "the account differs from before the sample: {differ:#?}"
    );

    // The map may change now; the full run then starts clean and verifies.
    w.run(Phase::Prepare { pause: true }).await;
    let full = w.run(Phase::Migrate).await;
    assert!(full.discrepancies.is_empty(), "{:?}", full.discrepancies);
    assert_eq!(
        count(&w.gorgias.snapshot(), "tickets"),
        count(&before, "tickets") + 30
    );
    w.assert_verifies_clean().await;
}
