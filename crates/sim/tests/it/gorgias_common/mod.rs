//! Shared helpers for the Gorgias emulator tests: start an emulator on a
//! free loopback port and talk to it with reqwest as a client would.

use deskshift_sim::gorgias::{
    Credentials, ExistingData, GorgiasConfig, GorgiasEmulator, RunningGorgias,
};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const EMAIL: &str = "api@acme.test";
pub const KEY: &str = "test-key";

/// A config with test credentials and a budget no test exhausts by accident.
pub fn config() -> GorgiasConfig {
    GorgiasConfig {
        credentials: Credentials::new(EMAIL, KEY),
        budget: "100000/1".parse().unwrap(),
        ..GorgiasConfig::default()
    }
}

pub struct Api {
    pub emulator: RunningGorgias,
    pub client: reqwest::Client,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The error data at a `/`-separated path, e.g. `messages/0/sender`.
    pub fn error_at(&self, path: &str) -> Option<&Value> {
        let mut v = self.body.get("error")?.get("data")?;
        for part in path.split('/') {
            v = v.get(part)?;
        }
        Some(v)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Api {
    pub async fn start(config: GorgiasConfig) -> Api {
        let emulator = GorgiasEmulator::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("emulator starts");
        Api {
            emulator,
            client: reqwest::Client::new(),
        }
    }

    pub async fn with(existing: ExistingData) -> Api {
        Api::start(GorgiasConfig {
            existing,
            ..config()
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.url())
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .basic_auth(EMAIL, Some(KEY));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request completes");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body completes");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates and returns the answer body, asserting 201.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let answer = self.post(path, body).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{path}: {}",
            answer.body
        );
        answer.body
    }

    /// Every item of a list, following `next_cursor`.
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page_path = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_string(),
            };
            let answer = self.get(&page_path).await;
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "{page_path}: {}",
                answer.body
            );
            items.extend(answer.body["data"].as_array().unwrap().iter().cloned());
            match answer.body["meta"]["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return items,
            }
        }
    }
}

/// A message body the migration would send: historical, so not sent.
pub fn incoming(email: &str, text: &str, at: &str) -> Value {
    json!({
        "channel": "email",
        "via": "api",
        "from_agent": false,
        "sender": {"email": email},
        "body_text": text,
        "created_datetime": at,
        "sent_datetime": at,
    })
}

pub fn outgoing(user_email: &str, to: &str, text: &str, at: &str) -> Value {
    json!({
        "channel": "email",
        "via": "api",
        "from_agent": true,
        "sender": {"email": user_email},
        "receiver": {"email": to},
        "body_text": text,
        "created_datetime": at,
        "sent_datetime": at,
    })
}

pub fn ticket(customer_email: &str, messages: Vec<Value>) -> Value {
    json!({
        "customer": {"email": customer_email},
        "channel": "email",
        "via": "api",
        "messages": messages,
    })
}
