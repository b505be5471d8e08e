//! Builds the configured destination: the only place the binary names one.
//! Everything after works through `deskshift_core::destination::Destination`.

use crate::exit::{CliError, CliResult};
use crate::local::{all_unset, is_loopback};
use deskshift_core::destination::Destination;
use deskshift_core::project::Project;
use serde::Deserialize;

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
    let settings = &config.settings;
    match config.kind.as_str() {
        "gorgias" => gorgias(url, budget, read_settings(settings)?),
        "salesforce" => salesforce(url, budget, read_settings(settings)?),
        other => Err(CliError::usage(format!(
            "unknown destination kind `{other}` in deskshift.toml; expected one of {}",
            KNOWN.join(", ")
        ))),
    }
}

/// `[destination.settings]` for Gorgias.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GorgiasSettings {
    /// Tickets in flight at once.
    concurrency: Option<usize>,
    /// Create Gorgias users for agents without one (a seat and an invitation each).
    create_unmatched_users: Option<bool>,
    /// The Gorgias user (by e-mail) who stands in for agents without one.
    fallback_user_email: Option<String>,
}

/// `[destination.settings]` for Salesforce.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SalesforceSettings {
    /// REST API version, e.g. `v62.0`.
    api_version: Option<String>,
    /// Records of one object from which Bulk API 2.0 is used instead of
    /// sObject Collections.
    bulk_threshold: Option<usize>,
    /// Tickets per Bulk job.
    bulk_chunk: Option<usize>,
    /// The user (by e-mail) who owns Cases of agents without a user.
    fallback_owner_email: Option<String>,
    /// The Stames inbox address, for EmailMessage To/From.
    support_address: Option<String>,
}

/// Reads `[destination.settings]` into a destination's settings type; an
/// unknown key or a wrong type names itself.
fn read_settings<T: serde::de::DeserializeOwned + Default>(table: &toml::Table) -> CliResult<T> {
    if table.is_empty() {
        return Ok(T::default());
    }
    T::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| CliError::usage(format!("deskshift.toml: [destination.settings]: {e}")))
}

fn gorgias(
    url: &str,
    budget: Option<deskshift_http::Budget>,
    settings: GorgiasSettings,
) -> CliResult<Box<dyn Destination>> {
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
    if let Some(concurrency) = settings.concurrency {
        config.concurrency = concurrency.max(1);
    }
    if let Some(create) = settings.create_unmatched_users {
        config.users.create_unmatched_users = create;
    }
    config.users.fallback_user_email = settings.fallback_user_email;
    let destination = Gorgias::new(config).map_err(CliError::usage)?;
    Ok(Box::new(destination))
}

fn salesforce(
    url: &str,
    budget: Option<deskshift_http::Budget>,
    settings: SalesforceSettings,
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
    if let Some(version) = settings.api_version {
        config.api_version = version;
    }
    if let Some(threshold) = settings.bulk_threshold {
        config.bulk_threshold = threshold;
    }
    if let Some(chunk) = settings.bulk_chunk {
        config.bulk_chunk = chunk.max(1);
    }
    config.users.fallback_owner_email = settings.fallback_owner_email;
    config.support_address = settings.support_address;
    let destination = Salesforce::new(config).map_err(CliError::usage)?;
    Ok(Box::new(destination))
}
