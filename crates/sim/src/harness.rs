//! What destination tests and benchmarks share, whichever destination they
//! exercise: a generated Stames workspace behind the Stames emulator, read
//! by the real Stames source, a project directory with a file ledger, and
//! each phase run the way the binary runs it (its own ledger run, counts
//! and journal) against any [`Destination`].
//!
//! Not used by the product itself; it lives here, beside the emulators it
//! starts, so that the Gorgias and Salesforce crates test alike.

use crate::stames::{RunningEmulator, StamesConfig, StamesEmulator};
use deskshift_core::destination::{
    Destination, DestinationError, LoadContext, Scope, VerifyReport,
};
use deskshift_core::discover::ScopeReport;
use deskshift_core::engine::{Counts, Journal};
use deskshift_core::ledger::{Ledger, RunOutcome};
use deskshift_core::mapping::{
    confirmation, Catalog, FieldMap, FieldRef, MapRow, Target, Transform, ValueType,
};
use deskshift_core::model::ObjectKind;
use deskshift_core::plan::{Finished, PlanTally};
use deskshift_core::progress::{Progress, Silent};
use deskshift_core::sample;
use deskshift_core::summary::ObjectSummary;
use deskshift_stames::{StamesApi, StamesOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A Stames emulator with `tickets` tickets from `seed`, on a budget no
/// test waits on.
pub async fn stames(seed: u64, tickets: usize) -> RunningEmulator {
    let config = StamesConfig {
        seed,
        tickets,
        budget: "100000/60".parse().expect("budget"),
        ..StamesConfig::default()
    };
    StamesEmulator::start(config, "127.0.0.1:0".parse().expect("loopback"))
        .await
        .expect("Stames emulator starts")
}

/// The real Stames source, reading `stames` with the credentials it accepts.
pub fn source(stames: &RunningEmulator) -> StamesApi {
    let accepted = stames.credentials();
    let credentials =
        deskshift_stames::Credentials::new(accepted.account_id.clone(), accepted.api_key.clone());
    StamesApi::new(&stames.url(), credentials, StamesOptions::default()).expect("source")
}

/// A Stames emulator like [`stames`] with `malformed` deliberately broken
/// records among the generated ones.
pub async fn stames_with_malformed(seed: u64, tickets: usize, malformed: usize) -> RunningEmulator {
    let config = StamesConfig {
        seed,
        tickets,
        malformed,
        budget: "100000/60".parse().expect("budget"),
        ..StamesConfig::default()
    };
    StamesEmulator::start(config, "127.0.0.1:0".parse().expect("loopback"))
        .await
        .expect("Stames emulator starts")
}

/// Every record the Stames emulator broke on purpose is rejected by name
/// (kind, id, field) with a reason and a hint, and migration rejected at
/// least what discovery rejected, kind by kind.
pub fn assert_malformed_rejected(
    stames: &RunningEmulator,
    project: &Project,
    scope: &ScopeReport,
    migrated: &Outcome,
) {
    let rejects = project.ledger().rejects(None).expect("rejects");
    for broken in &stames.data().malformed {
        let id = broken.id.map(|id| id.to_string());
        let found = rejects.iter().any(|r| {
            r.reject.kind == broken.kind
                && (id.is_none() || r.reject.source_id == id)
                && r.reject
                    .field
                    .contains(broken.field.trim_start_matches("author."))
        });
        assert!(
            found,
            "{:?} {:?} ({}: {}) is not rejected by name: {rejects:#?}",
            broken.kind, broken.id, broken.field, broken.problem
        );
    }
    for r in &rejects {
        assert!(
            !r.reject.reason.is_empty() && !r.reject.hint.is_empty(),
            "{r:?}"
        );
    }
    for (kind, counted) in &scope.counts {
        if let Some(loaded) = migrated.counts.get(kind) {
            assert!(
                loaded.rejected >= counted.rejected,
                "{kind}: discovery rejected {}, migration {}",
                counted.rejected,
                loaded.rejected
            );
        }
    }
}

/// A throwaway project directory: its ledger and attachment cache.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Default for Project {
    fn default() -> Project {
        Project::new()
    }
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("cache")).expect("cache dir");
        Project { dir }
    }

    pub fn ledger(&self) -> Ledger {
        Ledger::open(self.dir.path().join("deskshift.db")).expect("ledger")
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }
}

