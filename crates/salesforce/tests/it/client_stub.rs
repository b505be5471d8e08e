//! The Salesforce client against a tiny local server that answers with the
//! documented shapes (reference §1–§3): token, describe, create with
//! DUPLICATE_VALUE, upsert, query paging, collections, composite, Bulk API
//! 2.0 with shuffled results, session expiry, the daily-limit guard and
//! REQUEST_LIMIT_EXCEEDED. One dispatching handler keeps the stub readable.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use deskshift_core::engine::WriteError;
use deskshift_salesforce::client::bulk::{BulkIngest, BulkOperation, BulkOutcome};
use deskshift_salesforce::client::composite::Subrequest;
use deskshift_salesforce::client::{ApiError, Auth, ConnectOptions, SalesforceClient};
use futures::TryStreamExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Stub {
    base: String,
    tokens: u32,
    /// Tokens the stub treats as expired.
    expired: Vec<String>,
    /// `api-usage=N/M` sent on every answer.
    usage: (u64, u64),
    /// Answer every data call with 403 REQUEST_LIMIT_EXCEEDED.
    over_limit: bool,
    /// Legacy id → record id.
    cases: HashMap<String, String>,
    next_id: u32,
    /// Header values seen on writes.
    auto_assign: Vec<String>,
    duplicate_rule: Vec<String>,
    bulk_csv: String,
    bulk_state: String,
    /// Answers left to refuse with UNABLE_TO_LOCK_ROW.
    locked: u32,
    /// The last multipart body received.
    multipart: Vec<u8>,
}

type Shared = Arc<Mutex<Stub>>;

impl Stub {
    fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:0>15}", self.next_id)
    }
}

fn json_answer(status: StatusCode, usage: (u64, u64), body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        "Sforce-Limit-Info",
        format!("api-usage={}/{}", usage.0, usage.1)
            .parse()
            .unwrap(),
    );
    response
}

