//! A Stames export bundle as a [`Source`] (format: `docs/stames-export.md`).
//!
//! Files are streamed line by line, so memory does not grow with the bundle;
//! tickets are merged with their conversations in one pass (see `tickets.rs`).
//! Each line goes through the same conversion as an API record
//! ([`crate::api::convert`]). A damaged line (invalid UTF-8, truncated JSON)
//! is rejected naming its file and line, a record failing validation is
//! rejected naming its field (and, in the reason, its file and line), and
//! reading goes on.

mod lines;
mod manifest;
mod tickets;

pub use manifest::{Manifest, FORMAT, VERSION};

use crate::api::convert::{self, FromWire};
use crate::api::wire::WireAccount;
use crate::stream_util::{flatten_batches, until_error};
use async_trait::async_trait;
use deskshift_core::model::{
    Agent, Attachment, Automation, CustomFieldDef, CustomObjectDef, CustomObjectRecord, Customer,
    ObjectKind, Tag, TicketThread, Timestamp, Workspace,
};
use deskshift_core::source::{ByteStream, Read, ReadStream, Source, SourceError};
use futures::future::ready;
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use lines::{locate, JsonlReader, Line};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tickets::TicketMerge;

const ACCOUNT_FILE: &str = "account.json";
const AGENTS_FILE: &str = "agents.jsonl";
const CUSTOMERS_FILE: &str = "customers.jsonl";
const TAGS_FILE: &str = "tags.jsonl";
const CUSTOM_FIELDS_FILE: &str = "custom_fields.jsonl";
const CUSTOM_OBJECTS_FILE: &str = "custom_objects.jsonl";
const CUSTOM_OBJECT_RECORDS_FILE: &str = "custom_object_records.jsonl";
const AUTOMATIONS_FILE: &str = "automations.jsonl";
const TICKETS_FILE: &str = "tickets.jsonl";
const MESSAGES_FILE: &str = "messages.jsonl";
const ATTACHMENTS_DIR: &str = "attachments";

/// Every file a bundle must have, even when empty.
const REQUIRED_FILES: [&str; 10] = [
    ACCOUNT_FILE,
    AGENTS_FILE,
    CUSTOMERS_FILE,
    TAGS_FILE,
    CUSTOM_FIELDS_FILE,
    CUSTOM_OBJECTS_FILE,
    CUSTOM_OBJECT_RECORDS_FILE,
    AUTOMATIONS_FILE,
    TICKETS_FILE,
    MESSAGES_FILE,
];

/// Keep only records whose `updated_at` (read by the function) is at or
/// after the instant.
type SinceFilter<T> = Option<(Timestamp, fn(&T) -> Timestamp)>;

/// An export bundle on disk.
#[derive(Debug, Clone)]
pub struct ExportBundle {
    dir: PathBuf,
    manifest: Manifest,
}

