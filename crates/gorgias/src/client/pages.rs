//! Cursor pagination (reference §3): `cursor` + `limit` (at most 100), the
//! next cursor in `meta.next_cursor`, `null` on the last page. Cursors are
//! opaque and short-lived, so they are never stored; a cursor seen twice
//! ends the walk (a server bug must not become an endless loop).

use super::wire::Page;
use super::{ApiError, GorgiasClient};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// The largest page Gorgias serves.
pub const MAX_LIMIT: u32 = 100;

struct Walk {
    query: Vec<(&'static str, String)>,
    cursor: Option<String>,
    seen: HashSet<String>,
    done: bool,
}

impl GorgiasClient {
    /// Every record of a list endpoint, page by page, in the API's order.
    /// Holds one page at a time.
    pub fn list<T>(
        &self,
        path: String,
        query: Vec<(&'static str, String)>,
    ) -> BoxStream<'static, Result<T, ApiError>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        let walk = Walk {
            query,
            cursor: None,
            seen: HashSet::new(),
            done: false,
        };
        stream::try_unfold(walk, move |mut walk| {
            let client = client.clone();
            let path = path.clone();
            async move {
                if walk.done {
                    return Ok(None);
                }
                let mut query = walk.query.clone();
                query.push(("limit", MAX_LIMIT.to_string()));
                if let Some(cursor) = &walk.cursor {
                    query.push(("cursor", cursor.clone()));
                }
                let page: Page<T> = client.get(&path, &query).await?;
                match page.meta.next_cursor.filter(|c| !c.is_empty()) {
                    Some(next) if walk.seen.insert(next.clone()) => walk.cursor = Some(next),
                    Some(_) => {
                        tracing::warn!(%path, "Gorgias repeated a page cursor; stopping this list");
                        walk.done = true;
                    }
                    None => walk.done = true,
                }
                Ok(Some((stream::iter(page.data.into_iter().map(Ok)), walk)))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// The first page of a list only, with its declared total when Gorgias
    /// sends one: enough to size a listing before walking it.
    pub async fn first_page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&'static str, String)],
        limit: u32,
    ) -> Result<Page<T>, ApiError> {
        let mut query = query.to_vec();
        query.push(("limit", limit.clamp(1, MAX_LIMIT).to_string()));
        self.get(path, &query).await
    }
}
