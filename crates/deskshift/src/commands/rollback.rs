//! `deskshift rollback [--dry-run] [--run ID] [--objects KINDS] [--force]`:
//! undoes the journal, newest first; see `deskshift_core::rollback`.

use super::session::Session;
use crate::cli::RollbackArgs;
use crate::exit::{CliError, CliResult};
use deskshift_core::ledger::RunId;
use deskshift_core::model::ObjectKind;
use deskshift_core::rollback::{self, RollbackOptions};

pub async fn run(args: RollbackArgs) -> CliResult {
    let options = RollbackOptions {
        from: args.run.map(RunId),
        kinds: kinds(&args.objects)?,
        force: args.force,
        dry_run: args.dry_run,
    };
    let session = Session::open(&args.common.project, args.common.json)?;
    let (_, report) = session
        .phases()
        .rollback(session.ledger()?, &options)
        .await?;
    if args.common.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("report serialises")
        );
    } else {
        print!("{}", report.render_text());
    }
    if report.is_complete() {
        return Ok(());
    }
    Err(CliError::failure(format!(
        "{} records were not undone (listed above); fix what each says and run rollback again",
        report.refused.len()
    )))
}

/// `--objects tickets,customers`, checked against what rollback can undo.
fn kinds(names: &[String]) -> CliResult<Option<std::collections::BTreeSet<ObjectKind>>> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut kinds = std::collections::BTreeSet::new();
    for name in names {
        let name = name.trim();
        match ObjectKind::parse(name).filter(|k| rollback::UNDO_ORDER.contains(k)) {
            Some(kind) => {
                kinds.insert(kind);
            }
            None => {
                return Err(CliError::usage(format!(
                    "--objects: `{name}` is not a kind rollback undoes; use some of {}",
                    rollback::UNDO_ORDER
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    Ok(Some(kinds))
}