impl ExportBundle {
    /// Opens the bundle in `dir`, checking its manifest and that every file
    /// the format requires is there. Records are read only when streamed.
    pub fn open(dir: &Path) -> Result<ExportBundle, SourceError> {
        if !dir.is_dir() {
            return Err(SourceError::Other(format!(
                "{} is not a directory; point deskshift at the folder holding the Stames \
                 export (the one with manifest.json)",
                dir.display()
            )));
        }
        let manifest = Manifest::read(dir)?;
        let missing: Vec<&str> = REQUIRED_FILES
            .into_iter()
            .filter(|file| !dir.join(file).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(SourceError::Other(format!(
                "the Stames export in {} is incomplete: {} missing; export again",
                dir.display(),
                missing.join(", ")
            )));
        }
        Ok(ExportBundle {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The non-blank lines of one file; ends after the first read error.
    fn lines(&self, file: &'static str) -> BoxStream<'static, Result<Line, SourceError>> {
        let dir = self.dir.clone();
        let lines = stream::once(async move { JsonlReader::open(&dir, file).await })
            .map_ok(|reader| {
                stream::try_unfold(reader, |mut reader| async move {
                    Ok(reader.next().await?.map(|line| (line, reader)))
                })
            })
            .try_flatten();
        until_error(lines)
    }

    /// One record per line of `file`; with `since`, records updated before it
    /// are skipped (rejects always come through: their date is unknown).
    fn records<T>(&self, file: &'static str, since: SinceFilter<T>) -> ReadStream<'_, T>
    where
        T: FromWire + Send + 'static,
    {
        self.lines(file)
            .try_filter_map(move |line| {
                let item = match line.content {
                    Err(bad) => Some(Read::Rejected(bad.reject(T::KIND, file, line.number))),
                    Ok(raw) => match convert::decode::<T>(&raw) {
                        Ok(record) => match since {
                            Some((since, updated_at)) if updated_at(&record) < since => None,
                            _ => Some(Read::Record(record)),
                        },
                        Err(reject) => Some(Read::Rejected(locate(reject, file, line.number))),
                    },
                };
                ready(Ok(item))
            })
            .boxed()
    }

    fn attachment_path(&self, attachment: &Attachment) -> Option<PathBuf> {
        // The id names a file: keep it from naming anything outside the bundle.
        let id = &attachment.id;
        let plain = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        plain.then(|| self.dir.join(ATTACHMENTS_DIR).join(id))
    }
}

#[async_trait]
impl Source for ExportBundle {
    fn describe(&self) -> String {
        format!(
            "Stames export at {} (account {}, exported {})",
            self.dir.display(),
            self.manifest.account_id,
            self.manifest.exported_at
        )
    }

    async fn workspace(&self) -> Result<Workspace, SourceError> {
        let path = self.dir.join(ACCOUNT_FILE);
        let bytes = tokio::fs::read(&path).await.map_err(|error| {
            SourceError::Other(format!("cannot read {}: {error}", path.display()))
        })?;
        let account: WireAccount = serde_json::from_slice(&bytes).map_err(|error| {
            SourceError::Other(format!(
                "{} is not a Stames account record: {error}",
                path.display()
            ))
        })?;
        Ok(convert::workspace(account))
    }

    fn agents(&self) -> ReadStream<'_, Agent> {
        self.records(AGENTS_FILE, None)
    }

    fn customers(&self, since: Option<Timestamp>) -> ReadStream<'_, Customer> {
        self.records(
            CUSTOMERS_FILE,
            since.map(|s| (s, customer_updated as fn(&Customer) -> Timestamp)),
        )
    }

    fn tags(&self) -> ReadStream<'_, Tag> {
        self.records(TAGS_FILE, None)
    }

    fn custom_fields(&self) -> ReadStream<'_, CustomFieldDef> {
        self.records(CUSTOM_FIELDS_FILE, None)
    }

    fn custom_objects(&self) -> ReadStream<'_, CustomObjectDef> {
        self.records(CUSTOM_OBJECTS_FILE, None)
    }

    fn custom_object_records(
        &self,
        since: Option<Timestamp>,
    ) -> ReadStream<'_, CustomObjectRecord> {
        self.records(
            CUSTOM_OBJECT_RECORDS_FILE,
            since.map(|s| (s, record_updated as fn(&CustomObjectRecord) -> Timestamp)),
        )
    }

    fn automations(&self) -> ReadStream<'_, Automation> {
        self.records(AUTOMATIONS_FILE, None)
    }

    fn tickets(&self, since: Option<Timestamp>) -> ReadStream<'_, TicketThread> {
        let dir = self.dir.clone();
        let batches = stream::once(async move {
            let tickets = JsonlReader::open(&dir, TICKETS_FILE).await?;
            let messages = JsonlReader::open(&dir, MESSAGES_FILE).await?;
            Ok(TicketMerge::new(tickets, messages, since))
        })
        .map_ok(|merge| {
            stream::try_unfold(merge, |mut merge| async move {
                Ok(merge.next_batch().await?.map(|batch| (batch, merge)))
            })
        })
        .try_flatten();
        flatten_batches(batches)
    }

    async fn open_attachment(&self, attachment: &Attachment) -> Result<ByteStream, SourceError> {
        let what = crate::attachment::describe(attachment);
        if attachment.requires_auth {
            return Err(crate::attachment::private(&what));
        }
        let path = self.attachment_path(attachment).ok_or_else(|| {
            SourceError::Other(format!(
                "{what} has an id that cannot name a file in the bundle"
            ))
        })?;
        let file = tokio::fs::File::open(&path).await.map_err(|error| {
            SourceError::Other(if error.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{what} is missing from the export ({} does not exist); export again with \
                     attachments, or migrate the message without it",
                    path.display()
                )
            } else {
                format!("cannot open {what} at {}: {error}", path.display())
            })
        })?;
        let bytes = tokio_util::io::ReaderStream::new(file).map(move |chunk| {
            chunk.map_err(|error| {
                SourceError::Other(format!("reading {} failed: {error}", path.display()))
            })
        });
        Ok(bytes.boxed())
    }

    async fn declared_counts(&self) -> Result<BTreeMap<ObjectKind, u64>, SourceError> {
        Ok(self.manifest.declared())
    }
}

fn customer_updated(customer: &Customer) -> Timestamp {
    customer.updated_at
}

fn record_updated(record: &CustomObjectRecord) -> Timestamp {
    record.updated_at
}
