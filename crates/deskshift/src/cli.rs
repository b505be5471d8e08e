//! The command line, as fixed by DESIGN.md §5. Only argument shapes live here;
//! each command's behaviour is in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "deskshift",
    version,
    about = "Move a whole helpdesk out of Stames into Gorgias or Salesforce Service Cloud.",
    long_about = "Move a whole helpdesk out of Stames into Gorgias or Salesforce Service Cloud.\n\n\
        A migration project is a directory holding deskshift.toml (configuration, no secrets), \
        the ledger deskshift.db, and reports/. Credentials come only from environment variables: \
        STAMES_ACCOUNT_ID, STAMES_API_KEY, GORGIAS_EMAIL, GORGIAS_API_KEY, SALESFORCE_CLIENT_ID, \
        SALESFORCE_CLIENT_SECRET.\n\n\
        Exit codes: 0 success; 1 failure; 2 usage or configuration error; 3 verification found \
        mismatches; 4 refused by a gate."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options every project command shares.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// The migration project directory.
    #[arg(long, global = true, default_value = ".")]
    pub project: PathBuf,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole flow against built-in emulators on loopback (no accounts needed).
    Demo(DemoArgs),
    /// Run a local emulator until stopped.
    Sim(SimArgs),
    /// Create a migration project in --project.
    Init(InitArgs),
    /// Inventory the source: counts, custom fields, channels, attachments, automations;
    /// writes reports/scope.{json,md} and the deliverables, reports/deliverables.{json,md,html}.
    Discover(DiscoverArgs),
    /// The field map: propose mapping.toml, show it, see what changed, confirm it.
    /// No record moves before it is confirmed.
    #[command(subcommand)]
    Map(MapCommand),
    /// Apply the confirmed map to every source record offline and validate it against the
    /// destination's schema and rules: records that would be created, matched, repaired and
    /// rejected (each reason with examples), the preflight of side effects, projected calls
    /// and duration; writes reports/plan.{json,md}. Nothing is written to the destination.
    Plan(PlanArgs),
    /// Create the destination schema (custom fields, tags); optionally pause rules.
    Prepare(PrepareArgs),
    /// Load everything (or a sample) into the destination; resumable, no duplicates.
    Migrate(MigrateArgs),
    /// Read every migrated record back and compare it field by field; exit 3 on mismatches.
    Verify(VerifyArgs),
    /// (Re)write the reports from what the project knows now: the discovery
    /// deliverables (scope, compatibility and complexity, ETA against the measured
    /// runs, automation inventory, checklists, the destination's preflight) in
    /// reports/deliverables.{json,md,html}, and the reconciliation (counts per object
    /// and phase, verification, rejects and skips with fixes, spot checks side by side)
    /// in reports/reconciliation.{json,md,html}.
    Report(ReportArgs),
    /// Show where the project stands: runs, ledger counts, rejects.
    Status(StatusArgs),
    /// Apply what changed in the source since the migration (or the last delta): new tickets
    /// and customers, new messages, status, priority, assignee, tag and field changes, with
    /// before-images journaled; --check only reports what changed (for the freeze).
    Delta(DeltaArgs),
    /// Undo what deskshift wrote, newest first, children before parents: remove what it
    /// created, restore what it changed, leave pre-existing records as they were.
    Rollback(RollbackArgs),
}