/// What one phase did.
pub struct Outcome {
    pub counts: BTreeMap<ObjectKind, ObjectSummary>,
    pub discrepancies: Vec<String>,
    pub verify: Option<VerifyReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Prepare { pause: bool },
    Migrate,
    Sample(usize),
    Verify,
}

impl Phase {
    /// The ledger run's command name, as the binary records it.
    pub fn command(self) -> &'static str {
        match self {
            Phase::Prepare { .. } => "prepare",
            Phase::Migrate | Phase::Sample(_) => "migrate",
            Phase::Verify => "verify",
        }
    }
}

/// Runs discovery as the binary does (its own ledger run), which indexes
/// the source for the reference checks of the writing phases.
pub async fn discover(project: &Project, source: &StamesApi) -> ScopeReport {
    let ledger = project.ledger();
    let run = ledger.begin_run("discover").expect("begin discover");
    let report = deskshift_core::discover::discover(source, &ledger, run, &Silent)
        .await
        .expect("discovery runs");
    ledger
        .finish_run(run, RunOutcome::Succeeded)
        .expect("finish discover");
    report
}

/// The field map a test's phases apply: the one confirmed in the project's
/// ledger, else the destination's proposal for this source, confirmed the
/// way `deskshift demo` confirms it (automatically). The scope is the
/// project's last discovery, else a discovery into a scratch ledger, so the
/// project's ledger holds no discovery run the test did not ask for.
pub async fn confirmed_map(
    ledger: &Ledger,
    source: &StamesApi,
    dest: &dyn Destination,
) -> FieldMap {
    if let Some(confirmed) = confirmation::confirmed(ledger).expect("read the confirmation") {
        return confirmed.map;
    }
    let scope = match deskshift_core::discover::kept_scope(ledger).expect("read the scope") {
        Some(scope) => scope,
        None => discover(&Project::new(), source).await,
    };
    let catalog = dest.catalog(&scope).await.expect("destination catalog");
    let map = deskshift_core::mapping::propose::propose(&scope, &catalog).map;
    confirmation::record_confirmation(ledger, &map).expect("record the confirmation");
    map
}

/// `map confirm` of `map` as a person left it in `mapping.toml`: written,
/// read back, validated against the destination's `catalog` for `scope`
/// (a refusal fails the test with its problems), recorded in `ledger`.
pub fn confirm_edited_map(ledger: &Ledger, map: &FieldMap, scope: &ScopeReport, catalog: &Catalog) {
    let text = deskshift_core::mapping::render(map, &Default::default());
    let (read, locations) = deskshift_core::mapping::parse(&text).expect("mapping.toml reads back");
    let problems = deskshift_core::mapping::validate(&read, &locations, catalog, scope);
    assert!(problems.is_empty(), "map confirm refuses: {problems:?}");
    confirmation::record_confirmation(ledger, &read).expect("record the confirmation");
}

/// The ticket custom-field rows `map` would create a field for whose values
/// also fit an existing text field: what a test sends elsewhere.
pub fn created_text_rows(map: &mut FieldMap) -> impl Iterator<Item = &mut MapRow> {
    map.rows.iter_mut().filter(|r| {
        r.object == ObjectKind::Tickets
            && matches!(r.target, Target::NewField { .. })
            && matches!(r.transform, Transform::Copy | Transform::DateToIsoText)
            && r.value_type.is_some_and(|t| t.fits(ValueType::Text))
    })
}

/// What [`reuse_one_drop_another`] changed.
pub struct FieldEdits {
    /// The field the reused row would have created.
    pub not_created: String,
    /// The Stames key of the field now written into `existing`.
    pub reused_key: String,
    /// The field the dropped row would have created.
    pub dropped: String,
}

