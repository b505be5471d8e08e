//! Small stream combinators shared by the REST and export readers.

use deskshift_core::source::SourceError;
use futures::future::ready;
use futures::stream::{self, BoxStream, Stream};
use futures::StreamExt;

/// Passes items through up to and including the first error, then ends: a
/// source error means the source failed, and nothing after it can be trusted
/// to be complete.
pub(crate) fn until_error<'a, T, S>(items: S) -> BoxStream<'a, Result<T, SourceError>>
where
    S: Stream<Item = Result<T, SourceError>> + Send + 'a,
    T: Send + 'a,
{
    items
        .scan(false, |failed, item| {
            if *failed {
                return ready(None);
            }
            *failed = item.is_err();
            ready(Some(item))
        })
        .boxed()
}

/// Flattens batches (a page of records, a ticket with the rejects that go
/// before it) into single items, ending after the first error.
pub(crate) fn flatten_batches<'a, T, S, B>(batches: S) -> BoxStream<'a, Result<T, SourceError>>
where
    S: Stream<Item = Result<B, SourceError>> + Send + 'a,
    B: IntoIterator<Item = T> + Send + 'a,
    B::IntoIter: Send + 'a,
    T: Send + 'a,
{
    let items = until_error(batches).flat_map(|batch| match batch {
        Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
        Err(error) => stream::iter([Err(error)]).right_stream(),
    });
    items.boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stops_after_the_first_error() {
        let items = stream::iter([
            Ok(vec![1, 2]),
            Err(SourceError::Other("boom".into())),
            Ok(vec![3]),
        ]);
        let seen: Vec<_> = flatten_batches(items).collect().await;
        assert_eq!(seen.len(), 3);
        assert!(matches!(seen[..2], [Ok(1), Ok(2)]));
        assert!(seen[2].is_err());
    }
}