#[derive(Debug, Args)]
pub struct DeltaArgs {
    #[command(flatten)]
    pub common: Common,
    /// Only report what changed in the source since the last run; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Seconds before the window's start read again, for clock skew between Stames and
    /// this machine.
    #[arg(long, default_value_t = 300)]
    pub overlap: u32,
    /// Apply even though active destination rules would act on the records.
    #[arg(long)]
    pub allow_active_rules: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print (and write to reports/rollback-plan.md) exactly what would be undone; change
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Undo this run and every run after it (ids: `deskshift status`); default: everything.
    #[arg(long = "run", value_name = "ID")]
    pub run: Option<i64>,
    /// Only these object kinds (comma-separated, e.g. tickets,customers), with what lives
    /// inside them (a ticket's messages and files).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub objects: Vec<String>,
    /// Undo records that changed in the destination after the migration, too.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Propose mapping.toml from discovery (reports/scope.json) and the destination's
    /// schema: a target, transform, confidence and reason for every Stames field.
    Propose(MapProposeArgs),
    /// Print the map as a table, least sure rows first.
    Show(MapArgs),
    /// What changed in mapping.toml since it was last confirmed.
    Diff(MapArgs),
    /// Check the whole map against the destination and the source, and record it as
    /// confirmed; `prepare` and `migrate` refuse (exit 4) until then.
    Confirm(MapArgs),
}

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct MapProposeArgs {
    #[command(flatten)]
    pub common: Common,
    /// Replace a mapping.toml that holds edits of yours.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PrepareArgs {
    #[command(flatten)]
    pub common: Common,
    /// Pause the destination's active rules for the migration; `migrate`
    /// restores exactly these when it is done.
    #[arg(long)]
    pub pause_rules: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub common: Common,
    /// Migrate N representative tickets with their dependencies only.
    #[arg(long)]
    pub sample: Option<usize>,
    /// Load even though active destination rules would act on migrated records.
    #[arg(long)]
    pub allow_active_rules: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Destination {
    Gorgias,
    Salesforce,
}

impl Destination {
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Gorgias => "gorgias",
            Destination::Salesforce => "salesforce",
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The destination to demonstrate.
    #[arg(long, value_enum, default_value_t = Destination::Gorgias)]
    pub dest: Destination,
    /// Tickets in the generated Stames workspace.
    #[arg(long, default_value_t = 200)]
    pub tickets: usize,
    /// Seed of the generated workspace; the same seed gives the same helpdesk.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Where the demo project is written.
    #[arg(long, default_value = "deskshift-demo")]
    pub dir: PathBuf,
    /// Print the summary JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    #[command(subcommand)]
    pub service: SimService,
}

#[derive(Debug, Subcommand)]
pub enum SimService {
    /// The Stames API (docs/stames-api.md).
    Stames(StamesSimArgs),
    /// The Gorgias REST API, as documented by Gorgias.
    Gorgias(GorgiasSimArgs),
    /// A Salesforce Service Cloud org: OAuth, REST, Composite, Bulk API 2.0, Tooling
    /// (docs/salesforce-emulator.md).
    Salesforce(SalesforceSimArgs),
}

#[derive(Debug, Args)]
pub struct SalesforceSimArgs {
    /// Port on 127.0.0.1; 0 picks a free one (printed on start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Keep the org in FILE across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Inject faults, e.g. "5xx=0.1,reset-after=0.02,lock=0.05" (see crates/sim/src/faults.rs).
    #[arg(long, default_value = "none")]
    pub faults: String,
    /// Daily API request limit (a Developer Edition org has 15000).
    #[arg(long, default_value_t = 15_000)]
    pub daily_limit: u64,
    /// Let CreatedDate & co. be set on insert ("Set Audit Fields upon Record Creation").
    #[arg(long)]
    pub audit_fields: bool,
}

#[derive(Debug, Args)]
pub struct GorgiasSimArgs {
    /// Port on 127.0.0.1; 0 picks a free one (printed on start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Rate limit as CALLS/SECONDS; Gorgias allows 40/20 with an API key.
    #[arg(long, default_value = "40/20")]
    pub budget: String,
    /// Keep the account in FILE across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Inject faults, e.g. "5xx=0.1,reset-after=0.02,storm=0.01@2s" (see crates/sim/src/faults.rs).
    #[arg(long, default_value = "none")]
    pub faults: String,
    /// What a customer create does with sidebar `data`: kept, ignored or
    /// refused (the Gorgias sources disagree; see crates/sim/src/gorgias/mod.rs).
    #[arg(long, default_value = "kept")]
    pub customer_data_on_create: String,
}

#[derive(Debug, Args)]
pub struct StamesSimArgs {
    /// Port on 127.0.0.1; 0 picks a free one (printed on start).
    #[arg(long, default_value_t = 0, required_unless_present = "export")]
    pub port: u16,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long, default_value_t = 200)]
    pub tickets: usize,
    /// Rate limit as CALLS/SECONDS, e.g. 1200/60 or 40/2.
    #[arg(long)]
    pub budget: Option<String>,
    /// Keep the workspace in FILE across restarts (loaded if it exists, saved on every write).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Add this many deliberately malformed records (to exercise rejects).
    #[arg(long, default_value_t = 0)]
    pub malformed: usize,
    /// Write the workspace as an export bundle into DIR and exit instead of serving.
    #[arg(long)]
    pub export: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: Common,
    /// Where the records go.
    #[arg(long, value_enum)]
    pub dest: Destination,
    /// Stames base URL (without /api/v1), e.g. https://acme.stames.app.
    #[arg(
        long,
        conflicts_with = "source_export",
        required_unless_present = "source_export"
    )]
    pub source_url: Option<String>,
    /// A Stames export bundle directory, instead of the API.
    #[arg(long)]
    pub source_export: Option<PathBuf>,
    /// Destination base URL, e.g. https://acme.gorgias.com.
    #[arg(long)]
    pub dest_url: Option<String>,
    /// The destination's API budget as CALLS/SECONDS when it is not the
    /// documented default (e.g. 80/20 for a Gorgias OAuth app).
    #[arg(long)]
    pub dest_budget: Option<String>,
    /// Overwrite an existing deskshift.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub common: Common,
}
