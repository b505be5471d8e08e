//! The source as a delta sees it: only the records created or changed since
//! the window opened, and of those only the ones the destination does not
//! hold with this content yet.
//!
//! A [`ChangedSource`] wraps the real source and is handed to the
//! destination in its place, so `delta` runs the very writers `migrate` runs
//! (one code path: a new ticket is created exactly as a migrated one was)
//! while the writers, seeing the phase is `delta`, also update records that
//! are in the destination already.
//!
//! - customers, tickets and custom-object records are read with
//!   `updated_since` and filtered against the ledger's id map: a record
//!   whose content hash is the one that landed is left out; one that is not
//!   in the destination is *new*; one deskshift created whose content
//!   changed is *changed*; one that existed in the destination before the
//!   migration (matched) and changed in the source is *kept*: left out, the
//!   pre-existing record stays untouched.
//! - agents, tags, field and object definitions are small and read whole:
//!   the writers need all of them (who writes as whom, which tag is which)
//!   and their already-done records cost no call.
//!
//! Memory: the ids of the changed records are kept, once, to count each
//! change once however often a destination reads a collection.

use crate::ledger::{IdMapEntry, IdMapState, Ledger, LedgerError};
use crate::model::{
    Agent, Attachment, Automation, CustomFieldDef, CustomObjectDef, CustomObjectRecord, Customer,
    ObjectKind, Tag, TicketThread, Timestamp, Workspace,
};
use crate::source::{ApiStats, ByteStream, Read, ReadStream, Source, SourceError};
use async_trait::async_trait;
use futures::stream::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

/// How a record in the window compares with what the destination holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Not in the destination (never migrated, or refused before): created.
    New,
    /// In the destination as deskshift wrote it, changed since: updated.
    Changed,
    /// Changed, but its destination record existed before the migration and
    /// is left untouched.
    Kept,
    /// The destination holds this content already.
    Unchanged,
}

/// Per kind, how many records of each [`Change`] the window held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeCounts {
    pub new: u64,
    pub changed: u64,
    pub kept: u64,
    pub unchanged: u64,
}

impl ChangeCounts {
    fn add(&mut self, change: Change) {
        match change {
            Change::New => self.new += 1,
            Change::Changed => self.changed += 1,
            Change::Kept => self.kept += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }

    /// Changes a delta still has to apply.
    pub fn pending(&self) -> u64 {
        self.new + self.changed
    }
}

/// Where the view looks records up: the run's journal, or a bare ledger
/// for `delta --check` (which starts no run).
pub trait IdMapLookup: Send + Sync {
    fn mapping(&self, kind: ObjectKind, source_id: &str)
        -> Result<Option<IdMapEntry>, LedgerError>;
}

impl IdMapLookup for crate::engine::Journal {
    fn mapping(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<IdMapEntry>, LedgerError> {
        self.with(|l| l.mapping(kind, source_id))
    }
}

impl IdMapLookup for Mutex<Ledger> {
    fn mapping(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<IdMapEntry>, LedgerError> {
        self.lock()
            .unwrap_or_else(|p| p.into_inner())
            .mapping(kind, source_id)
    }
}

/// How a record with content `hash` compares with its id-map entry.
pub fn classify(entry: Option<&IdMapEntry>, hash: &str) -> Change {
    let Some(entry) = entry.filter(|e| e.dest_id.is_some()) else {
        return Change::New;
    };
    let landed = entry.content_hash.as_deref() == Some(hash);
    match entry.state {
        IdMapState::Created | IdMapState::Updated if landed => Change::Unchanged,
        IdMapState::Created | IdMapState::Updated => Change::Changed,
        IdMapState::Matched if landed => Change::Unchanged,
        IdMapState::Matched => Change::Kept,
        // Pending, failed, rejected, rolled back: not in the destination as
        // this content; the writers settle, retry or create it again.
        _ => Change::New,
    }
}

/// The real source, narrowed to what changed since `since`.
pub struct ChangedSource<'a> {
    inner: &'a dyn Source,
    since: Timestamp,
    ids: &'a dyn IdMapLookup,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    records: HashSet<(ObjectKind, String)>,
    counts: BTreeMap<ObjectKind, ChangeCounts>,
    /// The first changed ids per kind, for the report.
    examples: BTreeMap<ObjectKind, Vec<(String, Change)>>,
}

/// Ids per kind listed in reports; the counts are complete.
pub const EXAMPLES_PER_KIND: usize = 50;

impl<'a> ChangedSource<'a> {
    pub fn new(inner: &'a dyn Source, since: Timestamp, ids: &'a dyn IdMapLookup) -> Self {
        ChangedSource {
            inner,
            since,
            ids,
            seen: Mutex::new(Seen::default()),
        }
    }

    pub fn since(&self) -> Timestamp {
        self.since
    }

    /// Per kind, what the window held so far (each record counted once).
    pub fn counts(&self) -> BTreeMap<ObjectKind, ChangeCounts> {
        self.seen().counts.clone()
    }