/// A person's edit of two custom-field rows the proposal would create a
/// field for: the first writes into the `existing` destination field, the
/// second is dropped.
pub fn reuse_one_drop_another(map: &mut FieldMap, existing: FieldRef) -> FieldEdits {
    let mut rows = created_text_rows(map);
    let (Some(reused), Some(dropped)) = (rows.next(), rows.next()) else {
        panic!("two ticket fields the proposal would create");
    };
    let created = |row: &MapRow| {
        row.target
            .field()
            .map(|f| f.field.clone())
            .unwrap_or_default()
    };
    let edits = FieldEdits {
        not_created: created(reused),
        reused_key: reused.custom_key().unwrap_or_default().to_string(),
        dropped: created(dropped),
    };
    reused.target = Target::Field(existing);
    dropped.target = Target::Drop("nobody reads it any more".into());
    edits
}

/// Takes out of the value map `name` the first value records carry, as if
/// the source gained it after the confirmation: the value and its count.
fn forget_a_value(map: &mut FieldMap, name: &str) -> (String, u64) {
    let values = map.value_maps.get_mut(name).expect("the value map");
    let value = values
        .iter()
        .find(|(_, e)| e.count > 0)
        .map(|(value, _)| value.clone())
        .expect("a value records carry");
    let count = values.remove(&value).expect("the value").count;
    (value, count)
}

/// Asserts that `ledger` holds exactly `count` ticket rejects, each naming
/// its record, a field containing `field`, the `value` the value map
/// `value_map` lacks, and `deskshift map confirm` as the fix.
fn assert_unmapped_rejects(ledger: &Ledger, field: &str, value: &str, value_map: &str, count: u64) {
    let rejects: Vec<_> = ledger
        .rejects(None)
        .expect("read the rejects")
        .into_iter()
        .filter(|r| r.reject.kind == ObjectKind::Tickets)
        .collect();
    assert_eq!(rejects.len() as u64, count, "{rejects:?}");
    for r in &rejects {
        let reject = &r.reject;
        assert!(reject.source_id.is_some(), "{reject:?}");
        assert!(reject.field.contains(field), "{reject:?}");
        assert!(reject.reason.contains(&format!("`{value}`")), "{reject:?}");
        assert!(
            reject.reason.contains(&format!("[value_maps.{value_map}]")),
            "{reject:?}"
        );
        assert!(reject.hint.contains("deskshift map confirm"), "{reject:?}");
    }
}

/// Runs one phase as the binary would: its own run, counts and journal.
pub async fn run(
    project: &Project,
    source: &StamesApi,
    dest: &dyn Destination,
    phase: Phase,
) -> Result<Outcome, String> {
    run_with(project, source, dest, phase, &Silent).await
}

/// Migrates as an operator does against a misbehaving destination: runs
/// again after a run that stopped or left tickets for later, up to `runs`
/// times, and returns the run that finished with no ticket refused.
pub async fn migrate_until_done(
    project: &Project,
    source: &StamesApi,
    dest: &dyn Destination,
    runs: u32,
) -> Outcome {
    for attempt in 1..=runs {
        match run(project, source, dest, Phase::Migrate).await {
            Ok(done) if done.counts[&ObjectKind::Tickets].rejected == 0 => return done,
            Ok(done) => eprintln!(
                "run {attempt}: tickets wait for the next run: {:?}",
                done.counts[&ObjectKind::Tickets]
            ),
            Err(error) => eprintln!("run {attempt} stopped: {error}"),
        }
    }
    panic!("the migration did not complete within {runs} runs");
}

