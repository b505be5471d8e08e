//! `deskshift map propose | show | diff | confirm`: the field map the user
//! confirms before any record moves. The work is in
//! `deskshift_core::mapping`; this module reads the project, asks the
//! destination for its catalog, and prints.

use crate::assist::HttpChatModel;
use crate::cli::{MapArgs, MapCommand, MapProposeArgs};
use crate::destinations;
use crate::exit::{CliError, CliResult};
use deskshift_core::discover::{self, ScopeReport};
use deskshift_core::ledger::Ledger;
use deskshift_core::mapping::assist::{self, AssistOptions, AssistReport};
use deskshift_core::mapping::confirmation::{self, Confirmed, LoadError, LoadedMap};
use deskshift_core::mapping::propose::{propose, Proposal};
use deskshift_core::mapping::{render, validate, Catalog, FieldMap, MapRow, Origin, Target};
use deskshift_core::project::{Project, MAPPING_FILE};
use serde_json::json;
use std::path::PathBuf;

/// Rows under this confidence are pointed out after a proposal.
const REVIEW_BELOW: f64 = 0.8;

pub async fn run(command: MapCommand) -> CliResult {
    match command {
        MapCommand::Propose(args) => propose_command(args).await,
        MapCommand::Show(args) => show(args),
        MapCommand::Diff(args) => diff(args),
        MapCommand::Confirm(args) => confirm_command(args).await,
    }
}

/// What `map propose` wrote.
pub struct Proposed {
    pub path: PathBuf,
    pub map: FieldMap,
    pub assist: Option<AssistReport>,
}

/// The scope report and the destination's catalog for it.
async fn scope_and_catalog(project: &Project) -> CliResult<(ScopeReport, Catalog)> {
    let scope = discover::read_report(&project.reports_dir()).map_err(CliError::usage)?;
    let destination = destinations::open(project)?;
    let catalog = destination.catalog(&scope).await?;
    Ok((scope, catalog))
}

/// Proposes the map and writes `mapping.toml`. Refuses to replace a file
/// that differs from the last proposal (the user's edits) unless `force`.
pub async fn propose_project(project: &Project, force: bool) -> CliResult<Proposed> {
    let path = project.dir.join(MAPPING_FILE);
    let ledger = Ledger::open(project.ledger_path())?;
    if path.exists() && !force {
        let previous = confirmation::proposed(&ledger)?;
        let current = confirmation::load(&project.dir).ok().map(|l| l.map);
        let untouched = matches!((&previous, &current), (Some(p), Some(c)) if p.hash() == c.hash());
        if !untouched {
            return Err(CliError::usage(format!(
                "{} exists and differs from the last proposal (your edits?); pass --force to \
                 replace it, or keep editing it and run `deskshift map confirm`",
                path.display()
            )));
        }
    }
    let (scope, catalog) = scope_and_catalog(project).await?;
    let mut proposal = propose(&scope, &catalog);
    let assist = match &project.config.assist {
        Some(config) => {
            let model = HttpChatModel::from_config(config)?;
            let options = AssistOptions {
                model: config.model.clone(),
                threshold: config.threshold,
                send_personal_data: config.send_personal_data,
            };
            Some(assist::assist(&mut proposal, &scope, &catalog, &model, &options).await)
        }
        None => None,
    };
    write(&path, &proposal)?;
    confirmation::record_proposal(&ledger, &proposal.map)?;
    Ok(Proposed {
        path,
        map: proposal.map,
        assist,
    })
}

fn write(path: &PathBuf, proposal: &Proposal) -> CliResult {
    std::fs::write(path, render(&proposal.map, &proposal.notes))
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}

