//! The emulator over HTTP: authentication, pagination, filters, errors, rate
//! limiting, writes, attachment content and the state file.

use deskshift_sim::stames::writes::{
    CustomerPatch, NewAttachment, NewAuthor, NewCustomer, NewMessage, NewTicket, TicketPatch,
};
use deskshift_sim::stames::{
    attachment_bytes, attachment_sha256, Credentials, RunningEmulator, StamesConfig, StamesData,
    StamesEmulator,
};
use deskshift_sim::Budget;
use deskshift_stames::api::wire::{
    ErrorBody, Page, WireAccount, WireAgent, WireAutomation, WireCustomField, WireCustomObject,
    WireCustomObjectRecord, WireCustomer, WireMessage, WireTag, WireTicket,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

const ACCOUNT: &str = "test-account";
const KEY: &str = "test-key";

fn config(tickets: usize, budget: &str) -> StamesConfig {
    StamesConfig {
        seed: 21,
        tickets,
        budget: budget.parse().unwrap(),
        credentials: Credentials::new(ACCOUNT, KEY),
        state_file: None,
        malformed: 0,
    }
}

async fn start(config: StamesConfig) -> RunningEmulator {
    StamesEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("emulator starts")
}

/// A client for one emulator, sending the right credentials unless told not to.
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(emulator: &RunningEmulator) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: emulator.api_url(),
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(KEY)
            .header("X-Stames-Account", ACCOUNT)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> T {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    async fn send<B: Serialize>(&self, method: Method, path: &str, body: &B) -> reqwest::Response {
        self.request(method, path).json(body).send().await.unwrap()
    }

    /// Every record of a list endpoint, page by page.
    async fn all<T: DeserializeOwned>(&self, path: &str, per_page: u32) -> Vec<T> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p: Page<T> = self
                .get_json(&format!("{path}{separator}page={page}&per_page={per_page}"))
                .await;
            assert_eq!(p.meta.page, page);
            assert_eq!(p.meta.per_page, per_page);
            let last = page >= p.meta.total_pages;
            assert!(p.data.len() <= per_page as usize);
            out.extend(p.data);
            if last {
                assert_eq!(out.len() as u64, p.meta.total);
                return out;
            }
            page += 1;
        }
    }
}

async fn error_code(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: ErrorBody = response.json().await.expect("an error body");
    (status, body.error.code, body.error.message)
}