/// [`run`], reporting progress to `progress`.
pub async fn run_with(
    project: &Project,
    source: &StamesApi,
    dest: &dyn Destination,
    phase: Phase,
    progress: &dyn Progress,
) -> Result<Outcome, String> {
    let map = confirmed_map(&project.ledger(), source, dest).await;
    let journal = Journal::begin(project.ledger(), phase.command()).map_err(|e| e.to_string())?;
    let counts = Counts::default();
    let cache = project.cache();
    let ctx = LoadContext {
        source,
        journal: &journal,
        counts: &counts,
        progress,
        cache_dir: &cache,
        map: &map,
    };
    let result = match phase {
        Phase::Prepare { pause } => dest.prepare(&ctx, pause).await.map(|()| None),
        Phase::Migrate => dest.migrate(&ctx, &Scope::All).await.map(|()| None),
        Phase::Sample(n) => match sample::select(source, &project.ledger(), n).await {
            Ok(set) => dest.migrate(&ctx, &Scope::Sample(set)).await.map(|()| None),
            Err(e) => Err(DestinationError::Other(e.to_string())),
        },
        Phase::Verify => dest.verify(&ctx).await.map(Some),
    };
    let outcome = match &result {
        Ok(_) => RunOutcome::Succeeded,
        Err(e) => RunOutcome::Failed(e.to_string()),
    };
    journal.finish(outcome).map_err(|e| e.to_string())?;
    let verify = result.map_err(|e| e.to_string())?;
    Ok(Outcome {
        counts: counts.snapshot(),
        discrepancies: counts.discrepancies(),
        verify,
    })
}

/// Runs verify and fails the test, showing the first mismatches, unless
/// every record checks out.
pub async fn assert_verifies_clean(project: &Project, source: &StamesApi, dest: &dyn Destination) {
    let report = run(project, source, dest, Phase::Verify)
        .await
        .expect("verify runs")
        .verify
        .expect("verify reports");
    assert!(
        report.is_clean(),
        "{:?}",
        &report.mismatches[..report.mismatches.len().min(5)]
    );
}

/// Runs `deskshift plan` as the binary does (its own ledger run under the
/// confirmed map, nothing written to the destination) and returns the
/// counts per kind.
pub async fn plan(project: &Project, source: &StamesApi, dest: &dyn Destination) -> Finished {
    let map = confirmed_map(&project.ledger(), source, dest).await;
    let journal = Journal::begin(project.ledger(), "plan").expect("begin plan");
    let scratch = Counts::default();
    let cache = project.cache();
    let ctx = LoadContext {
        source,
        journal: &journal,
        counts: &scratch,
        progress: &Silent,
        cache_dir: &cache,
        map: &map,
    };
    let tally = PlanTally::new();
    dest.plan(&ctx, &tally).await.expect("plan runs");
    journal.finish(RunOutcome::Succeeded).expect("finish plan");
    tally.finish()
}

/// The plan predicted, kind by kind, exactly what the migration then did:
/// as many records created, matched, rejected and skipped.
pub fn assert_plan_predicted(plan: &Finished, migrated: &Outcome, kinds: &[ObjectKind]) {
    for kind in kinds {
        let planned = plan.objects.get(kind).copied().unwrap_or_default();
        let done = migrated.counts.get(kind).cloned().unwrap_or_default();
        assert!(
            planned.adds_up(),
            "{kind}: the plan does not add up: {planned:?}"
        );
        assert_eq!(
            (
                planned.source,
                planned.create,
                planned.matched,
                planned.rejected,
                planned.skipped
            ),
            (
                done.source,
                done.created,
                done.matched,
                done.rejected,
                done.skipped
            ),
            "{kind}: planned (source, create, matched, rejected, skipped) differ from the \
             migration's; plan reasons: {:#?}",
            plan.reasons
                .iter()
                .filter(|r| r.kind == *kind)
                .collect::<Vec<_>>()
        );
    }
}

/// A ticket and what travels with it: the kinds a refused ticket takes
/// with it in both writers.
pub const TICKET_AND_CARRIED: [ObjectKind; 4] = [
    ObjectKind::Tickets,
    ObjectKind::Messages,
    ObjectKind::Attachments,
    ObjectKind::StatusEvents,
];