async fn handle(
    State(stub): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = stub.lock().unwrap();
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    if path == "/services/oauth2/token" {
        let form = String::from_utf8_lossy(&body).to_string();
        if !form.contains("client_secret=good-secret") {
            return json_answer(
                StatusCode::BAD_REQUEST,
                s.usage,
                json!({"error": "invalid_client", "error_description": "invalid client credentials"}),
            );
        }
        s.tokens += 1;
        let base = s.base.clone();
        return json_answer(
            StatusCode::OK,
            s.usage,
            json!({
                "access_token": format!("tok-{}", s.tokens),
                "instance_url": base,
                "id": format!("{base}/id/00D000000000001AAA/005000000000001AAA"),
                "token_type": "Bearer",
                "issued_at": "1700000000000",
                "signature": "sig"
            }),
        );
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string();
    if token.is_empty() || s.expired.contains(&token) {
        return json_answer(
            StatusCode::UNAUTHORIZED,
            s.usage,
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        );
    }
    if s.over_limit {
        return json_answer(
            StatusCode::FORBIDDEN,
            s.usage,
            json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]),
        );
    }
    s.usage.0 += 1;
    if method != Method::GET {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let (assign, rule) = (
            header("sforce-auto-assign"),
            header("sforce-duplicate-rule-header"),
        );
        s.auto_assign.push(assign);
        s.duplicate_rule.push(rule);
    }
    let usage = s.usage;
    let data = path
        .strip_prefix("/services/data/v62.0")
        .unwrap_or(&path)
        .to_string();
    let body_json = || serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    if s.locked > 0 && data.starts_with("/sobjects/Case") {
        s.locked -= 1;
        return json_answer(
            StatusCode::BAD_REQUEST,
            usage,
            json!([{"message": "unable to obtain exclusive access to this record", "errorCode": "UNABLE_TO_LOCK_ROW"}]),
        );
    }
    match (method.as_str(), data.as_str()) {
        ("PATCH", p) if p.starts_with("/sobjects/Case/500") => {
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/sobjects/ContentVersion") => {
            let kind = headers["content-type"].to_str().unwrap_or("").to_string();
            assert!(kind.starts_with("multipart/form-data"), "{kind}");
            s.multipart = body.to_vec();
            json_answer(
                StatusCode::CREATED,
                usage,
                json!({"id": "068000000000001AAA", "success": true, "errors": []}),
            )
        }
        ("GET", "/query") if query.contains("ContentVersion") => json_answer(
            StatusCode::OK,
            usage,
            json!({"totalSize": 1, "done": true,
                   "records": [{"attributes": {"type": "ContentVersion"}, "ContentDocumentId": "069000000000001AAA"}]}),
        ),
        ("GET", "/sobjects/Case/describe") => json_answer(
            StatusCode::OK,
            usage,
            json!({"name": "Case", "createable": true, "fields": [
                {"name": "Id", "type": "id", "nillable": false, "createable": false, "defaultedOnCreate": true},
                {"name": "Subject", "type": "string", "length": 255, "nillable": true, "createable": true},
                {"name": "Status", "type": "picklist", "nillable": false, "createable": true, "restrictedPicklist": true,
                 "picklistValues": [{"value": "New", "label": "New", "active": true, "defaultValue": true}]},
                {"name": "Legacy_Id__c", "type": "string", "length": 80, "nillable": true, "createable": true,
                 "externalId": true, "unique": true, "custom": true}
            ]}),
        ),
        ("POST", "/sobjects/Case") => {
            let record = body_json();
            let legacy = record["Legacy_Id__c"].as_str().unwrap_or("").to_string();
            if let Some(id) = s.cases.get(&legacy) {
                return json_answer(
                    StatusCode::BAD_REQUEST,
                    usage,
                    json!([{"message": format!("duplicate value found: Legacy_Id__c duplicates value on record with id: {id}"),
                            "errorCode": "DUPLICATE_VALUE", "fields": []}]),
                );
            }
            let id = s.new_id("500");
            s.cases.insert(legacy, id.clone());
            json_answer(
                StatusCode::CREATED,
                usage,
                json!({"id": id, "success": true, "errors": []}),
            )
        }
        ("PATCH", p) if p.starts_with("/sobjects/Case/Legacy_Id__c/") => {
            let legacy = p
                .trim_start_matches("/sobjects/Case/Legacy_Id__c/")
                .to_string();
            let legacy = legacy.replace("%20", " ");
            assert!(
                body_json().get("Legacy_Id__c").is_none(),
                "upsert body carries the key"
            );
            match s.cases.get(&legacy).cloned() {
                Some(id) => json_answer(
                    StatusCode::OK,
                    usage,
                    json!({"id": id, "success": true, "errors": [], "created": false}),
                ),
                None => {
                    let id = s.new_id("500");
                    s.cases.insert(legacy, id.clone());
                    json_answer(
                        StatusCode::CREATED,
                        usage,
                        json!({"id": id, "success": true, "errors": [], "created": true}),
                    )
                }
            }
        }
        ("GET", "/query") => {
            assert!(query.contains("q=SELECT"), "{query}");
            json_answer(
                StatusCode::OK,
                usage,
                json!({"totalSize": 3, "done": false,
                       "nextRecordsUrl": "/services/data/v62.0/query/01gXX-2",
                       "records": [{"attributes": {"type": "Case"}, "Id": "A"},
                                   {"attributes": {"type": "Case"}, "Id": "B"}]}),
            )
        }
        ("GET", "/query/01gXX-2") => json_answer(
            StatusCode::OK,
            usage,
            json!({"totalSize": 3, "done": true,
                   "records": [{"attributes": {"type": "Case"}, "Id": "C"}]}),
        ),
        ("POST", "/composite/sobjects") => {
            let request = body_json();
            assert_eq!(request["allOrNone"], json!(false));
            let records = request["records"].as_array().cloned().unwrap_or_default();
            let mut results = Vec::new();
            for record in records {
                assert_eq!(record["attributes"]["type"], json!("Contact"));
                if record.get("LastName").is_none() {
                    results.push(json!({"success": false, "errors": [
                        {"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}]}));
                } else {
                    let id = s.new_id("003");
                    results.push(json!({"id": id, "success": true, "errors": []}));
                }
            }
            json_answer(StatusCode::OK, usage, Value::Array(results))
        }
        ("POST", "/composite") => {
            let request = body_json();
            let subs = request["compositeRequest"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let answers: Vec<Value> = subs
                .iter()
                .map(|sub| {
                    json!({"body": {"id": "001000000000009AAA", "success": true, "errors": []},
                           "httpHeaders": {}, "httpStatusCode": 201,
                           "referenceId": sub["referenceId"]})
                })
                .collect();
            json_answer(StatusCode::OK, usage, json!({"compositeResponse": answers}))
        }
        ("POST", "/jobs/ingest") => {
            let request = body_json();
            assert_eq!(request["lineEnding"], json!("LF"));
            assert_eq!(request["externalIdFieldName"], json!("Legacy_Id__c"));
            assert!(request.get("assignmentRuleId").is_none());
            s.bulk_state = "Open".into();
            json_answer(
                StatusCode::OK,
                usage,
                json!({"id": "750000000000001AAA", "state": "Open", "object": "Case", "operation": "upsert"}),
            )
        }
        ("PUT", "/jobs/ingest/750000000000001AAA/batches") => {
            assert_eq!(headers["content-type"], "text/csv");
            s.bulk_csv = String::from_utf8_lossy(&body).to_string();
            StatusCode::CREATED.into_response()
        }
        ("PATCH", "/jobs/ingest/750000000000001AAA") => {
            let state = body_json()["state"].as_str().unwrap_or("").to_string();
            // Processing is instant here; a real org takes a while.
            s.bulk_state = if state == "UploadComplete" {
                "JobComplete".into()
            } else {
                state
            };
            json_answer(
                StatusCode::OK,
                usage,
                json!({"id": "750000000000001AAA", "state": s.bulk_state}),
            )
        }
        ("GET", "/jobs/ingest/750000000000001AAA") => json_answer(
            StatusCode::OK,
            usage,
            json!({"id": "750000000000001AAA", "state": s.bulk_state,
                   "numberRecordsProcessed": 3, "numberRecordsFailed": 1}),
        ),
        ("GET", results) if results.starts_with("/jobs/ingest/750000000000001AAA/") => {
            // Rows of the uploaded CSV, answered in reverse order; a row
            // without Subject fails.
            let mut reader = csv::Reader::from_reader(s.bulk_csv.as_bytes());
            let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
            let rows: Vec<Vec<String>> = reader
                .records()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .collect();
            let subject = header.iter().position(|h| h == "Subject").unwrap();
            let mut out = csv::Writer::from_writer(Vec::new());
            if results.contains("successfulResults") {
                out.write_record(
                    ["sf__Id", "sf__Created"]
                        .iter()
                        .map(|s| s.to_string())
                        .chain(header.clone()),
                )
                .unwrap();
                for (i, row) in rows.iter().enumerate().rev() {
                    if row[subject] != "#N/A" {
                        let mut line = vec![format!("500{i:0>15}"), "true".to_string()];
                        line.extend(row.clone());
                        out.write_record(line).unwrap();
                    }
                }
            } else if results.contains("failedResults") {
                out.write_record(
                    ["sf__Id", "sf__Error"]
                        .iter()
                        .map(|s| s.to_string())
                        .chain(header.clone()),
                )
                .unwrap();
                for row in rows.iter().filter(|r| r[subject] == "#N/A") {
                    let mut line = vec![
                        String::new(),
                        "REQUIRED_FIELD_MISSING:Required fields are missing: [Subject]:Subject --"
                            .to_string(),
                    ];
                    line.extend(row.clone());
                    out.write_record(line).unwrap();
                }
            } else {
                out.write_record(header).unwrap();
            }
            let csv = out.into_inner().unwrap();
            (StatusCode::OK, [("content-type", "text/csv")], csv).into_response()
        }
        _ => json_answer(
            StatusCode::NOT_FOUND,
            usage,
            json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]),
        ),
    }
}

async fn start(usage: (u64, u64)) -> (Shared, String) {
    let stub: Shared = Arc::new(Mutex::new(Stub {
        usage,
        ..Stub::default()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    stub.lock().unwrap().base = base.clone();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(stub.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (stub, base)
}

fn options(base: &str, secret: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(
        base,
        Auth::ClientCredentials {
            client_id: "cid".into(),
            client_secret: secret.into(),
        },
    );
    options.retry.min_delay = std::time::Duration::from_millis(10);
    options
}

#[tokio::test]
async fn sign_in_describe_create_duplicate_and_upsert() {
    let (stub, base) = start((10, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    assert_eq!(client.instance_url(), base);
    assert_eq!(client.user_id().await.unwrap(), "005000000000001AAA");

    let describe = client.describe("Case").await.unwrap();
    let required: Vec<&str> = describe
        .required_fields()
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(required, vec!["Status"]);
    assert_eq!(client.api_usage(), Some((11, 15000)));

    let record = json!({"Subject": "Hi", "Status": "New", "Legacy_Id__c": "T-1"});
    let saved = client.create("Case", &record).await.unwrap();
    assert!(saved.created);
    // A repeated insert names the record that holds the external id.
    let again = client.create("Case", &record).await.unwrap_err();
    assert_eq!(again.duplicate_id(), Some(saved.id.as_str()));
    assert!(matches!(again.into_write_error(), WriteError::Refused(_)));

    let upserted = client
        .upsert("Case", "Legacy_Id__c", "T-1", &record)
        .await
        .unwrap();
    assert_eq!(upserted.id, saved.id);
    assert!(!upserted.created);
    let inserted = client
        .upsert("Case", "Legacy_Id__c", "T 2", &json!({"Subject": "x"}))
        .await
        .unwrap();
    assert!(inserted.created);

    let s = stub.lock().unwrap();
    assert!(!s.auto_assign.is_empty());
    assert!(
        s.auto_assign.iter().all(|v| v == "FALSE"),
        "{:?}",
        s.auto_assign
    );
    assert!(s.duplicate_rule.iter().all(|v| v == "allowSave=true"));
}

#[tokio::test]
async fn bad_credentials_are_denied_without_echoing_the_secret() {
    let (_stub, base) = start((0, 15000)).await;
    let error = SalesforceClient::connect(options(&base, "WRONG-secret"))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, ApiError::Denied { .. }), "{text}");
    assert!(text.contains("invalid_client"), "{text}");
    assert!(!text.contains("WRONG-secret"), "{text}");
}

#[tokio::test]
async fn query_follows_next_records_url() {
    let (_stub, base) = start((0, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    let records: Vec<Value> = client
        .query("SELECT Id FROM Case")
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = records.iter().filter_map(|r| r["Id"].as_str()).collect();
    assert_eq!(ids, vec!["A", "B", "C"]);
}

#[tokio::test]
async fn collections_keep_input_order_and_per_record_errors() {
    let (_stub, base) = start((0, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    // 450 records: three calls of at most 200.
    let records: Vec<Value> = (0..450)
        .map(|i| {
            if i % 100 == 7 {
                json!({"FirstName": "no last name"})
            } else {
                json!({"LastName": format!("L{i}")})
            }
        })
        .collect();
    let results = client.create_many("Contact", &records).await;
    assert_eq!(results.len(), 450);
    for (i, result) in results.iter().enumerate() {
        if i % 100 == 7 {
            let error = result.as_ref().unwrap_err();
            assert_eq!(error.errors()[0].code, "REQUIRED_FIELD_MISSING");
        } else {
            assert!(result.as_ref().unwrap().created);
        }
    }

    let composite = client
        .composite(
            false,
            &[
                Subrequest::new("POST", client.data_path("/sobjects/Account"), "acc")
                    .body(json!({"Name": "Acme"})),
            ],
        )
        .await
        .unwrap();
    assert_eq!(composite[0].reference_id, "acc");
    assert!(composite[0].error().is_none());
    let too_many: Vec<Subrequest> = (0..26)
        .map(|i| Subrequest::new("GET", "/x", format!("r{i}")))
        .collect();
    assert!(matches!(
        client.composite(false, &too_many).await,
        Err(ApiError::Config(_))
    ));
}

#[tokio::test]
async fn bulk_upsert_joins_shuffled_results_on_the_key() {
    let (stub, base) = start((0, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    let mut ingest = BulkIngest::new(
        "Case",
        BulkOperation::Upsert {
            external_id_field: "Legacy_Id__c".into(),
        },
        vec!["Legacy_Id__c".into(), "Subject".into()],
        "Legacy_Id__c",
    )
    .unwrap();
    ingest.poll_min = std::time::Duration::from_millis(10);
    let records: Vec<Map<String, Value>> = [
        json!({"Legacy_Id__c": "T-0", "Subject": "plain"}),
        json!({"Legacy_Id__c": "T-1", "Subject": "comma, \"quote\"\nnewline"}),
        json!({"Legacy_Id__c": "T-2", "Subject": null}),
        json!({"Subject": "no key"}),
    ]
    .into_iter()
    .map(|v| v.as_object().cloned().unwrap())
    .collect();
    let mut results = Vec::new();
    let summary = ingest
        .run(&client, records, |r| results.push(r))
        .await
        .unwrap();
    assert_eq!(summary.jobs, vec!["750000000000001AAA"]);
    assert_eq!((summary.saved, summary.failed, summary.missing), (2, 2, 0));
    let by_key: HashMap<&str, &BulkOutcome> = results
        .iter()
        .map(|r| (r.key.as_str(), &r.outcome))
        .collect();
    // Row i got id 500…i: the join used the key, whatever the order.
    assert_eq!(
        by_key["T-0"],
        &BulkOutcome::Saved {
            id: format!("500{:0>15}", 0),
            created: true
        }
    );
    assert_eq!(
        by_key["T-1"],
        &BulkOutcome::Saved {
            id: format!("500{:0>15}", 1),
            created: true
        }
    );
    assert!(matches!(by_key["T-2"], BulkOutcome::Failed(e) if e.code == "REQUIRED_FIELD_MISSING"));
    assert!(matches!(by_key[""], BulkOutcome::Failed(e) if e.code == "DESKSHIFT_INVALID_KEY"));
    let csv = stub.lock().unwrap().bulk_csv.clone();
    assert_eq!(
        csv,
        "Legacy_Id__c,Subject\nT-0,plain\nT-1,\"comma, \"\"quote\"\"\nnewline\"\nT-2,#N/A\n"
    );
}

#[tokio::test]
async fn an_expired_session_signs_in_again_once() {
    let (stub, base) = start((0, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    stub.lock().unwrap().expired.push("tok-1".into());
    // Even a create may be repeated: the 401 refused it before anything.
    let saved = client
        .create("Case", &json!({"Subject": "x", "Legacy_Id__c": "T-9"}))
        .await
        .unwrap();
    assert!(saved.created);
    assert_eq!(stub.lock().unwrap().tokens, 2);

    // A bare access token cannot sign in again.
    let bare = SalesforceClient::connect(ConnectOptions::new(
        &base,
        Auth::AccessToken {
            instance_url: base.clone(),
            token: "tok-1".into(),
        },
    ))
    .await
    .unwrap();
    let error = bare.describe("Case").await.unwrap_err();
    assert!(
        error.to_string().contains("SALESFORCE_ACCESS_TOKEN"),
        "{error}"
    );
    assert!(!error.to_string().contains("tok-1"), "{error}");
}

#[tokio::test]
async fn the_daily_limit_stops_deskshift_first() {
    let (stub, base) = start((88, 100)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    // The token answer said 88/100; 90% may be used.
    client.describe("Case").await.unwrap(); // 89
    client.describe("Case").await.unwrap(); // 90
    let error = client.describe("Case").await.unwrap_err();
    assert!(
        matches!(&error, ApiError::Quota(m) if m.contains("90 of 100")),
        "{error}"
    );
    assert!(matches!(error.into_write_error(), WriteError::Fatal(_)));

    // And when the org is over its limit anyway, the error says what to do.
    let (stub2, base2) = start((0, 15000)).await;
    let other = SalesforceClient::connect(options(&base2, "good-secret"))
        .await
        .unwrap();
    stub2.lock().unwrap().over_limit = true;
    let error = other
        .create("Case", &json!({"Legacy_Id__c": "T-1"}))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ApiError::Quota(m) if m.contains("REQUEST_LIMIT_EXCEEDED") && m.contains("run the same command again")),
        "{error}"
    );
    drop(stub);
}

#[tokio::test]
async fn row_locks_are_retried_for_updates_and_uncertain_for_creates() {
    let (stub, base) = start((0, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    stub.lock().unwrap().locked = 1;
    client
        .update("Case", "500000000000001AAA", &json!({"Subject": "x"}))
        .await
        .unwrap();
    assert_eq!(stub.lock().unwrap().locked, 0);

    stub.lock().unwrap().locked = 1;
    let error = client
        .create("Case", &json!({"Legacy_Id__c": "T-5"}))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Locked { .. }), "{error}");
    assert!(matches!(error.into_write_error(), WriteError::Uncertain(_)));
}

#[tokio::test]
async fn content_versions_stream_the_file_as_multipart() {
    use deskshift_salesforce::client::FileSource;
    let (stub, base) = start((0, 15000)).await;
    let client = SalesforceClient::connect(options(&base, "good-secret"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, b"%PDF-1.4 fake bytes").unwrap();
    let file = FileSource::open(&path, "invoice.pdf", "application/pdf")
        .await
        .unwrap();
    let uploaded = client
        .upload_content_version(
            &json!({"Title": "invoice", "FirstPublishLocationId": "500000000000001AAA"}),
            &file,
        )
        .await
        .unwrap();
    assert_eq!(uploaded, "068000000000001AAA");
    assert_eq!(
        client.content_document_of(&uploaded).await.unwrap(),
        "069000000000001AAA"
    );
    let body = String::from_utf8_lossy(&stub.lock().unwrap().multipart).to_string();
    assert!(body.contains("name=\"entity_content\""), "{body}");
    assert!(body.contains("\"PathOnClient\":\"invoice.pdf\""), "{body}");
    assert!(
        body.contains("name=\"VersionData\"; filename=\"invoice.pdf\""),
        "{body}"
    );
    assert!(body.contains("%PDF-1.4 fake bytes"), "{body}");
}
