//! The Stames REST API as a [`Source`].
//!
//! Every call goes through one [`deskshift_http::Client`] and so through one
//! pacer, fed by Stames's `X-RateLimit-*` headers: however many pages and
//! conversations are in flight, the workspace's budget is the speed limit.
//!
//! Memory and concurrency are bounded by [`StamesOptions::concurrency`]: at most
//! that many pages of a list, and that many tickets' conversations, are fetched
//! (and held) at once; results are yielded in the API's order.

mod pages;
mod status;

use super::convert::{
    self, assemble_thread, decode_message, message_of_rejected_ticket, ticket_children_rejects,
    FromWire, TicketHead,
};
use super::credentials::{AuthHeaders, Credentials};
use super::endpoints::{self, query};
use super::rate_limit::StamesRateLimit;
use super::wire::{Page, WireAccount};
use crate::stream_util::{flatten_batches, until_error};
use async_trait::async_trait;
use chrono::SecondsFormat;
use deskshift_core::model::{
    Agent, Attachment, Automation, CustomFieldDef, CustomObjectDef, CustomObjectRecord, Customer,
    ObjectKind, Tag, TicketThread, Timestamp, Workspace,
};
use deskshift_core::source::{ApiStats, ByteStream, Read, ReadStream, Source, SourceError};
use deskshift_http::{Budget, Client, Fetched, HttpError, Pacer, RetryPolicy};
use futures::{stream, StreamExt, TryStreamExt};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How the REST source uses the API.
#[derive(Debug, Clone)]
pub struct StamesOptions {
    /// Pages of a list, or tickets' conversations, fetched at once. The pacer
    /// keeps the total call rate within budget whatever this is; it bounds
    /// memory and the calls in flight.
    pub concurrency: usize,
    /// Records per page, at most [`endpoints::MAX_PER_PAGE`].
    pub per_page: u32,
    /// An operator's cap on the call rate, e.g. to leave room for other
    /// integrations on the same account. Without one, the source follows
    /// Stames's own rate-limit headers and 429s alone.
    pub budget: Option<Budget>,
    pub retry: RetryPolicy,
}

