//! What the core's tests share: a source with nothing in it, for the phases
//! that write and undo and never read.

use async_trait::async_trait;
use deskshift_core::model::*;
use deskshift_core::source::*;
use futures::stream::{self, StreamExt};

/// A source that yields nothing; its workspace and files are never asked for.
pub struct EmptySource;

#[async_trait]
impl Source for EmptySource {
    fn describe(&self) -> String {
        "empty".into()
    }
    async fn workspace(&self) -> Result<Workspace, SourceError> {
        Err(SourceError::Other("unused".into()))
    }
    fn agents(&self) -> ReadStream<'_, Agent> {
        stream::empty().boxed()
    }
    fn customers(&self, _: Option<Timestamp>) -> ReadStream<'_, Customer> {
        stream::empty().boxed()
    }
    fn tags(&self) -> ReadStream<'_, Tag> {
        stream::empty().boxed()
    }
    fn custom_fields(&self) -> ReadStream<'_, CustomFieldDef> {
        stream::empty().boxed()
    }
    fn custom_objects(&self) -> ReadStream<'_, CustomObjectDef> {
        stream::empty().boxed()
    }
    fn custom_object_records(&self, _: Option<Timestamp>) -> ReadStream<'_, CustomObjectRecord> {
        stream::empty().boxed()
    }
    fn automations(&self) -> ReadStream<'_, Automation> {
        stream::empty().boxed()
    }
    fn tickets(&self, _: Option<Timestamp>) -> ReadStream<'_, TicketThread> {
        stream::empty().boxed()
    }
    async fn open_attachment(&self, _: &Attachment) -> Result<ByteStream, SourceError> {
        Err(SourceError::Other("unused".into()))
    }
}
