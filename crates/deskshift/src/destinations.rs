//! Builds the configured destination: the only place the binary names one.
//! Everything after works through `deskshift_core::destination::Destination`.

use crate::exit::{CliError, CliResult};
use crate::local::{all_unset, is_loopback};
use deskshift_core::destination::Destination;
use deskshift_core::project::Project;

/// The destinations this build knows, as `deskshift.toml` spells them.
pub const KNOWN: [&str; 2] = ["gorgias", "salesforce"];

pub fn open(project: &Project) -> CliResult<Box<dyn Destination>> {
    let config = &project.config.destination;
    let url = config.url.as_deref().ok_or_else(|| {
        CliError::usage(format!(
            "{}: [destination] has no `url`; set it to the destination's base URL \
             (e.g. https://acme.gorgias.com) or re-run `deskshift init --dest-url URL --force`",
            project
                .dir
                .join(deskshift_core::project::CONFIG_FILE)
                .display()
        ))
    })?;
    let budget = config
        .budget
        .as_deref()
        .map(|text| {
            text.parse::<deskshift_http::Budget>().map_err(|e| {
                CliError::usage(format!(
                    "deskshift.toml: [destination] budget = \"{text}\": {e}"
                ))
            })
        })
        .transpose()?;
    match config.kind.as_str() {
        "gorgias" => gorgias(url, budget),
        "salesforce" => salesforce(url, budget),
        other => Err(CliError::usage(format!(
            "unknown destination kind `{other}` in deskshift.toml; expected one of {}",
            KNOWN.join(", ")
        ))),
    }
}

fn gorgias(url: &str, budget: Option<deskshift_http::Budget>) -> CliResult<Box<dyn Destination>> {
    use deskshift_gorgias::{Credentials, Gorgias, GorgiasConfig};
    let credentials = match Credentials::from_env() {
        Ok(credentials) => credentials,
        Err(_) if all_unset(&["GORGIAS_EMAIL", "GORGIAS_API_KEY"]) && is_loopback(url) => {
            let defaults = deskshift_sim::gorgias::Credentials::default();
            Credentials::new(defaults.email, defaults.api_key)
        }
        Err(err) => return Err(CliError::usage(err)),
    };
    let mut config = GorgiasConfig::new(url, credentials);
    if budget.is_some() {
        config.budget = budget;
    }
    let destination = Gorgias::new(config).map_err(CliError::usage)?;
    Ok(Box::new(destination))
}

fn salesforce(
    url: &str,
    budget: Option<deskshift_http::Budget>,
) -> CliResult<Box<dyn Destination>> {
    use deskshift_salesforce::client::Auth;
    use deskshift_salesforce::{Salesforce, SalesforceConfig};
    use deskshift_sim::salesforce as sim;
    let auth = match Auth::from_env() {
        Ok(auth) => auth,
        Err(_) if all_unset(&[sim::ENV_CLIENT_ID, sim::ENV_CLIENT_SECRET]) && is_loopback(url) => {
            let defaults = sim::Credentials::default();
            Auth::ClientCredentials {
                client_id: defaults.client_id,
                client_secret: defaults.client_secret,
            }
        }
        Err(err) => return Err(CliError::usage(err)),
    };
    let mut config = SalesforceConfig::new(url, auth);
    config.budget = budget;
    let destination = Salesforce::new(config).map_err(CliError::usage)?;
    Ok(Box::new(destination))
}
