//! Paging through a list endpoint with bounded concurrency.

use super::StamesApi;
use crate::stream_util::{flatten_batches, until_error};
use deskshift_core::model::Timestamp;
use deskshift_core::source::SourceError;
use futures::stream::{self, BoxStream};
use futures::StreamExt;
use serde_json::Value;

impl StamesApi {
    /// Every record of a list endpoint as raw JSON, in the API's order.
    ///
    /// Page 1 says how many pages there are; the rest are fetched up to
    /// `concurrency` at a time (`buffered` keeps their order), so at most that
    /// many pages sit in memory. The stream ends after the first error.
    pub(super) fn raw_records(
        &self,
        path: String,
        since: Option<Timestamp>,
    ) -> BoxStream<'_, Result<Value, SourceError>> {
        let per_page = self.options.per_page;
        let concurrency = self.options.concurrency;
        let first_path = path.clone();
        let pages = stream::once(async move { self.page(&first_path, 1, per_page, since).await })
            .flat_map(
                move |first| -> BoxStream<'_, Result<Vec<Value>, SourceError>> {
                    let first = match first {
                        Ok(first) => first,
                        Err(error) => return stream::iter([Err(error)]).boxed(),
                    };
                    let path = path.clone();
                    let rest = stream::iter(2..=first.meta.total_pages)
                        .map(move |page| {
                            let path = path.clone();
                            async move { Ok(self.page(&path, page, per_page, since).await?.data) }
                        })
                        .buffered(concurrency);
                    stream::iter([Ok(first.data)]).chain(rest).boxed()
                },
            );
        flatten_batches(until_error(pages))
    }
}