async fn propose_command(args: MapProposeArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let proposed = propose_project(&project, args.force).await?;
    let map = &proposed.map;
    let custom: Vec<&MapRow> = map.rows.iter().filter(|r| r.custom.is_some()).collect();
    let created = custom
        .iter()
        .filter(|r| matches!(r.target, Target::NewField { .. }))
        .count();
    let reused = custom
        .iter()
        .filter(|r| {
            matches!(
                r.origin,
                Origin::NameSimilarity | Origin::ExistingDestinationField
            )
        })
        .count();
    let retyped = custom
        .iter()
        .filter(|r| r.origin == Origin::ValueProfile)
        .count();
    let unsure = map
        .rows
        .iter()
        .filter(|r| r.confidence.value() < REVIEW_BELOW)
        .count();
    if args.common.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "path": proposed.path,
                "destination": map.destination,
                "rows": map.rows.len(),
                "custom_fields": custom.len(),
                "new_fields": created,
                "reused_fields": reused,
                "retyped_fields": retyped,
                "below_review_confidence": unsure,
                "value_maps": map.value_maps.len(),
                "assist": proposed.assist,
            }))
            .expect("JSON serialises")
        );
        return Ok(());
    }
    println!(
        "Wrote {}: {} rows for {} ({} custom fields: {created} new, {reused} reused, {retyped} \
         retyped from their values), {} value maps.",
        proposed.path.display(),
        map.rows.len(),
        map.destination,
        custom.len(),
        map.value_maps.len()
    );
    if let Some(report) = &proposed.assist {
        print_assist(report);
    }
    if unsure > 0 {
        println!(
            "{unsure} rows are below {REVIEW_BELOW} confidence: `deskshift map show` lists them first."
        );
    }
    println!("Review and edit the file, then run `deskshift map confirm`.");
    Ok(())
}

fn print_assist(report: &AssistReport) {
    match &report.error {
        Some(error) => {
            println!("Model assist: no suggestions ({error}); the proposal stands without it.")
        }
        None => println!(
            "Model assist: asked about {} rows; {} changed, {} agreed, {} set aside.",
            report.asked,
            report.changed.len(),
            report.agreed,
            report.set_aside.len()
        ),
    }
    for line in &report.set_aside {
        println!("  set aside: {line}");
    }
}

/// `mapping.toml`, or a usage error naming the line and key.
fn load(project: &Project) -> CliResult<LoadedMap> {
    confirmation::load(&project.dir).map_err(|err| match err {
        LoadError::Io { .. } => CliError::failure(err),
        other => CliError::usage(other),
    })
}

/// Rows as `show` lists them: least sure first, with the origin a person
/// would give them (rows that differ from the proposal are theirs).
fn effective_rows(map: &FieldMap, proposal: Option<&FieldMap>) -> Vec<MapRow> {
    let edited: Vec<(String, String)> = proposal
        .map(|p| {
            confirmation::edited_rows(p, map)
                .into_iter()
                .map(|r| (r.object.to_string(), r.field.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut rows: Vec<MapRow> = map
        .rows
        .iter()
        .cloned()
        .map(|mut row| {
            if edited.contains(&(row.object.to_string(), row.field.clone())) {
                row.origin = Origin::UserEdited;
            }
            row
        })
        .collect();
    rows.sort_by(|a, b| a.confidence.value().total_cmp(&b.confidence.value()));
    rows
}

fn show(args: MapArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let loaded = load(&project)?;
    let ledger = Ledger::open(project.ledger_path())?;
    let proposal = confirmation::proposed(&ledger)?;
    let confirmed = confirmation::confirmed(&ledger)?;
    let state = state(&loaded.map, confirmed.as_ref());
    let rows = effective_rows(&loaded.map, proposal.as_ref());
    if args.common.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "path": loaded.path,
                "destination": loaded.map.destination,
                "state": state,
                "rows": rows,
                "value_maps": loaded.map.value_maps,
            }))
            .expect("JSON serialises")
        );
        return Ok(());
    }
    println!(
        "{} ({} rows, {}), least sure first:\n",
        loaded.path.display(),
        rows.len(),
        state
    );
    println!(
        "{:<5} {:<27} {:<34} {:<44} transform",
        "conf", "origin", "Stames field", "destination"
    );
    for row in &rows {
        println!(
            "{:<5} {:<27} {:<34} {:<44} {}",
            row.confidence.to_string(),
            row.origin.as_str(),
            row.source_name(),
            target_cell(row),
            row.transform
        );
        if !row.reason.is_empty() {
            println!("      ↳ {}", row.reason);
        }
    }
    for (name, values) in &loaded.map.value_maps {
        println!("\nvalue map {name}:");
        for (value, entry) in values {
            println!(
                "  {value:<24} → {:<24} {:>6} records{}{}",
                if entry.to.is_empty() {
                    "(none)"
                } else {
                    &entry.to
                },
                entry.count,
                if entry.unmatched { "  UNMATCHED" } else { "" },
                entry
                    .note
                    .as_deref()
                    .map(|n| format!("  ({n})"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

fn target_cell(row: &MapRow) -> String {
    match &row.target {
        Target::Field(field) => field.to_string(),
        Target::NewField { field, field_type } => format!("{field} (new {field_type})"),
        Target::Inventory(_) => "(inventory only)".into(),
        Target::Drop(_) => "(dropped)".into(),
    }
}

/// `confirmed`, `changed since confirmation` or `not confirmed`.
fn state(map: &FieldMap, confirmed: Option<&Confirmed>) -> &'static str {
    match confirmed {
        Some(c) if c.hash == map.hash() => "confirmed",
        Some(_) => "changed since confirmation",
        None => "not confirmed",
    }
}

fn diff(args: MapArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let loaded = load(&project)?;
    let ledger = Ledger::open(project.ledger_path())?;
    let confirmed = confirmation::confirmed(&ledger)?;
    let (against, baseline) = match &confirmed {
        Some(c) => (
            format!("the confirmation of {}", c.at.format("%Y-%m-%d %H:%M UTC")),
            Some(c.map.clone()),
        ),
        None => (
            "the proposal (the map was never confirmed)".to_string(),
            confirmation::proposed(&ledger)?,
        ),
    };
    let Some(baseline) = baseline else {
        return Err(CliError::usage(
            "nothing to compare with: the map was neither proposed nor confirmed in this \
             project; run `deskshift map propose`",
        ));
    };
    let changes = confirmation::diff(&baseline, &loaded.map);
    if args.common.json {
        let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "against": against,
                "changes": lines,
                "confirmed": confirmed.is_some() && changes.is_empty(),
            }))
            .expect("JSON serialises")
        );
        return Ok(());
    }
    if changes.is_empty() {
        println!("No changes since {against}.");
    } else {
        println!("{} changes since {against}:", changes.len());
        for change in &changes {
            println!("  {change}");
        }
        println!("Run `deskshift map confirm` to confirm them.");
    }
    Ok(())
}

