//! Builds the configured source. The only place the binary decides *which*
//! `Source` implementation runs; everything after works through the trait.

use crate::exit::{CliError, CliResult};
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

/// Credentials from the environment; on a loopback URL with nothing exported,
/// the emulator's documented defaults, so a local emulator needs no exports
/// while a real account always does.
fn credentials_for(url: &str) -> CliResult<Credentials> {
    match Credentials::from_env() {
        Ok(credentials) => Ok(credentials),
        Err(err) => {
            let unset = std::env::var_os("STAMES_ACCOUNT_ID").is_none()
                && std::env::var_os("STAMES_API_KEY").is_none();
            if unset && is_loopback(url) {
                let defaults = deskshift_sim::stames::Credentials::default();
                Ok(Credentials::new(defaults.account_id, defaults.api_key))
            } else {
                Err(CliError::usage(err))
            }
        }
    }
}

fn is_loopback(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:18080"));
        assert!(is_loopback("http://localhost:1/api"));
        assert!(is_loopback("http://[::1]:8080"));
        assert!(!is_loopback("https://acme.stames.app"));
        assert!(!is_loopback("https://127.example.com"));
    }
}