#[tokio::test]
async fn refuses_missing_or_wrong_credentials() {
    let emulator = start(config(10, "1200/60")).await;
    let url = format!("{}/tickets", emulator.api_url());
    let http = reqwest::Client::new();
    let attempts = [
        http.get(&url),
        http.get(&url).bearer_auth(KEY),
        http.get(&url).header("X-Stames-Account", ACCOUNT),
        http.get(&url)
            .bearer_auth("wrong")
            .header("X-Stames-Account", ACCOUNT),
        http.get(&url)
            .bearer_auth(KEY)
            .header("X-Stames-Account", "someone-else"),
        http.get(&url)
            .header("Authorization", format!("Basic {KEY}"))
            .header("X-Stames-Account", ACCOUNT),
    ];
    let count = attempts.len() as u64;
    for attempt in attempts {
        let response = attempt.send().await.unwrap();
        assert!(response.headers().get("x-ratelimit-limit").is_none());
        let (status, code, message) = error_code(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(code, "unauthorized");
        assert!(!message.contains(KEY), "the key is never echoed");
    }
    let ok = http
        .get(&url)
        .bearer_auth(KEY)
        .header("X-Stames-Account", ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let stats = emulator.stats();
    assert_eq!(stats.unauthorized, count);
    assert_eq!(stats.served, 1);
    assert_eq!(stats.requests, count + 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn every_list_pages_through_every_record_once_in_id_order() {
    let emulator = start(StamesConfig {
        malformed: 7,
        ..config(60, "100000/1")
    })
    .await;
    let api = Api::new(&emulator);
    let data = emulator.data();

    let account: WireAccount = api.get_json("/account").await;
    assert_eq!(account, data.account);
    assert_eq!(
        account.id, ACCOUNT,
        "the account id follows the credentials"
    );

    assert_eq!(api.all::<WireAgent>("/agents", 3).await, data.agents);
    assert_eq!(
        api.all::<WireCustomer>("/customers", 7).await,
        data.customers
    );
    assert_eq!(api.all::<WireTag>("/tags", 5).await, data.tags);
    assert_eq!(
        api.all::<WireCustomField>("/custom_fields", 4).await,
        data.custom_fields
    );
    assert_eq!(
        api.all::<WireCustomObject>("/custom_objects", 1).await,
        data.custom_objects
    );
    assert_eq!(
        api.all::<WireCustomObjectRecord>("/custom_objects/warranty/records", 6)
            .await,
        data.custom_object_records
    );
    assert_eq!(
        api.all::<WireAutomation>("/automations", 4).await,
        data.automations
    );
    let tickets = api.all::<WireTicket>("/tickets", 9).await;
    let expected: Vec<WireTicket> = data.tickets.iter().map(|t| t.ticket.clone()).collect();
    assert_eq!(tickets, expected);
    for thread in &data.tickets {
        let id = thread.ticket.id.unwrap();
        let messages = api
            .all::<WireMessage>(&format!("/tickets/{id}/messages"), 4)
            .await;
        assert_eq!(messages, thread.messages, "ticket {id}");
        let one: WireTicket = api.get_json(&format!("/tickets/{id}")).await;
        assert_eq!(one, thread.ticket);
    }

    // Defaults, clamping, and pages past the end.
    let page: Page<WireTicket> = api.get_json("/tickets").await;
    assert_eq!((page.meta.page, page.meta.per_page), (1, 50));
    assert_eq!(page.meta.total, 60);
    assert_eq!(page.meta.total_pages, 2);
    let page: Page<WireTicket> = api.get_json("/tickets?per_page=1000").await;
    assert_eq!(page.meta.per_page, 100);
    assert_eq!(page.data.len(), 60);
    let page: Page<WireTicket> = api.get_json("/tickets?page=99").await;
    assert!(page.data.is_empty());
    assert_eq!(page.meta.total, 60);
    emulator.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_json_errors() {
    let emulator = start(config(10, "1200/60")).await;
    let api = Api::new(&emulator);
    for (path, status, code, mentions) in [
        ("/tickets?page=0", 400, "invalid_request", "page"),
        ("/tickets?page=abc", 400, "invalid_request", "page"),
        ("/tickets?per_page=0", 400, "invalid_request", "per_page"),
        (
            "/customers?updated_since=yesterday",
            400,
            "invalid_request",
            "updated_since",
        ),
        ("/tickets/999", 404, "not_found", "999"),
        ("/tickets/abc", 404, "not_found", "abc"),
        ("/tickets/999/messages", 404, "not_found", "999"),
        ("/custom_objects/nope/records", 404, "not_found", "nope"),
        ("/attachments/1/content", 404, "not_found", "1"),
        ("/no/such/thing", 404, "not_found", "endpoint"),
    ] {
        let response = api.get(path).await;
        assert!(response.headers().get("x-ratelimit-remaining").is_some());
        let (got, got_code, message) = error_code(response).await;
        assert_eq!(got.as_u16(), status, "{path}");
        assert_eq!(got_code, code, "{path}");
        assert!(message.contains(mentions), "{path}: {message}");
    }
    let response = api
        .request(Method::DELETE, "/tickets")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code, "invalid_request");
    let response = api
        .request(Method::PATCH, "/tickets/10001")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code, "invalid_request");
    emulator.shutdown().await;
}

#[tokio::test]
async fn updated_since_filters_by_updated_at() {
    let emulator = start(config(80, "100000/1")).await;
    let api = Api::new(&emulator);
    let data = emulator.data();
    let mut stamps: Vec<&str> = data
        .tickets
        .iter()
        .map(|t| t.ticket.updated_at.as_str())
        .collect();
    stamps.sort_unstable();
    let since = stamps[stamps.len() / 2];
    let expected: Vec<u64> = data
        .tickets
        .iter()
        .filter(|t| t.ticket.updated_at.as_str() >= since)
        .map(|t| t.ticket.id.unwrap())
        .collect();
    let got: Vec<u64> = api
        .all::<WireTicket>(&format!("/tickets?updated_since={since}"), 10)
        .await
        .into_iter()
        .map(|t| t.id.unwrap())
        .collect();
    assert_eq!(got, expected);
    assert!(!got.is_empty() && got.len() < data.tickets.len());

    // The same instant with an explicit offset, encoded or not.
    let offset = since.replace('Z', "+00:00");
    for query in [offset.replace('+', "%2B"), offset.clone()] {
        let page: Page<WireTicket> = api
            .get_json(&format!("/tickets?per_page=100&updated_since={query}"))
            .await;
        assert_eq!(page.meta.total, expected.len() as u64, "{query}");
    }
    let page: Page<WireCustomer> = api
        .get_json("/customers?updated_since=2999-01-01T00:00:00Z")
        .await;
    assert_eq!(page.meta.total, 0);
    assert_eq!(page.meta.total_pages, 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn over_budget_answers_429_with_retry_after() {
    let emulator = start(config(5, "5/1")).await;
    let api = Api::new(&emulator);
    let mut remaining = Vec::new();
    let mut limited = 0;
    for _ in 0..8 {
        let response = api.get("/tags").await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .unwrap_or_else(|| panic!("{name} missing"))
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        assert_eq!(header("x-ratelimit-limit"), 5);
        assert!(header("x-ratelimit-reset") <= 1);
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
            let retry_after = header("retry-after");
            assert!(retry_after >= 1);
            assert_eq!(header("x-ratelimit-remaining"), 0);
            let (_, code, _) = error_code(response).await;
            assert_eq!(code, "rate_limited");
        } else {
            assert_eq!(response.status(), StatusCode::OK);
            remaining.push(header("x-ratelimit-remaining"));
        }
    }
    // Eight quick requests against 5 per second: the window cannot have
    // rolled over more than once, so at least three are refused.
    assert!(limited >= 3, "{limited} refused");
    assert_eq!(&remaining[..5], &[4, 3, 2, 1, 0]);
    assert_eq!(emulator.stats().rate_limited, limited);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(api.get("/tags").await.status(), StatusCode::OK);
    emulator.shutdown().await;
}

#[tokio::test]
async fn writes_bump_updated_at_and_show_up_in_updated_since() {
    let emulator = start(config(20, "100000/1")).await;
    let api = Api::new(&emulator);
    let before = emulator.data();
    let latest = before
        .tickets
        .iter()
        .map(|t| t.ticket.updated_at.clone())
        .max()
        .unwrap();
    let ticket = &before.tickets[3].ticket;
    let id = ticket.id.unwrap();
    let agent = before
        .agents
        .iter()
        .find(|a| a.status == "active")
        .unwrap()
        .id
        .unwrap();

    // Nothing is newer than the newest generated record yet…
    let fresh: Page<WireTicket> = api
        .get_json("/tickets?updated_since=2030-01-01T00:00:00Z")
        .await;
    assert_eq!(fresh.meta.total, 0);

    // …then a status change,
    let new_status = if ticket.status == "open" {
        "pending"
    } else {
        "open"
    };
    let response = api
        .send(
            Method::PATCH,
            &format!("/tickets/{id}"),
            &TicketPatch {
                status: Some(new_status.into()),
                agent_id: Some(agent),
                assignee_id: Some(Some(agent)),
                ..TicketPatch::default()
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched: WireTicket = response.json().await.unwrap();
    assert_eq!(patched.status, new_status);
    assert_eq!(patched.assignee_id, Some(agent));
    assert!(patched.updated_at > latest);
    let event = patched.status_history.last().unwrap();
    assert_eq!(
        (event.from.as_deref(), event.to.as_str()),
        (Some(ticket.status.as_str()), new_status)
    );
    assert_eq!(event.agent_id, Some(agent));

    // …a message on another ticket, with an attachment,
    let other = before.tickets[5].ticket.id.unwrap();
    let response = api
        .send(
            Method::POST,
            &format!("/tickets/{other}/messages"),
            &NewMessage {
                body_text: "Any news? 🙏".into(),
                attachments: vec![NewAttachment {
                    file_name: "photo 2.jpg".into(),
                    content_type: "image/jpeg".into(),
                    size: 70_001,
                    inline: false,
                }],
                ..NewMessage::default()
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let message: WireMessage = response.json().await.unwrap();
    assert_eq!(message.author.author_type, "customer");
    assert_eq!(message.author.id, before.tickets[5].ticket.customer_id);
    let after: WireTicket = api.get_json(&format!("/tickets/{other}")).await;
    assert_eq!(
        after.message_count,
        before.tickets[5].ticket.message_count + 1
    );
    assert_eq!(after.updated_at, message.created_at);
    let messages = api
        .all::<WireMessage>(&format!("/tickets/{other}/messages"), 100)
        .await;
    assert_eq!(messages.last(), Some(&message));
    let attachment = &message.attachments[0];
    let bytes = api
        .get(&format!("/attachments/{}/content", attachment.id))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        bytes.as_ref(),
        attachment_bytes(21, attachment.id, 70_001).as_slice()
    );

    // …a private note needs an agent,
    let response = api
        .send(
            Method::POST,
            &format!("/tickets/{other}/messages"),
            &NewMessage {
                body_text: "internal".into(),
                private: true,
                author: Some(NewAuthor {
                    author_type: "customer".into(),
                    id: None,
                }),
                ..NewMessage::default()
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // …a new customer, a change to an old one, and a new ticket.
    let response = api
        .send(
            Method::POST,
            "/customers",
            &NewCustomer {
                name: Some("Zoë Ångström".into()),
                email: Some("zoe@example.com".into()),
                ..NewCustomer::default()
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let customer: WireCustomer = response.json().await.unwrap();
    let old_customer = before.customers[0].id.unwrap();
    let response = api
        .send(
            Method::PATCH,
            &format!("/customers/{old_customer}"),
            &CustomerPatch {
                phone: Some(Some("+44 7700 900000".into())),
                ..CustomerPatch::default()
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = api
        .send(
            Method::POST,
            "/tickets",
            &NewTicket {
                subject: "Brand new".into(),
                channel: "whatsapp".into(),
                customer_id: customer.id.unwrap(),
                status: None,
                priority: None,
                assignee_id: None,
                department_id: None,
                tags: vec!["Delta Test".into()],
                custom_fields: vec![],
                message: NewMessage {
                    body_text: "Hola 👋".into(),
                    ..NewMessage::default()
                },
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: WireTicket = response.json().await.unwrap();
    assert!(created.id.unwrap() > before.tickets.last().unwrap().ticket.id.unwrap());
    assert_eq!(created.message_count, 1);
    assert_eq!(created.status, "new");

    // A delta query from the newest generated instant finds exactly the writes.
    let since = format!("/tickets?updated_since={latest}");
    let changed: Vec<u64> = api
        .all::<WireTicket>(&since, 50)
        .await
        .into_iter()
        .filter(|t| t.updated_at > latest)
        .map(|t| t.id.unwrap())
        .collect();
    assert_eq!(changed, vec![id, other, created.id.unwrap()]);
    let latest_customer = before
        .customers
        .iter()
        .map(|c| c.updated_at.clone())
        .max()
        .unwrap();
    let customers: Vec<u64> = api
        .all::<WireCustomer>(&format!("/customers?updated_since={latest_customer}"), 50)
        .await
        .into_iter()
        .filter(|c| c.updated_at > latest_customer)
        .map(|c| c.id.unwrap())
        .collect();
    assert_eq!(customers, vec![old_customer, customer.id.unwrap()]);
    let tags: Vec<WireTag> = api.all("/tags", 100).await;
    assert!(tags.iter().any(|t| t.name == "Delta Test"));
    assert_eq!(
        emulator.totals()[&deskshift_core::model::ObjectKind::Tickets],
        21
    );
    assert!(emulator.stats().writes >= 6);
    emulator.shutdown().await;
}

#[tokio::test]
async fn attachment_content_is_streamed_exactly() {
    let emulator = start(config(40, "100000/1")).await;
    let api = Api::new(&emulator);
    let data = emulator.data();
    let attachments: Vec<_> = data.attachments().map(|(_, _, a)| a.clone()).collect();

    let small = attachments
        .iter()
        .find(|a| !a.requires_auth && a.size < 1_000_000)
        .unwrap();
    let response = api.get(&format!("/attachments/{}/content", small.id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(header("content-type"), small.content_type);
    assert_eq!(header("content-length"), small.size.to_string());
    assert!(header("x-ratelimit-remaining").parse::<u64>().is_ok());
    let body = response.bytes().await.unwrap();
    assert_eq!(
        body.as_ref(),
        attachment_bytes(data.seed, small.id, small.size).as_slice()
    );

    let large = attachments
        .iter()
        .find(|a| !a.requires_auth && a.size >= 5 * 1024 * 1024)
        .unwrap();
    let mut response = api.get(&format!("/attachments/{}/content", large.id)).await;
    assert_eq!(response.content_length(), Some(large.size));
    let mut hasher = Sha256::new();
    let mut received = 0u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        received += chunk.len() as u64;
        hasher.update(&chunk);
    }
    assert_eq!(received, large.size);
    assert_eq!(
        hex::encode(hasher.finalize()),
        attachment_sha256(data.seed, large.id, large.size)
    );

    let private = attachments.iter().find(|a| a.requires_auth).unwrap();
    let (status, code, _) = error_code(
        api.get(&format!("/attachments/{}/content", private.id))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code, "forbidden");
    emulator.shutdown().await;
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state: PathBuf = dir.path().join("stames-state.json");
    let with_state = StamesConfig {
        state_file: Some(state.clone()),
        ..config(15, "100000/1")
    };
    let emulator = start(with_state.clone()).await;
    assert!(state.exists(), "the state file is written at start");
    let api = Api::new(&emulator);
    let id = emulator.data().tickets[0].ticket.id.unwrap();
    let response = api
        .send(
            Method::PATCH,
            &format!("/tickets/{id}"),
            &TicketPatch {
                tags: Some(vec!["kept across restarts".into()]),
                ..TicketPatch::default()
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let written = emulator.data();
    emulator.shutdown().await;
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary files are left: {leftovers:?}"
    );

    // Restarting with a different seed and size still serves the saved data.
    let emulator = start(StamesConfig {
        seed: 999,
        tickets: 3,
        ..with_state
    })
    .await;
    assert_eq!(emulator.data(), written);
    let api = Api::new(&emulator);
    let ticket: WireTicket = api.get_json(&format!("/tickets/{id}")).await;
    assert_eq!(ticket.tags, vec!["kept across restarts".to_string()]);
    // Attachment content still follows the original seed.
    let (_, _, attachment) = written
        .attachments()
        .find(|(_, _, a)| !a.requires_auth)
        .map(|(t, m, a)| (t.clone(), m.clone(), a.clone()))
        .unwrap();
    let body = api
        .get(&format!("/attachments/{}/content", attachment.id))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        body.as_ref(),
        attachment_bytes(21, attachment.id, attachment.size).as_slice()
    );
    emulator.shutdown().await;

    // A file that is not a state file is refused with a clear error.
    std::fs::write(&state, "{}").unwrap();
    let err = StamesEmulator::start(
        StamesConfig {
            state_file: Some(state.clone()),
            ..config(5, "10/1")
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .err()
    .expect("a foreign state file is refused");
    assert!(err.to_string().contains("state file"), "{err}");
}

#[tokio::test]
async fn serves_what_it_generates_and_reports_itself() {
    let emulator = start(config(12, "40/2")).await;
    assert!(emulator.url().starts_with("http://127.0.0.1:"));
    assert!(emulator.api_url().ends_with("/api/v1"));
    assert_ne!(emulator.local_addr().port(), 0);
    assert_eq!(emulator.budget(), "40/2".parse::<Budget>().unwrap());
    assert_eq!(
        emulator.totals(),
        StamesData::generate_with(&config(12, "40/2").generate_options()).totals()
    );
    assert_eq!(emulator.credentials().account_id, ACCOUNT);
    assert!(!format!("{:?}", emulator.credentials()).contains(KEY));
    emulator.shutdown().await;
}
