//! Side effects a load would trigger in the org (invariant 4), found
//! through the API before anything is written:
//!
//! | what | found with | handling | blocks |
//! |---|---|---|---|
//! | active Case assignment rules | SOQL on `AssignmentRule` | every call sends `Sforce-Auto-Assign: FALSE`, so none runs | no |
//! | active validation rules on the loaded objects | Tooling `ValidationRule` | a rule may refuse migrated records | yes |
//! | active Apex triggers on the loaded objects | Tooling `ApexTrigger` | a trigger may e-mail, re-own or change records | yes |
//! | audit fields | describe of `Case.CreatedDate` | where original times land | no |
//! | e-mail deliverability | (not exposed to the REST API) | a caution: inserting EmailMessages sends nothing, but a Flow might | no |
//!
//! Blocking ones refuse `migrate` (exit 4, from core's `preflight_gate`)
//! until they are deactivated in Setup or explicitly allowed.

use crate::client::soql::quote;
use crate::client::{ApiError, SalesforceClient};
use crate::map::schema;
use crate::prepare::LOADED_OBJECTS;
use crate::writer::api_failure;
use deskshift_core::destination::{DestinationError, SideEffect};
use futures::TryStreamExt;
use serde_json::Value;

/// The custom object deskshift loads besides the standard ones.
const OWN_OBJECTS: [&str; 1] = [schema::STATUS_EVENT];

pub async fn side_effects(client: &SalesforceClient) -> Result<Vec<SideEffect>, DestinationError> {
    let mut effects = Vec::new();
    effects.extend(validation_rules(client).await?);
    effects.extend(triggers(client).await?);
    effects.extend(assignment_rules(client).await?);
    effects.push(audit_fields(client).await?);
    effects.push(deliverability());
    // Blocking ones first, as the trait asks.
    effects.sort_by_key(|e| !e.blocking);
    Ok(effects)
}

fn loaded(object: &str) -> bool {
    LOADED_OBJECTS
        .iter()
        .chain(OWN_OBJECTS.iter())
        .any(|o| o.eq_ignore_ascii_case(object))
}

fn text(row: &Value, field: &str) -> String {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

async fn tooling_rows(client: &SalesforceClient, soql: &str) -> Result<Vec<Value>, ApiError> {
    client.tooling_query(soql).try_collect().await
}

async fn validation_rules(client: &SalesforceClient) -> Result<Vec<SideEffect>, DestinationError> {
    let rows = tooling_rows(
        client,
        "SELECT Id, ValidationName, EntityDefinitionId, ErrorMessage FROM ValidationRule \
         WHERE Active = true",
    )
    .await
    .map_err(|e| api_failure("list the org's validation rules (Tooling API)", e))?;
    Ok(rows
        .iter()
        .filter(|r| loaded(&text(r, "EntityDefinitionId")))
        .map(|r| {
            let object = text(r, "EntityDefinitionId");
            SideEffect {
                kind: "validation_rule".into(),
                id: text(r, "Id"),
                name: format!("{object}.{}", text(r, "ValidationName")),
                effect: format!(
                    "refuses migrated {object} records it does not accept (\"{}\")",
                    text(r, "ErrorMessage")
                ),
                handling: "blocks the load: deactivate it in Setup → Object Manager → \
                           Validation Rules for the migration, or allow it with \
                           `--allow-active-rules` (its refusals then become rejects)"
                    .into(),
                blocking: true,
            }
        })
        .collect())
}

async fn triggers(client: &SalesforceClient) -> Result<Vec<SideEffect>, DestinationError> {
    let rows = tooling_rows(
        client,
        "SELECT Id, Name, TableEnumOrId, Status FROM ApexTrigger WHERE Status = 'Active'",
    )
    .await
    .map_err(|e| api_failure("list the org's Apex triggers (Tooling API)", e))?;
    Ok(rows
        .iter()
        .filter(|r| loaded(&text(r, "TableEnumOrId")))
        .map(|r| {
            let object = text(r, "TableEnumOrId");
            SideEffect {
                kind: "apex_trigger".into(),
                id: text(r, "Id"),
                name: text(r, "Name"),
                effect: format!(
                    "runs on every migrated {object}: it may send e-mail, re-own, change or \
                     refuse records"
                ),
                handling: "blocks the load: deactivate it (in a sandbox, deploy it inactive) \
                           for the migration, or allow it with `--allow-active-rules`"
                    .into(),
                blocking: true,
            }
        })
        .collect())
}

async fn assignment_rules(client: &SalesforceClient) -> Result<Vec<SideEffect>, DestinationError> {
    let soql = format!(
        "SELECT Id, Name FROM AssignmentRule WHERE SobjectType = {} AND Active = true",
        quote(schema::CASE)
    );
    let rows: Vec<Value> = client
        .query(&soql)
        .try_collect()
        .await
        .map_err(|e| api_failure("list the org's Case assignment rules", e))?;
    Ok(rows
        .iter()
        .map(|r| SideEffect {
            kind: "assignment_rule".into(),
            id: text(r, "Id"),
            name: text(r, "Name"),
            effect: "would re-own every inserted Case and notify the new owner".into(),
            handling: "handled: every call sends `Sforce-Auto-Assign: FALSE`, so it does not run"
                .into(),
            blocking: false,
        })
        .collect())
}

async fn audit_fields(client: &SalesforceClient) -> Result<SideEffect, DestinationError> {
    let case = client
        .describe(schema::CASE)
        .await
        .map_err(|e| api_failure("describe Case", e))?;
    let on = case.field("CreatedDate").is_some_and(|f| f.createable);
    Ok(SideEffect {
        kind: "audit_fields".into(),
        id: "Case.CreatedDate".into(),
        name: "Set Audit Fields upon Record Creation".into(),
        effect: if on {
            "granted: original creation times and authors are set in CreatedDate/CreatedById".into()
        } else {
            "not granted: Salesforce stamps the load time as CreatedDate".into()
        },
        handling: if on {
            "nothing to do".into()
        } else {
            format!(
                "original times are kept in {} (and MessageDate); to set CreatedDate, enable \
                 the permission for the migration user before migrate",
                schema::CREATED_DATE
            )
        },
        blocking: false,
    })
}

fn deliverability() -> SideEffect {
    SideEffect {
        kind: "email_deliverability".into(),
        id: "Setup.Deliverability".into(),
        name: "E-mail deliverability".into(),
        effect: "inserting EmailMessages with Status Sent sends nothing, but a Flow or workflow \
                 e-mail alert on Case or EmailMessage could"
            .into(),
        handling: "caution: set Setup → Deliverability → Access level to \"System email only\" \
                   for the migration (the API cannot read it)"
            .into(),
        blocking: false,
    }
}