    /// Per kind, the first changed records (id and change).
    pub fn examples(&self) -> BTreeMap<ObjectKind, Vec<(String, Change)>> {
        self.seen().examples.clone()
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note(&self, kind: ObjectKind, id: &str, change: Change) {
        let mut seen = self.seen();
        if seen.records.insert((kind, id.to_string())) {
            seen.counts.entry(kind).or_default().add(change);
            let examples = seen.examples.entry(kind).or_default();
            if change != Change::Unchanged && examples.len() < EXAMPLES_PER_KIND {
                examples.push((id.to_string(), change));
            }
        }
    }

    /// Keeps the records of `stream` that are new or changed.
    fn narrow<'s, T: Send + 's>(
        &'s self,
        kind: ObjectKind,
        stream: ReadStream<'s, T>,
        key: fn(&T) -> (String, String),
    ) -> ReadStream<'s, T> {
        stream
            .filter_map(move |item| async move {
                let record = match item {
                    Ok(Read::Record(record)) => record,
                    // The source's own rejects and failures go on as they are.
                    other => return Some(other),
                };
                let (id, hash) = key(&record);
                let entry = match self.ids.mapping(kind, &id) {
                    Ok(entry) => entry,
                    Err(error) => {
                        return Some(Err(SourceError::Other(format!(
                            "cannot compare {kind} {id} with the ledger: {error}"
                        ))))
                    }
                };
                let change = classify(entry.as_ref(), &hash);
                self.note(kind, &id, change);
                matches!(change, Change::New | Change::Changed).then_some(Ok(Read::Record(record)))
            })
            .boxed()
    }
}

fn customer_key(c: &Customer) -> (String, String) {
    (c.id.clone(), crate::ledger::content_hash(c))
}

fn ticket_key(t: &TicketThread) -> (String, String) {
    (t.ticket.id.clone(), crate::ledger::content_hash(t))
}

fn record_key(r: &CustomObjectRecord) -> (String, String) {
    (r.id.clone(), crate::ledger::content_hash(r))
}

#[async_trait]
impl Source for ChangedSource<'_> {
    fn describe(&self) -> String {
        format!(
            "{} (changes since {})",
            self.inner.describe(),
            self.since.to_rfc3339()
        )
    }

    async fn workspace(&self) -> Result<Workspace, SourceError> {
        self.inner.workspace().await
    }

    fn agents(&self) -> ReadStream<'_, Agent> {
        self.inner.agents()
    }

    fn customers(&self, _since: Option<Timestamp>) -> ReadStream<'_, Customer> {
        let stream = self.inner.customers(Some(self.since));
        self.narrow(ObjectKind::Customers, stream, customer_key)
    }

    fn tags(&self) -> ReadStream<'_, Tag> {
        self.inner.tags()
    }

    fn custom_fields(&self) -> ReadStream<'_, CustomFieldDef> {
        self.inner.custom_fields()
    }

    fn custom_objects(&self) -> ReadStream<'_, CustomObjectDef> {
        self.inner.custom_objects()
    }

    fn custom_object_records(
        &self,
        _since: Option<Timestamp>,
    ) -> ReadStream<'_, CustomObjectRecord> {
        let stream = self.inner.custom_object_records(Some(self.since));
        self.narrow(ObjectKind::CustomObjectRecords, stream, record_key)
    }

    fn automations(&self) -> ReadStream<'_, Automation> {
        self.inner.automations()
    }

    fn tickets(&self, _since: Option<Timestamp>) -> ReadStream<'_, TicketThread> {
        let stream = self.inner.tickets(Some(self.since));
        self.narrow(ObjectKind::Tickets, stream, ticket_key)
    }

    async fn open_attachment(&self, attachment: &Attachment) -> Result<ByteStream, SourceError> {
        self.inner.open_attachment(attachment).await
    }

    async fn declared_counts(&self) -> Result<BTreeMap<ObjectKind, u64>, SourceError> {
        self.inner.declared_counts().await
    }

    fn api_stats(&self) -> ApiStats {
        self.inner.api_stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RunId;

    fn entry(state: IdMapState, hash: &str) -> IdMapEntry {
        IdMapEntry {
            kind: ObjectKind::Tickets,
            source_id: "1".into(),
            dest_id: Some("d1".into()),
            state,
            content_hash: Some(hash.into()),
            run: RunId(1),
            journal: None,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_record_is_new_changed_kept_or_unchanged() {
        assert_eq!(classify(None, "h"), Change::New);
        assert_eq!(
            classify(Some(&entry(IdMapState::Created, "h")), "h"),
            Change::Unchanged
        );
        assert_eq!(
            classify(Some(&entry(IdMapState::Created, "old")), "h"),
            Change::Changed
        );
        assert_eq!(
            classify(Some(&entry(IdMapState::Updated, "old")), "h"),
            Change::Changed
        );
        assert_eq!(
            classify(Some(&entry(IdMapState::Matched, "old")), "h"),
            Change::Kept
        );
        assert_eq!(
            classify(Some(&entry(IdMapState::Rejected, "old")), "h"),
            Change::New
        );
        assert_eq!(
            classify(Some(&entry(IdMapState::Deleted, "h")), "h"),
            Change::New,
            "rolled back: no longer in the destination"
        );
        let mut gone = entry(IdMapState::Failed, "h");
        gone.dest_id = None;
        assert_eq!(classify(Some(&gone), "h"), Change::New);
    }
}