/// `deskshift plan`, then `migrate`, checking that the plan foresaw the
/// migration's counts for `kinds`; returns both for further checks.
pub async fn plan_then_migrate(
    project: &Project,
    source: &StamesApi,
    dest: &dyn Destination,
    kinds: &[ObjectKind],
) -> (Finished, Outcome) {
    let planned = plan(project, source, dest).await;
    let migrated = run(project, source, dest, Phase::Migrate)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_plan_predicted(&planned, &migrated, kinds);
    (planned, migrated)
}

/// Confirms `map` without one value of its value map `value_map` that
/// tickets carry (as if the source gained it after the confirmation), then
/// plans and migrates: plan foresees, and migrate refuses, exactly those
/// tickets with what they carry, each reject naming the destination
/// `field`, the value and the fix. Returns how many tickets were refused.
pub async fn assert_a_lacking_value_refuses_its_tickets(
    project: &Project,
    source: &StamesApi,
    dest: &dyn Destination,
    mut map: FieldMap,
    value_map: &str,
    field: &str,
) -> u64 {
    let (lacking, carried) = forget_a_value(&mut map, value_map);
    confirmation::record_confirmation(&project.ledger(), &map).expect("record the confirmation");
    let (planned, outcome) = plan_then_migrate(project, source, dest, &TICKET_AND_CARRIED).await;
    assert_eq!(planned.objects[&ObjectKind::Tickets].rejected, carried);
    assert!(planned.reasons.iter().any(|r| r.kind == ObjectKind::Tickets
        && r.reason.contains(&lacking)
        && r.hint.contains("map confirm")));
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert_eq!(outcome.counts[&ObjectKind::Tickets].rejected, carried);
    assert_unmapped_rejects(&project.ledger(), field, &lacking, value_map, carried);
    carried
}

/// Every record the Stames emulator broke on purpose is among the plan's
/// would-be rejects: of its kind, on its field.
pub fn assert_plan_rejects_malformed(stames: &RunningEmulator, plan: &Finished) {
    for broken in &stames.data().malformed {
        let field = broken.field.trim_start_matches("author.");
        let found = plan.reasons.iter().any(|r| {
            r.outcome == deskshift_core::plan::Outcome::Reject
                && r.kind == broken.kind
                && r.field.contains(field)
        });
        assert!(
            found,
            "{:?} {:?} ({}: {}) is not among the plan's rejects: {:#?}",
            broken.kind, broken.id, broken.field, broken.problem, plan.reasons
        );
    }
}

/// What the source holds that a sample must show, worked out here from the
/// records themselves (not through the selection's own code): every
/// channel, files, inline images, the longest thread, filled custom
/// fields, departed agents and customers sharing an e-mail. Each entry:
/// a name and the tickets that show it.
pub async fn kinds_of_interest(source: &StamesApi) -> BTreeMap<String, BTreeSet<String>> {
    use deskshift_core::model::{SenderKind, TicketThread};
    use deskshift_core::source::Source;
    let agents: Vec<deskshift_core::model::Agent> = records(source.agents()).await;
    let departed: BTreeSet<String> = agents
        .iter()
        .filter(|a| a.is_departed())
        .map(|a| a.id.clone())
        .collect();
    let customers: Vec<deskshift_core::model::Customer> = records(source.customers(None)).await;
    let mut by_email: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &customers {
        if let Some(email) = &c.email {
            by_email
                .entry(email.trim().to_lowercase())
                .or_default()
                .push(c.id.clone());
        }
    }
    let shared: BTreeSet<String> = by_email
        .into_values()
        .filter(|ids| ids.len() > 1)
        .flatten()
        .collect();
    let threads: Vec<TicketThread> = records(source.tickets(None)).await;
    let mut kinds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut note = |kind: String, ticket: &str| {
        kinds.entry(kind).or_default().insert(ticket.to_string());
    };
    let longest = threads.iter().map(|t| t.messages.len()).max().unwrap_or(0);
    for thread in &threads {
        let t = &thread.ticket;
        note(format!("channel {:?}", t.channel), &t.id);
        for m in &thread.messages {
            note(format!("channel {:?}", m.channel), &t.id);
            for a in &m.attachments {
                note(
                    if a.inline {
                        "inline image"
                    } else {
                        "attachment"
                    }
                    .into(),
                    &t.id,
                );
            }
            if m.sender.kind == SenderKind::Agent
                && m.sender.id.as_ref().is_some_and(|id| departed.contains(id))
            {
                note("departed agent".into(), &t.id);
            }
        }
        if t.assignee_id
            .as_ref()
            .is_some_and(|id| departed.contains(id))
        {
            note("departed agent".into(), &t.id);
        }
        if thread.messages.len() == longest {
            note("longest thread".into(), &t.id);
        }
        if t.custom_fields.values().any(|v| v.is_filled()) {
            note("filled custom field".into(), &t.id);
        }
        if shared.contains(&t.customer_id) {
            note("customer sharing an e-mail".into(), &t.id);
        }
    }
    kinds
}

