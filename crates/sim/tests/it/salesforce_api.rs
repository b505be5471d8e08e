//! The Salesforce emulator's platform rules, over HTTP with reqwest.

use deskshift_sim::salesforce::{
    AssignmentRuleSeed, ExistingData, OrgSettings, RunningSalesforce, SalesforceConfig,
    SalesforceEmulator,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const V: &str = "/services/data/v62.0";

struct Org {
    org: RunningSalesforce,
    http: Client,
    token: String,
}

impl Org {
    async fn start(config: SalesforceConfig) -> Org {
        let org = SalesforceEmulator::start(
            SalesforceConfig {
                bulk_delay: Duration::from_millis(20),
                ..config
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let http = Client::new();
        let creds = org.credentials().clone();
        let token: Value = http
            .post(format!("{}/services/oauth2/token", org.url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &creds.client_id),
                ("client_secret", &creds.client_secret),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_string();
        Org { org, http, token }
    }

    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{V}{path}", self.org.url()))
            .bearer_auth(&self.token)
            .header("Sforce-Auto-Assign", "FALSE")
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut r = self.req(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn create(&self, object: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, &format!("/sobjects/{object}"), Some(body))
            .await
    }

    async fn query(&self, soql: &str) -> Value {
        let resp = self
            .req(Method::GET, "/query")
            .query(&[("q", soql)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }
}

fn code(body: &Value) -> &str {
    body[0]["errorCode"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn auth_versions_and_errors_have_the_documented_shapes() {
    let o = Org::start(SalesforceConfig::default()).await;
    let url = o.org.url();
    let bad: Value = o
        .http
        .post(format!("{url}/services/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "x"),
            ("client_secret", "y"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad["error"], "invalid_client");
    let resp = o
        .http
        .get(format!("{url}{V}/sobjects"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("sforce-limit-info"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code(&body), "INVALID_SESSION_ID");
    let versions: Value = o
        .http
        .get(format!("{url}/services/data/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 28);
    let resp = o
        .http
        .get(format!("{url}/services/data/v39.0/sobjects"))
        .bearer_auth(&o.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let (status, body) = o
        .call(Method::GET, "/sobjects/Nope__c/describe", None)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let resp = o
        .req(Method::POST, "/sobjects/Account")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        code(&resp.json::<Value>().await.unwrap()),
        "JSON_PARSER_ERROR"
    );
    let (status, body) = o.create("CaseHistory", json!({"Field": "Status"})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_TYPE_FOR_OPERATION")
    );
    let (_, body) = o
        .create("Contact", json!({"LastName": "x", "Tags__c": ["a"]}))
        .await;
    assert_eq!(code(&body), "INVALID_FIELD");
    let (_, body) = o.create("Contact", json!({"LastName": ["x"]})).await;
    assert_eq!(code(&body), "JSON_PARSER_ERROR");
    let (_, body) = o
        .create("Contact", json!({"LastName": "x".repeat(81)}))
        .await;
    assert_eq!(code(&body), "STRING_TOO_LONG");
    o.org.shutdown().await;
}

#[tokio::test]
async fn daily_limit_answers_403_and_limit_info_counts() {
    let o = Org::start(SalesforceConfig {
        daily_limit: 3,
        ..SalesforceConfig::default()
    })
    .await;
    for expected in 1..=3 {
        let resp = o.req(Method::GET, "/limits").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["sforce-limit-info"],
            format!("api-usage={expected}/3").as_str()
        );
    }
    let resp = o.req(Method::GET, "/limits").send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "REQUEST_LIMIT_EXCEEDED");
    assert_eq!(body[0]["message"], "TotalRequests Limit exceeded.");
    assert_eq!(o.org.stats().limited, 1);
    o.org.shutdown().await;
}

#[tokio::test]
async fn upsert_answers_201_200_300_and_404() {
    let o = Org::start(SalesforceConfig::default()).await;
    let (status, _) = o
        .call(Method::POST, "/tooling/sobjects/CustomField", Some(json!({
            "FullName": "Account.Legacy_Id__c",
            "Metadata": {"label": "Legacy Id", "type": "Text", "length": 40, "externalId": true},
        })))
        .await;
    assert_eq!(status, 201);
    // Invisible until field-level security grants it.
    let (status, body) = o
        .call(
            Method::PATCH,
            "/sobjects/Account/Legacy_Id__c/A1",
            Some(json!({"Name": "A"})),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    grant(&o, "Account.Legacy_Id__c").await;
    let (status, body) = o
        .call(
            Method::PATCH,
            "/sobjects/Account/Legacy_Id__c/A1",
            Some(json!({"Name": "A"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["created"], true);
    let (status, body) = o
        .call(
            Method::PATCH,
            "/sobjects/Account/Legacy_Id__c/A1",
            Some(json!({"Name": "B"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["created"], false);
    // Not unique: a second record with the same value makes the key ambiguous.
    o.create("Account", json!({"Name": "C", "Legacy_Id__c": "A1"}))
        .await;
    let (status, body) = o
        .call(
            Method::PATCH,
            "/sobjects/Account/Legacy_Id__c/A1",
            Some(json!({"Name": "D"})),
        )
        .await;
    assert_eq!(status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(body.as_array().unwrap().len(), 2);
    let (status, _) = o
        .call(
            Method::PATCH,
            "/sobjects/Account/Name/A1",
            Some(json!({"Phone": "1"})),
        )
        .await;
    assert_eq!(status, 404);
    o.org.shutdown().await;
}

/// The migration permission set's id, found the way a client finds it.
async fn permission_set(o: &Org) -> String {
    let user = o.org.api_user_id();
    let rows = o
        .query(&format!("SELECT PermissionSetId, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId = '{user}' AND PermissionSet.Name = 'Deskshift_Migration'"))
        .await;
    rows["records"][0]["PermissionSetId"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn grant(o: &Org, field: &str) {
    let set = permission_set(o).await;
    let (object, _) = field.split_once('.').unwrap();
    let (status, body) = o
        .create("FieldPermissions", json!({"ParentId": set, "SobjectType": object, "Field": field, "PermissionsRead": true, "PermissionsEdit": true}))
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn custom_fields_are_hidden_until_field_permissions_grant_them() {
    let o = Org::start(SalesforceConfig::default()).await;
    let (status, _) = o
        .call(Method::POST, "/tooling/sobjects/CustomField", Some(json!({
            "FullName": "Case.Stames_Ticket_Id__c",
            "Metadata": {"label": "Stames Ticket Id", "type": "Text", "length": 255, "externalId": true, "unique": true},
        })))
        .await;
    assert_eq!(status, 201);
    let (_, body) = o
        .create(
            "Case",
            json!({"Subject": "s", "Stames_Ticket_Id__c": "T-1"}),
        )
        .await;
    assert_eq!(code(&body), "INVALID_FIELD");
    assert_eq!(
        body[0]["message"],
        "No such column 'Stames_Ticket_Id__c' on sobject of type Case"
    );
    let (_, describe) = o.call(Method::GET, "/sobjects/Case/describe", None).await;
    assert!(!describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Stames_Ticket_Id__c"));
    let tooling = o
        .req(Method::GET, "/tooling/query")
        .query(&[(
            "q",
            "SELECT Id, DeveloperName FROM CustomField WHERE TableEnumOrId = 'Case'",
        )])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(tooling["records"][0]["DeveloperName"], "Stames_Ticket_Id");
    grant(&o, "Case.Stames_Ticket_Id__c").await;
    let (status, first) = o
        .create(
            "Case",
            json!({"Subject": "s", "Stames_Ticket_Id__c": "T-1"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, body) = o
        .create(
            "Case",
            json!({"Subject": "again", "Stames_Ticket_Id__c": "t-1"}),
        )
        .await;
    assert_eq!(code(&body), "DUPLICATE_VALUE");
    assert_eq!(
        body[0]["message"],
        format!(
            "duplicate value found: Stames_Ticket_Id__c duplicates value on record with id: {}",
            first["id"].as_str().unwrap()
        )
    );
    // A standard picklist extended through the Tooling API.
    let set = o
        .req(Method::GET, "/tooling/query")
        .query(&[(
            "q",
            "SELECT Id FROM StandardValueSet WHERE MasterLabel = 'CaseStatus'",
        )])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let id = set["records"][0]["Id"].as_str().unwrap();
    let (_, body) = o
        .create("Case", json!({"Subject": "p", "Status": "Pending"}))
        .await;
    assert_eq!(code(&body), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    let values: Vec<Value> = ["New", "Working", "Escalated", "Pending", "Closed"]
        .iter()
        .map(|v| json!({"fullName": v, "label": v, "default": *v == "New", "closed": *v == "Closed"}))
        .collect();
    let (status, _) = o
        .call(
            Method::PATCH,
            &format!("/tooling/sobjects/StandardValueSet/{id}"),
            Some(json!({"Metadata": {"standardValue": values, "sorted": false}})),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = o
        .create("Case", json!({"Subject": "p", "Status": "Pending"}))
        .await;
    assert_eq!(status, 201);
    o.org.shutdown().await;
}

#[tokio::test]
async fn audit_fields_only_on_insert_and_only_with_the_org_setting() {
    let off = Org::start(SalesforceConfig::default()).await;
    let (_, body) = off
        .create(
            "Account",
            json!({"Name": "a", "CreatedDate": "2019-05-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(code(&body), "INVALID_FIELD_FOR_INSERT_UPDATE");
    off.org.shutdown().await;

    let on = Org::start(SalesforceConfig {
        org: OrgSettings {
            set_audit_fields: true,
            ..OrgSettings::default()
        },
        ..SalesforceConfig::default()
    })
    .await;
    let (status, body) = on
        .create(
            "Account",
            json!({"Name": "a", "CreatedDate": "2019-05-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(status, 201);
    let id = body["id"].as_str().unwrap();
    let (_, record) = on
        .call(
            Method::GET,
            &format!("/sobjects/Account/{id}?fields=CreatedDate,Name"),
            None,
        )
        .await;
    assert_eq!(record["CreatedDate"], "2019-05-01T10:00:00.000+0000");
    let (_, body) = on
        .call(
            Method::PATCH,
            &format!("/sobjects/Account/{id}"),
            Some(json!({"CreatedDate": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(code(&body), "INVALID_FIELD_FOR_INSERT_UPDATE");
    let rows = on
        .query("SELECT Id FROM Account WHERE CreatedDate < 2020-01-01T00:00:00Z")
        .await;
    assert_eq!(rows["totalSize"], 1);
    on.org.shutdown().await;
}

#[tokio::test]
async fn auto_assign_reowns_cases_unless_the_header_says_false() {
    let o = Org::start(SalesforceConfig {
        existing: ExistingData {
            assignment_rules: vec![AssignmentRuleSeed {
                name: "Standard".into(),
                active: true,
                assign_to_user: None,
            }],
            ..ExistingData::default()
        },
        ..SalesforceConfig::default()
    })
    .await;
    let me = o.org.api_user_id();
    let (_, quiet) = o.create("Case", json!({"Subject": "with FALSE"})).await;
    let (_, record) = o
        .call(
            Method::GET,
            &format!("/sobjects/Case/{}", quiet["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(record["OwnerId"], me.as_str());
    assert!(o.org.auto_assignments().is_empty());
    // No header: TRUE by default.
    let resp = o
        .http
        .post(format!("{}{V}/sobjects/Case", o.org.url()))
        .bearer_auth(&o.token)
        .json(&json!({"Subject": "default header"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let assigned = o.org.auto_assignments();
    assert_eq!(assigned.len(), 1);
    assert!(assigned[0].new_owner.starts_with("00G"), "{assigned:?}");
    let rules = o.query("SELECT Id, Name, Active FROM AssignmentRule WHERE SobjectType = 'Case' AND Active = true").await;
    assert_eq!(rules["totalSize"], 1);
    o.org.shutdown().await;
}

#[tokio::test]
async fn email_messages_lock_once_sent_and_comments_cap_bytes() {
    let o = Org::start(SalesforceConfig::default()).await;
    let (_, case) = o.create("Case", json!({"Subject": "c"})).await;
    let case_id = case["id"].as_str().unwrap();
    let (status, sent) = o
        .create("EmailMessage", json!({"ParentId": case_id, "Subject": "hi", "TextBody": "b", "Incoming": true, "Status": "3", "MessageDate": "2023-02-01T09:00:00Z"}))
        .await;
    assert_eq!(status, 201);
    let (_, body) = o
        .call(
            Method::PATCH,
            &format!("/sobjects/EmailMessage/{}", sent["id"].as_str().unwrap()),
            Some(json!({"Subject": "edited"})),
        )
        .await;
    assert_eq!(code(&body), "INSUFFICIENT_ACCESS_OR_READONLY");
    let (_, draft) = o
        .create(
            "EmailMessage",
            json!({"ParentId": case_id, "Subject": "d", "Status": "5"}),
        )
        .await;
    let (status, _) = o
        .call(
            Method::PATCH,
            &format!("/sobjects/EmailMessage/{}", draft["id"].as_str().unwrap()),
            Some(json!({"Subject": "edited"})),
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = o
        .create(
            "CaseComment",
            json!({"ParentId": case_id, "CommentBody": "é".repeat(2001)}),
        )
        .await;
    assert_eq!(code(&body), "STRING_TOO_LONG");
    // A file: the version creates its document and links it to the case.
    let (status, version) = o
        .create("ContentVersion", json!({"Title": "log", "PathOnClient": "log.txt", "VersionData": "aGVsbG8=", "FirstPublishLocationId": case_id}))
        .await;
    assert_eq!(status, 201);
    let version_id = version["id"].as_str().unwrap();
    let row = o
        .query(&format!(
            "SELECT ContentDocumentId, ContentSize FROM ContentVersion WHERE Id = '{version_id}'"
        ))
        .await;
    assert_eq!(row["records"][0]["ContentSize"], 5);
    let links = o
        .query(&format!(
            "SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{case_id}'"
        ))
        .await;
    assert_eq!(links["totalSize"], 1);
    let bytes = o
        .req(
            Method::GET,
            &format!("/sobjects/ContentVersion/{version_id}/VersionData"),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"hello");
    // Deleting the case takes its e-mails and links with it.
    let (status, _) = o
        .call(Method::DELETE, &format!("/sobjects/Case/{case_id}"), None)
        .await;
    assert_eq!(status, 204);
    let left = o
        .query(&format!(
            "SELECT COUNT() FROM EmailMessage WHERE ParentId = '{case_id}'"
        ))
        .await;
    assert_eq!(left["totalSize"], 0);
    o.org.shutdown().await;
}

#[tokio::test]
async fn collections_and_composite_roll_back_with_all_or_none() {
    let o = Org::start(SalesforceConfig::default()).await;
    let (status, body) = o
        .call(
            Method::POST,
            "/composite/sobjects",
            Some(json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Contact"}, "LastName": "ok"},
                {"attributes": {"type": "Contact"}, "FirstName": "no last name"},
            ]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(o.query("SELECT COUNT() FROM Contact").await["totalSize"], 0);
    let (_, body) = o
        .call(
            Method::POST,
            "/composite/sobjects",
            Some(json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Contact"}, "LastName": "ok"},
                {"attributes": {"type": "Contact"}, "FirstName": "no last name"},
            ]})),
        )
        .await;
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[1]["success"], false);
    let request = |all_or_none: bool| {
        json!({"allOrNone": all_or_none, "compositeRequest": [
            {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "acct", "body": {"Name": "Ref Inc"}},
            {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "ct", "body": {"LastName": "Ref", "AccountId": "@{acct.id}"}},
            {"method": "GET", "url": format!("{V}/query?q=SELECT+Id+FROM+Contact+WHERE+AccountId+=+'@{{acct.id}}'"), "referenceId": "q"},
            {"method": "PATCH", "url": format!("{V}/sobjects/Contact/@{{q.records[0].Id}}"), "referenceId": "upd", "body": {"Title": "T"}},
            {"method": "POST", "url": format!("{V}/sobjects/Case"), "referenceId": "bad", "body": {"Status": "Bogus"}},
        ]})
    };
    let (_, body) = o
        .call(Method::POST, "/composite", Some(request(true)))
        .await;
    let answers = body["compositeResponse"].as_array().unwrap();
    assert_eq!(answers[4]["httpStatusCode"], 400);
    assert_eq!(answers[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(o.query("SELECT COUNT() FROM Account").await["totalSize"], 0);
    let (_, body) = o
        .call(Method::POST, "/composite", Some(request(false)))
        .await;
    let answers = body["compositeResponse"].as_array().unwrap();
    assert_eq!(answers[0]["httpStatusCode"], 201);
    assert_eq!(answers[3]["httpStatusCode"], 204);
    assert_eq!(
        o.query("SELECT Title, Account.Name FROM Contact WHERE Title = 'T'")
            .await["records"][0]["Account"]["Name"],
        "Ref Inc"
    );
    o.org.shutdown().await;
}

async fn bulk_job(o: &Org, create: Value, csv: &str) -> Value {
    let (status, job) = o.call(Method::POST, "/jobs/ingest", Some(create)).await;
    assert_eq!(status, 200, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let resp = o
        .req(Method::PUT, &format!("/jobs/ingest/{id}/batches"))
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let (_, closed) = o
        .call(
            Method::PATCH,
            &format!("/jobs/ingest/{id}"),
            Some(json!({"state": "UploadComplete"})),
        )
        .await;
    assert_eq!(closed["state"], "UploadComplete");
    for _ in 0..200 {
        let (_, info) = o
            .call(Method::GET, &format!("/jobs/ingest/{id}"), None)
            .await;
        if info["state"] == "JobComplete" || info["state"] == "Failed" {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} did not finish");
}

async fn results(o: &Org, id: &str, kind: &str) -> Vec<Vec<String>> {
    let text = o
        .req(Method::GET, &format!("/jobs/ingest/{id}/{kind}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn bulk_results_are_not_in_input_order_and_resolve_relationships() {
    let o = Org::start(SalesforceConfig::default()).await;
    o.call(Method::POST, "/tooling/sobjects/CustomField", Some(json!({"FullName": "Case.Stames_Ticket_Id__c", "Metadata": {"label": "T", "type": "Text", "length": 80, "externalId": true, "unique": true}}))).await;
    grant(&o, "Case.Stames_Ticket_Id__c").await;
    let mut csv = String::from("Subject,Stames_Ticket_Id__c,Priority\n");
    for i in 0..30 {
        csv.push_str(&format!("Ticket {i},T-{i},#N/A\n"));
    }
    let info = bulk_job(
        &o,
        json!({"object": "Case", "operation": "insert", "lineEnding": "LF"}),
        &csv,
    )
    .await;
    assert_eq!(info["numberRecordsProcessed"], 30);
    let ok = results(&o, info["id"].as_str().unwrap(), "successfulResults").await;
    let keys: Vec<String> = ok.iter().map(|r| r[3].clone()).collect();
    let input: Vec<String> = (0..30).map(|i| format!("T-{i}")).collect();
    assert_ne!(keys, input, "results must not come back in input order");
    let mut sorted = keys.clone();
    sorted.sort_by_key(|k| k[2..].parse::<u32>().unwrap());
    assert_eq!(sorted, input);
    // Children by the parent's external id; an unknown one fails its row only.
    let info = bulk_job(
        &o,
        json!({"object": "CaseComment", "operation": "insert"}),
        "Parent.Stames_Ticket_Id__c,CommentBody\nT-3,first\nT-404,orphan\n",
    )
    .await;
    assert_eq!(
        (
            info["numberRecordsProcessed"].as_u64(),
            info["numberRecordsFailed"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let failed = results(&o, info["id"].as_str().unwrap(), "failedResults").await;
    assert!(
        failed[0][1].starts_with("INVALID_FIELD:Foreign key external ID: T-404 not found"),
        "{failed:?}"
    );
    // Upsert by external id: created and updated rows.
    let info = bulk_job(
        &o,
        json!({"object": "Case", "operation": "upsert", "externalIdFieldName": "Stames_Ticket_Id__c"}),
        "Stames_Ticket_Id__c,Subject\nT-1,renamed\nT-100,new\n",
    )
    .await;
    let ok = results(&o, info["id"].as_str().unwrap(), "successfulResults").await;
    let mut created: Vec<(String, String)> =
        ok.iter().map(|r| (r[2].clone(), r[1].clone())).collect();
    created.sort();
    assert_eq!(
        created,
        vec![
            ("T-1".into(), "false".into()),
            ("T-100".into(), "true".into())
        ]
    );
    // A CRLF file on an LF job fails the job.
    let info = bulk_job(
        &o,
        json!({"object": "Account", "operation": "insert", "lineEnding": "LF"}),
        "Name\r\nA\r\n",
    )
    .await;
    assert_eq!(info["state"], "Failed");
    assert!(info["errorMessage"]
        .as_str()
        .unwrap()
        .contains("LineEnding is invalid"));
    o.org.shutdown().await;
}

#[tokio::test]
async fn soql_pages_and_filters() {
    let o = Org::start(SalesforceConfig {
        query_batch_size: 4,
        ..SalesforceConfig::default()
    })
    .await;
    let records: Vec<Value> = (0..10)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("N{i}")}))
        .collect();
    o.call(
        Method::POST,
        "/composite/sobjects",
        Some(json!({"records": records})),
    )
    .await;
    let first = o
        .query("SELECT Id, Name FROM Account ORDER BY Name DESC")
        .await;
    assert_eq!(first["done"], false);
    assert_eq!(first["totalSize"], 10);
    let mut names: Vec<String> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Name"].as_str().unwrap().to_string())
        .collect();
    let mut next = first["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("{V}/query/01g")) && next.ends_with("-4"),
        "{next}"
    );
    loop {
        let page: Value = o
            .http
            .get(format!("{}{next}", o.org.url()))
            .bearer_auth(&o.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        names.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["Name"].as_str().unwrap().to_string()),
        );
        match page["nextRecordsUrl"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..10).rev().map(|i| format!("N{i}")).collect();
    assert_eq!(names, expected);
    let some = o
        .query("SELECT Name FROM Account WHERE Name IN ('N1','n2') AND Phone = null")
        .await;
    assert_eq!(some["totalSize"], 2);
    let resp = o
        .req(Method::GET, "/query")
        .query(&[(
            "q",
            "SELECT Id FROM Account WHERE CreatedDate > '2020-01-01'",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(code(&resp.json::<Value>().await.unwrap()), "INVALID_FIELD");
    let resp = o
        .req(Method::GET, "/query")
        .query(&[("q", "SELECT Id FROM ContentDocumentLink")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&resp.json::<Value>().await.unwrap()),
        "MALFORMED_QUERY"
    );
    o.org.shutdown().await;
}

#[tokio::test]
async fn lock_faults_fail_rows_not_jobs() {
    let o = Org::start(SalesforceConfig {
        faults: "lock=0.5,seed=4".parse().unwrap(),
        ..SalesforceConfig::default()
    })
    .await;
    let records: Vec<Value> = (0..40)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("L{i}")}))
        .collect();
    let (_, body) = o
        .call(
            Method::POST,
            "/composite/sobjects",
            Some(json!({"records": records})),
        )
        .await;
    let locked = body
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW")
        .count();
    assert!((5..35).contains(&locked), "{locked}");
    let saved = body
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["success"] == true)
        .count();
    assert_eq!(
        o.query("SELECT COUNT() FROM Account").await["totalSize"],
        saved as u64
    );
    o.org.shutdown().await;
}

#[tokio::test]
async fn server_faults_use_the_platform_error_shape() {
    // Every request fails before it reaches auth, so no token is needed.
    let org = SalesforceEmulator::start(
        SalesforceConfig {
            faults: "5xx=1,seed=1".parse().unwrap(),
            ..SalesforceConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let resp = Client::new()
        .get(format!("{}{V}/limits", org.url()))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_server_error());
    let body: Value = resp.json().await.unwrap();
    assert!(body[0]["errorCode"].is_string(), "{body}");
    assert_eq!(org.stats().faults.server_errors_before, 1);
    org.shutdown().await;
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let config = || SalesforceConfig {
        state_file: Some(path.clone()),
        ..SalesforceConfig::default()
    };
    let o = Org::start(config()).await;
    o.call(Method::POST, "/tooling/sobjects/CustomField", Some(json!({"FullName": "Contact.Stames_Id__c", "Metadata": {"label": "S", "type": "Text", "length": 20, "externalId": true, "unique": true}}))).await;
    grant(&o, "Contact.Stames_Id__c").await;
    let (_, created) = o
        .create(
            "Contact",
            json!({"LastName": "Kept", "Stames_Id__c": "C-1"}),
        )
        .await;
    let before = o.org.snapshot();
    o.org.shutdown().await;
    let again = Org::start(config()).await;
    assert_eq!(again.org.snapshot(), before);
    let (_, body) = again
        .create("Contact", json!({"LastName": "Dup", "Stames_Id__c": "C-1"}))
        .await;
    assert_eq!(
        code(&body),
        "DUPLICATE_VALUE",
        "the unique index is rebuilt"
    );
    let (_, record) = again
        .call(
            Method::GET,
            &format!("/sobjects/Contact/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(record["LastName"], "Kept");
    again.org.shutdown().await;
}