impl Default for StamesOptions {
    fn default() -> StamesOptions {
        StamesOptions {
            concurrency: 4,
            per_page: endpoints::MAX_PER_PAGE,
            budget: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// A Stames workspace read through its REST API.
#[derive(Debug)]
pub struct StamesApi {
    /// `…/api/v1`, without a trailing slash; endpoint paths are appended.
    root: String,
    credentials: Credentials,
    auth: AuthHeaders,
    http: Client,
    options: StamesOptions,
}

impl StamesApi {
    /// A source for the workspace at `base_url` (e.g. `https://acme.stames.app`
    /// or `http://127.0.0.1:18080`; a trailing `/api/v1` is accepted too).
    /// Nothing is called yet.
    pub fn new(
        base_url: &str,
        credentials: Credentials,
        options: StamesOptions,
    ) -> Result<StamesApi, SourceError> {
        let url = reqwest::Url::parse(base_url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| {
                SourceError::Other(format!(
                    "{base_url:?} is not a Stames URL; expected something like \
                     https://acme.stames.app"
                ))
            })?;
        let mut root = deskshift_http::redact_url(&url)
            .trim_end_matches('/')
            .to_string();
        if !root.ends_with(endpoints::BASE_PATH) {
            root.push_str(endpoints::BASE_PATH);
        }
        let auth = credentials.headers()?;
        let pacer = Pacer::new(options.budget);
        let http = Client::builder()
            .pacer(Arc::new(pacer))
            .rate_limit_headers(StamesRateLimit)
            .retry(options.retry)
            .build()
            .map_err(|error| SourceError::Other(error.to_string()))?;
        let options = StamesOptions {
            concurrency: options.concurrency.max(1),
            per_page: options.per_page.clamp(1, endpoints::MAX_PER_PAGE),
            ..options
        };
        Ok(StamesApi {
            root,
            credentials,
            auth,
            http,
            options,
        })
    }

    /// Calls, 429s, retries and budget use so far, in the HTTP client's terms.
    pub fn http_stats(&self) -> deskshift_http::Stats {
        self.http.stats()
    }

    /// `GET path` with query parameters, whatever the answer's status.
    async fn answer(&self, path: &str, query: &[(&str, String)]) -> Result<Fetched, SourceError> {
        let url = format!("{}{path}", self.root);
        self.http
            .fetch(|http| self.auth.apply(http.get(&url).query(query)))
            .await
            .map_err(|error| self.http_error(error))
    }

    /// `GET path`: the body of a 2xx answer, or the error any other answer means.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<bytes::Bytes, SourceError> {
        let answer = self.answer(path, query).await?;
        if answer.status.is_success() {
            Ok(answer.body)
        } else {
            Err(self.status_error(path, answer.status, &answer.body))
        }
    }

    /// One page of a list endpoint.
    async fn page(
        &self,
        path: &str,
        page: u32,
        per_page: u32,
        since: Option<Timestamp>,
    ) -> Result<Page<Value>, SourceError> {
        let body = self.get(path, &page_query(page, per_page, since)).await?;
        parse_page(path, page, &body)
    }

    /// A list endpoint's records, decoded and converted one by one.
    fn list<T>(&self, path: String, since: Option<Timestamp>) -> ReadStream<'_, T>
    where
        T: FromWire + Send + 'static,
    {
        self.raw_records(path, since)
            .map_ok(|raw| into_read(convert::decode::<T>(&raw)))
            .boxed()
    }

    /// A ticket with its conversation: the rejects to yield first, then the
    /// thread. A rejected ticket takes its children with it.
    async fn thread(&self, raw: Value) -> Result<Vec<Read<TicketThread>>, SourceError> {
        let id = raw.get("id").and_then(Value::as_u64);
        let messages = match id {
            Some(id) => self.ticket_messages(id).await?,
            None => Vec::new(),
        };
        let items = match convert::decode::<TicketHead>(&raw) {
            Ok(head) => {
                let (rejects, thread) = assemble_thread(head, messages.iter().map(decode_message));
                rejects
                    .into_iter()
                    .map(Read::Rejected)
                    .chain([Read::Record(thread)])
                    .collect()
            }
            Err(reject) => {
                let ticket_id = id.map_or_else(|| "(no id)".to_string(), |id| id.to_string());
                let children = ticket_children_rejects(&raw).into_iter().chain(
                    messages
                        .iter()
                        .flat_map(|message| message_of_rejected_ticket(message, &ticket_id)),
                );
                [reject]
                    .into_iter()
                    .chain(children)
                    .map(Read::Rejected)
                    .collect()
            }
        };
        Ok(items)
    }

    /// Every message of one ticket, raw, in the API's order.
    async fn ticket_messages(&self, ticket_id: u64) -> Result<Vec<Value>, SourceError> {
        let path = endpoints::ticket_messages(ticket_id);
        let per_page = self.options.per_page;
        let first = self.answer(&path, &page_query(1, per_page, None)).await?;
        if first.status == StatusCode::NOT_FOUND {
            // Deleted between listing and reading: there is nothing left to read,
            // and the ticket itself was already served.
            tracing::warn!(
                ticket = ticket_id,
                "ticket was deleted in Stames while being read"
            );
            return Ok(Vec::new());
        }
        if !first.status.is_success() {
            return Err(self.status_error(&path, first.status, &first.body));
        }
        let first = parse_page(&path, 1, &first.body)?;
        let mut messages = first.data;
        // Conversations rarely span pages; the rest are read one after another.
        for page in 2..=first.meta.total_pages {
            messages.extend(self.page(&path, page, per_page, None).await?.data);
        }
        Ok(messages)
    }

    /// The number of records a list endpoint says it holds.
    async fn total(&self, path: &str) -> Result<u64, SourceError> {
        Ok(self.page(path, 1, 1, None).await?.meta.total)
    }

    fn http_error(&self, error: HttpError) -> SourceError {
        let message = self.credentials.scrub(&error.to_string());
        match error {
            HttpError::Request(_) => SourceError::Other(message),
            _ => SourceError::Unavailable(message),
        }
    }
}

#[async_trait]
impl Source for StamesApi {
    fn describe(&self) -> String {
        format!(
            "Stames API at {} (account {})",
            self.root,
            self.credentials.account_id()
        )
    }

    async fn workspace(&self) -> Result<Workspace, SourceError> {
        let body = self.get(endpoints::ACCOUNT, &[]).await?;
        let account: WireAccount = serde_json::from_slice(&body).map_err(|error| {
            SourceError::Other(format!(
                "Stames answered GET {} with an unexpected body: {error}",
                endpoints::ACCOUNT
            ))
        })?;
        Ok(convert::workspace(account))
    }

    fn agents(&self) -> ReadStream<'_, Agent> {
        self.list(endpoints::AGENTS.into(), None)
    }

    fn customers(&self, since: Option<Timestamp>) -> ReadStream<'_, Customer> {
        self.list(endpoints::CUSTOMERS.into(), since)
    }