/// Validates the map against the destination and records it as confirmed;
/// the confirmation and the rows the user changed from the proposal.
pub async fn confirm_project(project: &Project) -> CliResult<(Confirmed, Vec<MapRow>)> {
    let loaded = load(project)?;
    let (scope, catalog) = scope_and_catalog(project).await?;
    let problems = validate(&loaded.map, &loaded.locations, &catalog, &scope);
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        return Err(CliError::usage(format!(
            "{} has {} {}, nothing was confirmed:\n{}\nfix them and run `deskshift map confirm` again",
            loaded.path.display(),
            problems.len(),
            if problems.len() == 1 {
                "problem"
            } else {
                "problems"
            },
            lines.join("\n")
        )));
    }
    let ledger = Ledger::open(project.ledger_path())?;
    let edited = match confirmation::proposed(&ledger)? {
        Some(proposal) => confirmation::edited_rows(&proposal, &loaded.map)
            .into_iter()
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let confirmed = confirmation::record_confirmation(&ledger, &loaded.map)?;
    Ok((confirmed, edited))
}

async fn confirm_command(args: MapArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let (confirmed, edited) = confirm_project(&project).await?;
    let edited_names: Vec<String> = edited.iter().map(MapRow::source_name).collect();
    if args.common.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "confirmed": true,
                "hash": confirmed.hash,
                "at": confirmed.at,
                "rows": confirmed.map.rows.len(),
                "edited_rows": edited_names,
            }))
            .expect("JSON serialises")
        );
        return Ok(());
    }
    println!(
        "Confirmed {}: {} rows, {} value maps{} (hash {}). Next: deskshift prepare",
        MAPPING_FILE,
        confirmed.map.rows.len(),
        confirmed.map.value_maps.len(),
        if edited_names.is_empty() {
            String::new()
        } else {
            format!(
                ", {} edited by you: {}",
                edited_names.len(),
                edited_names.join(", ")
            )
        },
        &confirmed.hash[..12.min(confirmed.hash.len())]
    );
    Ok(())
}
