//! The client against the Salesforce emulator (`deskshift_sim::salesforce`):
//! token → Tooling custom field + field permissions + standard picklist
//! values → describe → create / duplicate / upsert → query paging →
//! composite and collections → Bulk API 2.0 insert with results joined on
//! the external id.

use deskshift_core::engine::WriteError;
use deskshift_salesforce::client::bulk::{BulkIngest, BulkOperation, BulkOutcome};
use deskshift_salesforce::client::composite::Subrequest;
use deskshift_salesforce::client::tooling::NewPicklistValue;
use deskshift_salesforce::client::{Auth, ConnectOptions, SalesforceClient};
use deskshift_sim::salesforce::{RunningSalesforce, SalesforceConfig, SalesforceEmulator};
use futures::TryStreamExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::Duration;

async fn org() -> RunningSalesforce {
    let config = SalesforceConfig {
        query_batch_size: 3,
        bulk_delay: Duration::from_millis(50),
        ..SalesforceConfig::default()
    };
    SalesforceEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the Salesforce emulator starts")
}

async fn connect(org: &RunningSalesforce) -> SalesforceClient {
    let credentials = org.credentials();
    let mut options = ConnectOptions::new(
        org.url(),
        Auth::ClientCredentials {
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
        },
    );
    options.retry.min_delay = Duration::from_millis(10);
    SalesforceClient::connect(options)
        .await
        .expect("signs in to the emulator")
}

/// `Case.Legacy_Id__c`, unique external id, visible to the API user.
async fn prepare(client: &SalesforceClient) {
    client
        .create_custom_field(
            "Case.Legacy_Id__c",
            &json!({"label": "Legacy Id", "type": "Text", "length": 80,
                    "externalId": true, "unique": true, "caseSensitive": false}),
        )
        .await
        .expect("custom field created");
    let permission_set = client
        .profile_permission_set()
        .await
        .expect("the API user's profile permission set");
    let granted = client
        .grant_field_permissions(&permission_set, &["Case.Legacy_Id__c"], true)
        .await
        .expect("field permissions");
    assert!(granted[0].is_ok(), "{granted:?}");
}

#[tokio::test]
async fn token_describe_write_query_composite_and_bulk() {
    let org = org().await;
    let client = connect(&org).await;
    assert_eq!(client.user_id().await.unwrap(), org.api_user_id());
    prepare(&client).await;

    // Describe sees the new field.
    let case = client.describe("Case").await.unwrap();
    let legacy = case.field("Legacy_Id__c").expect("field in describe");
    assert!(legacy.external_id && legacy.unique, "{legacy:?}");

    // Standard picklist values.
    let added = client
        .add_standard_picklist_values("CaseOrigin", &[NewPicklistValue::new("Stames Chat")])
        .await
        .unwrap();
    assert_eq!(added, vec!["Stames Chat"]);
    let again = client
        .add_standard_picklist_values("CaseOrigin", &[NewPicklistValue::new("Stames Chat")])
        .await
        .unwrap();
    assert!(again.is_empty());

    // Create, repeated create (DUPLICATE_VALUE names the record), upsert.
    let record = json!({"Subject": "Printer on fire", "Status": "New",
                        "Origin": "Stames Chat", "Legacy_Id__c": "T-1"});
    let saved = client.create("Case", &record).await.unwrap();
    let duplicate = client.create("Case", &record).await.unwrap_err();
    assert_eq!(
        duplicate.duplicate_id(),
        Some(saved.id.as_str()),
        "{duplicate}"
    );
    assert!(matches!(
        duplicate.into_write_error(),
        WriteError::Refused(_)
    ));
    let upserted = client
        .upsert(
            "Case",
            "Legacy_Id__c",
            "T-1",
            &json!({"Subject": "Printer fixed"}),
        )
        .await
        .unwrap();
    assert_eq!(upserted.id, saved.id);
    assert!(!upserted.created);
    let fetched = client
        .get("Case", &saved.id, &["Subject"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched["Subject"], json!("Printer fixed"));

    // Collections: 7 more cases, one refused, in input order.
    let records: Vec<Value> = (2..=8)
        .map(|i| {
            if i == 5 {
                json!({"Subject": "bad", "Status": "No Such Status", "Origin": "Web", "Legacy_Id__c": "T-5"})
            } else {
                json!({"Subject": format!("case {i}"), "Status": "New", "Origin": "Web",
                       "Legacy_Id__c": format!("T-{i}")})
            }
        })
        .collect();
    let results = client.create_many("Case", &records).await;
    for (i, result) in results.iter().enumerate() {
        if i == 3 {
            let error = result.as_ref().unwrap_err();
            assert!(
                matches!(error.clone().into_write_error(), WriteError::Refused(_)),
                "{error}"
            );
        } else {
            assert!(result.is_ok(), "row {i}: {result:?}");
        }
    }

    // Query pages of 3 rows.
    let rows: Vec<Value> = client
        .query("SELECT Id, Legacy_Id__c FROM Case WHERE Legacy_Id__c != null")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 7, "{rows:?}");

    // Composite: an Account and a Contact referring to it.
    let responses = client
        .composite(
            true,
            &[
                Subrequest::new("POST", client.data_path("/sobjects/Account"), "acc")
                    .body(json!({"Name": "Acme"})),
                Subrequest::new("POST", client.data_path("/sobjects/Contact"), "con")
                    .body(json!({"LastName": "Ng", "AccountId": "@{acc.id}"})),
            ],
        )
        .await
        .unwrap();
    assert!(
        responses.iter().all(|r| r.error().is_none()),
        "{responses:?}"
    );

    // Bulk insert: results joined on the external id.
    let mut ingest = BulkIngest::new(
        "Case",
        BulkOperation::Insert,
        vec![
            "Legacy_Id__c".into(),
            "Subject".into(),
            "Status".into(),
            "Origin".into(),
        ],
        "Legacy_Id__c",
    )
    .unwrap();
    ingest.poll_min = Duration::from_millis(20);
    ingest.max_rows = 4;
    let input: Vec<Map<String, Value>> = (100..110)
        .map(|i| {
            let status = if i == 104 { "Bogus" } else { "New" };
            json!({"Legacy_Id__c": format!("B-{i}"), "Subject": format!("bulk, \"{i}\"\nline"),
                   "Status": status, "Origin": "Email"})
            .as_object()
            .cloned()
            .unwrap()
        })
        .collect();
    let mut results = Vec::new();
    let summary = ingest
        .run(&client, input, |r| results.push(r))
        .await
        .unwrap();
    assert_eq!(summary.jobs.len(), 3, "{summary:?}");
    assert_eq!((summary.saved, summary.failed, summary.missing), (9, 1, 0));
    let by_key: HashMap<String, BulkOutcome> =
        results.into_iter().map(|r| (r.key, r.outcome)).collect();
    assert!(matches!(&by_key["B-104"], BulkOutcome::Failed(_)));
    // Every saved id really holds its own key.
    for (key, outcome) in &by_key {
        if let BulkOutcome::Saved { id, created } = outcome {
            assert!(created);
            let row = client
                .get("Case", id, &["Legacy_Id__c", "Subject"])
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row["Legacy_Id__c"], json!(key));
            assert!(row["Subject"].as_str().unwrap().contains('\n'));
        }
    }

    // Nothing was auto-assigned: every call said Sforce-Auto-Assign: FALSE.
    assert!(org.auto_assignments().is_empty());
    org.shutdown().await;
}