    fn tags(&self) -> ReadStream<'_, Tag> {
        self.list(endpoints::TAGS.into(), None)
    }

    fn custom_fields(&self) -> ReadStream<'_, CustomFieldDef> {
        self.list(endpoints::CUSTOM_FIELDS.into(), None)
    }

    fn custom_objects(&self) -> ReadStream<'_, CustomObjectDef> {
        self.list(endpoints::CUSTOM_OBJECTS.into(), None)
    }

    fn custom_object_records(
        &self,
        since: Option<Timestamp>,
    ) -> ReadStream<'_, CustomObjectRecord> {
        // One definition at a time; each definition's pages are fetched with
        // the usual bounded concurrency. A definition that fails validation
        // still has records worth reading, so only its key is needed.
        let records = self
            .raw_records(endpoints::CUSTOM_OBJECTS.into(), None)
            .flat_map(move |definition| match definition {
                Ok(raw) => match raw.get("key").and_then(Value::as_str) {
                    Some(key) => self.list(endpoints::custom_object_records(key), since),
                    None => stream::empty().boxed(),
                },
                Err(error) => stream::iter([Err(error)]).boxed(),
            });
        until_error(records)
    }

    fn automations(&self) -> ReadStream<'_, Automation> {
        self.list(endpoints::AUTOMATIONS.into(), None)
    }

    fn tickets(&self, since: Option<Timestamp>) -> ReadStream<'_, TicketThread> {
        // `buffered` keeps the API's (ascending id) order while up to
        // `concurrency` conversations are fetched at once.
        let threads = self
            .raw_records(endpoints::TICKETS.into(), since)
            .map(move |raw| async move { self.thread(raw?).await })
            .buffered(self.options.concurrency);
        flatten_batches(threads)
    }

    async fn open_attachment(&self, attachment: &Attachment) -> Result<ByteStream, SourceError> {
        let what = crate::attachment::describe(attachment);
        if attachment.requires_auth {
            return Err(crate::attachment::private(&what));
        }
        let id: u64 = attachment.id.parse().map_err(|_| {
            SourceError::Other(format!("{what} has an id the Stames API cannot serve"))
        })?;
        let path = endpoints::attachment_content(id);
        let url = format!("{}{path}", self.root);
        let response = self
            .http
            .send(|http| self.auth.apply(http.get(&url)))
            .await
            .map_err(|error| self.http_error(error))?;
        match response.status().as_u16() {
            200..=299 => {}
            403 => return Err(crate::attachment::private(&what)),
            404 => {
                return Err(SourceError::Other(format!(
                    "{what} no longer exists in Stames (404); migrate the message without it"
                )))
            }
            _ => {
                let status = response.status();
                let body = response.bytes().await.unwrap_or_default();
                return Err(self.status_error(&path, status, &body));
            }
        }
        let bytes = response.bytes_stream().map(move |chunk| {
            chunk.map_err(|error| {
                SourceError::Unavailable(format!(
                    "the download of {what} broke off ({}); run again to fetch it anew",
                    error.without_url()
                ))
            })
        });
        Ok(bytes.boxed())
    }

    async fn declared_counts(&self) -> Result<BTreeMap<ObjectKind, u64>, SourceError> {
        let collections = [
            (ObjectKind::Users, endpoints::AGENTS),
            (ObjectKind::Customers, endpoints::CUSTOMERS),
            (ObjectKind::Tags, endpoints::TAGS),
            (ObjectKind::CustomFields, endpoints::CUSTOM_FIELDS),
            (ObjectKind::CustomObjects, endpoints::CUSTOM_OBJECTS),
            (ObjectKind::Automations, endpoints::AUTOMATIONS),
            (ObjectKind::Tickets, endpoints::TICKETS),
        ];
        // A handful of one-record pages; one after another is quick enough.
        let mut counts = BTreeMap::new();
        for (kind, path) in collections {
            counts.insert(kind, self.total(path).await?);
        }
        // Custom object records live under their definitions: sum over them.
        let keys: Vec<String> = self
            .raw_records(endpoints::CUSTOM_OBJECTS.into(), None)
            .try_filter_map(|raw| async move {
                Ok(raw.get("key").and_then(Value::as_str).map(str::to_string))
            })
            .try_collect()
            .await?;
        let mut records = 0;
        for key in keys {
            records += self.total(&endpoints::custom_object_records(&key)).await?;
        }
        counts.insert(ObjectKind::CustomObjectRecords, records);
        Ok(counts)
    }

    fn api_stats(&self) -> ApiStats {
        let stats = self.http.stats();
        ApiStats {
            calls: stats.calls,
            rate_limited: stats.rate_limited,
            retries: stats.retries,
        }
    }
}

fn page_query(page: u32, per_page: u32, since: Option<Timestamp>) -> Vec<(&'static str, String)> {
    let mut params = vec![
        (query::PAGE, page.to_string()),
        (query::PER_PAGE, per_page.to_string()),
    ];
    if let Some(since) = since {
        params.push((
            query::UPDATED_SINCE,
            since.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ));
    }
    params
}

/// A list answer. Records stay raw JSON here: each is decoded on its own, so
/// one bad record never fails its page.
fn parse_page(path: &str, page: u32, body: &[u8]) -> Result<Page<Value>, SourceError> {
    serde_json::from_slice(body).map_err(|error| {
        SourceError::Other(format!(
            "Stames answered GET {path} (page {page}) with something other than a page of \
             records: {error}"
        ))
    })
}

fn into_read<T>(converted: Result<T, deskshift_core::source::Reject>) -> Read<T> {
    match converted {
        Ok(record) => Read::Record(record),
        Err(reject) => Read::Rejected(reject),
    }
}
