//! Shared set-up for the Salesforce destination tests: the phases, project
//! and Stames side come from `deskshift_sim::harness` (shared with the
//! Gorgias tests); this adds the Salesforce emulator and a destination
//! pointed at it.

pub use deskshift_sim::harness::*;

use deskshift_salesforce::client::Auth;
use deskshift_salesforce::{Salesforce, SalesforceConfig};
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::{
    ExistingData, OrgSettings, RunningSalesforce, SalesforceConfig as SimConfig, SalesforceEmulator,
};
use std::time::Duration;

/// An org with audit fields granted (the setting a migration asks for).
pub async fn org(existing: ExistingData, faults: FaultSpec) -> RunningSalesforce {
    org_with(SimConfig {
        existing,
        faults,
        org: OrgSettings {
            set_audit_fields: true,
            ..OrgSettings::default()
        },
        ..SimConfig::default()
    })
    .await
}

pub async fn org_with(config: SimConfig) -> RunningSalesforce {
    let config = SimConfig {
        bulk_delay: Duration::from_millis(20),
        ..config
    };
    SalesforceEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("Salesforce emulator starts")
}

pub fn destination(org: &RunningSalesforce) -> Salesforce {
    destination_with(org, |_| {})
}

/// [`destination`] with its configuration adjusted by `adjust`.
pub fn destination_with(
    org: &RunningSalesforce,
    adjust: impl FnOnce(&mut SalesforceConfig),
) -> Salesforce {
    let accepted = org.credentials();
    let mut config = SalesforceConfig::new(
        org.url(),
        Auth::ClientCredentials {
            client_id: accepted.client_id.clone(),
            client_secret: accepted.client_secret.clone(),
        },
    );
    config.retry.min_delay = Duration::from_millis(10);
    config.retry.max_delay = Duration::from_millis(100);
    config.bulk_poll = Duration::from_millis(20);
    adjust(&mut config);
    Salesforce::new(config).expect("destination")
}

/// Every live record of `object` in the org's snapshot.
pub fn records<'s>(
    snapshot: &'s serde_json::Value,
    object: &str,
) -> impl Iterator<Item = &'s serde_json::Value> + 's {
    snapshot[object].as_array().into_iter().flatten()
}
