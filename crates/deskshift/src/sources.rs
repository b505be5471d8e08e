//! Builds the configured source. The only place the binary decides *which*
//! `Source` implementation runs; everything after works through the trait.

use crate::exit::{CliError, CliResult};
use crate::local::{all_unset, is_loopback};
use deskshift_core::project::{Project, SourceLocation};
use deskshift_core::source::Source;
use deskshift_stames::{Credentials, ExportBundle, StamesApi, StamesOptions};

pub fn open(project: &Project) -> CliResult<Box<dyn Source>> {
    let location = project.config.source.location().map_err(CliError::usage)?;
    match location {
        SourceLocation::StamesApi { url, concurrency } => {
            let credentials = credentials_for(&url)?;
            let options = StamesOptions {
                concurrency,
                ..StamesOptions::default()
            };
            let api = StamesApi::new(&url, credentials, options).map_err(CliError::usage)?;
            Ok(Box::new(api))
        }
        SourceLocation::StamesExport { dir } => {
            let bundle = ExportBundle::open(&project.resolve(&dir))?;
            Ok(Box::new(bundle))
        }
    }
}

/// Credentials from the environment, or the emulator's defaults under the
/// loopback rule (`crate::local`).
fn credentials_for(url: &str) -> CliResult<Credentials> {
    match Credentials::from_env() {
        Ok(credentials) => Ok(credentials),
        Err(err) => {
            if all_unset(&["STAMES_ACCOUNT_ID", "STAMES_API_KEY"]) && is_loopback(url) {
                let defaults = deskshift_sim::stames::Credentials::default();
                Ok(Credentials::new(defaults.account_id, defaults.api_key))
            } else {
                Err(CliError::usage(err))
            }
        }
    }
}
