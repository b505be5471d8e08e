//! The model assist's HTTP side: an OpenAI-compatible chat endpoint behind
//! the core's [`ChatModel`] trait (the core opens no sockets). Everything
//! else — which rows are asked about, redaction, reading the answer — is in
//! `deskshift_core::mapping::assist`.

use crate::exit::{CliError, CliResult};
use async_trait::async_trait;
use deskshift_core::mapping::assist::{AssistError, ChatModel, ChatRequest};
use deskshift_core::project::AssistConfig;
use deskshift_http::reqwest::Url;
use deskshift_http::{Client, RetryPolicy};
use std::time::Duration;

/// A chat completions endpoint, e.g. a local model server's
/// `http://127.0.0.1:8080/v1/chat/completions`.
pub struct HttpChatModel {
    client: Client,
    endpoint: Url,
    /// Bearer token from the environment variable the config names.
    api_key: Option<String>,
}

impl HttpChatModel {
    pub fn from_config(config: &AssistConfig) -> CliResult<HttpChatModel> {
        let endpoint = Url::parse(config.endpoint.trim()).map_err(|e| {
            CliError::usage(format!(
                "deskshift.toml: [assist] endpoint = {:?} is not a URL ({e}); give the chat \
                 completions URL, e.g. http://127.0.0.1:8080/v1/chat/completions",
                config.endpoint
            ))
        })?;
        let api_key = match &config.api_key_env {
            None => None,
            Some(variable) => Some(std::env::var(variable).map_err(|_| {
                CliError::usage(format!(
                    "deskshift.toml: [assist] api_key_env names {variable}, which is not set"
                ))
            })?),
        };
        let client = Client::builder()
            .retry(RetryPolicy {
                max_attempts: 2,
                max_rate_limited: 2,
                min_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(2),
            })
            .read_timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| CliError::failure(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpChatModel {
            client,
            endpoint,
            api_key,
        })
    }

    /// The endpoint without credentials or query, for messages.
    fn shown(&self) -> String {
        deskshift_http::redact_url(&self.endpoint)
    }
}

#[async_trait]
impl ChatModel for HttpChatModel {
    async fn complete(&self, request: &ChatRequest) -> Result<String, AssistError> {
        let fetched = self
            .client
            .fetch(|http| {
                let call = http.post(self.endpoint.clone()).json(request);
                match &self.api_key {
                    Some(key) => call.bearer_auth(key),
                    None => call,
                }
            })
            .await
            .map_err(|e| AssistError(format!("{}: {e}", self.shown())))?;
        let body = String::from_utf8_lossy(&fetched.body);
        if !fetched.status.is_success() {
            let excerpt: String = body.chars().take(200).collect();
            return Err(AssistError(format!(
                "{} answered {}: {excerpt}",
                self.shown(),
                fetched.status
            )));
        }
        let answer: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| AssistError(format!("{} did not answer JSON: {e}", self.shown())))?;
        answer["choices"][0]["message"]["content"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| {
                AssistError(format!(
                    "{} answered without choices[0].message.content",
                    self.shown()
                ))
            })
    }
}
