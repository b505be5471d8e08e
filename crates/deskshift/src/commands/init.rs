//! `deskshift init`: create a project directory and its `deskshift.toml`.

use crate::cli::InitArgs;
use crate::exit::CliResult;
use deskshift_core::ledger::Ledger;
use deskshift_core::project::{Config, DestinationConfig, Project, SourceConfig};

pub fn run(args: InitArgs) -> CliResult {
    let source = match (args.source_url, args.source_export) {
        (Some(url), _) => SourceConfig::stames_api(url.trim_end_matches('/')),
        (None, Some(dir)) => SourceConfig::stames_export(dir),
        (None, None) => unreachable!("clap requires --source-url or --source-export"),
    };
    let config = Config {
        source,
        destination: DestinationConfig {
            kind: args.dest.as_str().to_string(),
            url: args.dest_url.map(|u| u.trim_end_matches('/').to_string()),
            budget: args.dest_budget,
            settings: Default::default(),
        },
        assist: None,
    };
    let project = Project::init(&args.common.project, config, args.force)?;
    // Create the ledger now so a broken location fails here, not mid-migration.
    Ledger::open(project.ledger_path())?;
    if args.common.json {
        println!(
            "{}",
            serde_json::json!({
                "project": project.dir,
                "config": project.dir.join(deskshift_core::project::CONFIG_FILE),
                "ledger": project.ledger_path(),
            })
        );
    } else {
        println!(
            "Created deskshift project in {} (destination: {}).\nNext: deskshift discover --project {}",
            project.dir.display(),
            project.config.destination.kind,
            project.dir.display()
        );
    }
    Ok(())
}
