//! SOQL queries as streams (reference §2.1): `GET /query?q=…` answers one
//! page (up to 2,000 records) with `done` and, while not done, a
//! `nextRecordsUrl` (`/services/data/v62.0/query/01g…-2000`) for the next.
//! The stream holds one page at a time, so a query over millions of rows
//! does not grow memory. A `nextRecordsUrl` seen twice ends the walk with an
//! error rather than looping forever.

use super::transport::Call;
use super::{ApiError, SalesforceClient};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;

/// One page of a query answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryPage {
    pub total_size: u64,
    pub done: bool,
    pub next_records_url: Option<String>,
    pub records: Vec<Value>,
}

/// Where the next page comes from.
enum Next {
    First { path: &'static str, soql: String },
    More(String),
    Done,
}

struct Walk {
    next: Next,
    seen: HashSet<String>,
    batch_size: Option<u32>,
}

impl SalesforceClient {
    /// Every record `soql` selects, page by page. Each record keeps its
    /// `attributes` (`type`, `url`).
    pub fn query(&self, soql: &str) -> BoxStream<'static, Result<Value, ApiError>> {
        self.paged("/query", soql, None)
    }

    /// Every row of `select` (`SELECT … FROM … WHERE `) with `field` in
    /// `values`: one query per `IN` list that fits SOQL's WHERE limit
    /// ([`super::soql::in_lists`]).
    pub async fn query_in<'v>(
        &self,
        select: &str,
        field: &str,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Result<Vec<Value>, ApiError> {
        let budget = super::soql::MAX_WHERE_CHARS.saturating_sub(select.len());
        let mut rows = Vec::new();
        for list in super::soql::in_lists(field, values, budget) {
            let found: Vec<Value> = self.query(&format!("{select}{list}")).try_collect().await?;
            rows.extend(found);
        }
        Ok(rows)
    }

    /// As [`SalesforceClient::query`], including deleted and archived rows
    /// (`queryAll`): what rollback and verification need.
    pub fn query_all(&self, soql: &str) -> BoxStream<'static, Result<Value, ApiError>> {
        self.paged("/queryAll", soql, None)
    }

    /// As [`SalesforceClient::query`] with a page size hint
    /// (`Sforce-Query-Options: batchSize=N`, 200–2,000; not guaranteed).
    pub fn query_batched(
        &self,
        soql: &str,
        batch_size: u32,
    ) -> BoxStream<'static, Result<Value, ApiError>> {
        self.paged("/query", soql, Some(batch_size.clamp(200, 2000)))
    }

    /// A Tooling API query (`/tooling/query`), e.g. over `CustomField`.
    pub fn tooling_query(&self, soql: &str) -> BoxStream<'static, Result<Value, ApiError>> {
        self.paged("/tooling/query", soql, None)
    }

    /// The first record `soql` selects, if any (add `LIMIT 1`).
    pub async fn query_first(&self, soql: &str) -> Result<Option<Value>, ApiError> {
        let mut records = self.query(soql);
        records.try_next().await
    }

    fn paged(
        &self,
        path: &'static str,
        soql: &str,
        batch_size: Option<u32>,
    ) -> BoxStream<'static, Result<Value, ApiError>> {
        let client = self.clone();
        let walk = Walk {
            next: Next::First {
                path,
                soql: soql.to_string(),
            },
            seen: HashSet::new(),
            batch_size,
        };
        stream::try_unfold(walk, move |mut walk| {
            let client = client.clone();
            async move {
                let call = match std::mem::replace(&mut walk.next, Next::Done) {
                    Next::Done => return Ok(None),
                    Next::First { path, soql } => Call::get(path).query(&[("q", soql)]),
                    Next::More(url) => Call::get(url),
                };
                let call = match walk.batch_size {
                    Some(size) => call.header("Sforce-Query-Options", format!("batchSize={size}")),
                    None => call,
                };
                let what = call.what();
                let page: QueryPage = client.send_json(call).await?;
                match page.next_records_url.filter(|_| !page.done) {
                    Some(next) if walk.seen.insert(next.clone()) => walk.next = Next::More(next),
                    Some(_) => {
                        return Err(ApiError::Protocol {
                            what,
                            detail: "Salesforce repeated a nextRecordsUrl".into(),
                        })
                    }
                    None => walk.next = Next::Done,
                }
                Ok(Some((stream::iter(page.records.into_iter().map(Ok)), walk)))
            }
        })
        .try_flatten()
        .boxed()
    }
}