/// Chooses a sample of `n` (after discovery, which indexes the source), checks
/// that it shows every kind of interest the source holds and is the same
/// when chosen again, migrates it, and checks that exactly its tickets and
/// customers were written and that they verify. Returns the sample.
pub async fn assert_sample_represents(
    project: &Project,
    source: &StamesApi,
    dest: &dyn Destination,
    n: usize,
) -> sample::SampleSet {
    discover(project, source).await;
    let set = sample::select(source, &project.ledger(), n)
        .await
        .expect("a sample");
    let again = sample::select(source, &project.ledger(), n)
        .await
        .expect("a sample");
    assert_eq!(set, again, "the same workspace gives the same sample");
    assert_eq!(set.len(), n);
    assert!(set.uncovered.is_empty(), "{:?}", set.uncovered);
    let kinds = kinds_of_interest(source).await;
    for expected in [
        "attachment",
        "inline image",
        "departed agent",
        "customer sharing an e-mail",
    ] {
        assert!(
            kinds.contains_key(expected),
            "the generator makes {expected}s"
        );
    }
    let channels = kinds.keys().filter(|k| k.starts_with("channel")).count();
    assert!(channels >= 6, "every documented channel: {kinds:?}");
    for (kind, tickets) in &kinds {
        assert!(
            tickets.iter().any(|t| set.contains_ticket(t)),
            "no sampled ticket shows {kind} (tickets that do: {tickets:?}); sample: {:?}",
            set.explain()
        );
    }

    let outcome = run(project, source, dest, Phase::Sample(n))
        .await
        .expect("the sample migrates");
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert_eq!(outcome.counts[&ObjectKind::Tickets].created, n as u64);
    let ledger = project.ledger();
    for ticket in &set.tickets {
        let entry = ledger.mapping(ObjectKind::Tickets, ticket).unwrap();
        assert!(
            entry.is_some_and(|e| e.state == deskshift_core::ledger::IdMapState::Created),
            "sampled ticket {ticket} created"
        );
    }
    let counts = ledger.id_map_counts().unwrap();
    assert_eq!(
        counts[&ObjectKind::Tickets].total(),
        n as u64,
        "no other ticket"
    );
    for customer in &set.customers {
        assert!(
            ledger.mapping(ObjectKind::Customers, customer).unwrap().is_some(),
            "the sample's customer {customer} (requester, writer or merged by e-mail) is accounted for"
        );
    }
    assert_verifies_clean(project, source, dest).await;
    set
}

/// Every record of a source stream (rejects left out); for small test
/// workspaces.
async fn records<T>(stream: deskshift_core::source::ReadStream<'_, T>) -> Vec<T> {
    use deskshift_core::source::Read;
    use futures::StreamExt;
    stream
        .filter_map(|item| async move {
            match item.expect("the source reads") {
                Read::Record(record) => Some(record),
                Read::Rejected(_) => None,
            }
        })
        .collect()
        .await
}
