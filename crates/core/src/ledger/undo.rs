//! What a rollback has to undo, read from the journal record by record.
//!
//! A record's journal is folded oldest first into the writes still *in
//! force*: every landed create, match and update stays in force until a
//! rollback run undoes it. A rollback run undoes the writes of the runs it
//! was asked to undo (all of them, or those from run `from` on, kept in the
//! ledger's meta as [`rollback_scope_key`]); its landed entries mark that.
//! A rollback that died leaves its pending entries, which undo nothing: the
//! next rollback finds the same writes in force and finishes the job.
//!
//! Of the writes in force, those of the selected runs say what to do:
//! a create there means remove the record; otherwise the earliest update
//! there carries the before-image to restore; a match there means release
//! it (nothing to call: the pre-existing record stays as it was).

use super::error::LedgerError;
use super::types::{JournalEntry, JournalState, Operation, OutcomeKind, RunId};
use super::Ledger;
use crate::model::ObjectKind;
use std::collections::HashMap;

/// The command name of rollback runs.
const ROLLBACK: &str = "rollback";

/// The meta key holding the first run a rollback run undid (absent: all).
pub fn rollback_scope_key(run: RunId) -> String {
    format!("rollback.run.{run}.from")
}

/// One record a rollback has to undo.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoTarget {
    pub kind: ObjectKind,
    pub source_id: String,
    /// The destination record; `None` only when nothing landed.
    pub dest_id: Option<String>,
    /// A selected run created it: remove it.
    pub created: bool,
    /// A selected run matched it to a pre-existing record: release it.
    pub matched: bool,
    /// The before-image of the earliest selected update of a record not
    /// created by a selected run: restore it.
    pub before_image: Option<serde_json::Value>,
    /// The content hash that had landed before the selected runs (what the
    /// id map says again after a partial restore).
    pub restore_hash: Option<String>,
    /// A create or match of a selected run has no outcome: it may or may
    /// not have reached the destination (an interrupted run).
    pub pending: bool,
    /// When deskshift last wrote to it (the latest write in force).
    pub last_write: Option<crate::model::Timestamp>,
}

impl UndoTarget {
    /// Whether anything of a selected run is in force.
    pub fn has_work(&self) -> bool {
        self.created || self.matched || self.before_image.is_some() || self.pending
    }
}

impl Ledger {
    /// Up to `limit` records of `kind` with writes of the selected runs in
    /// force (runs from `from` on; every run with `None`), in source-id
    /// order after `after`.
    pub fn undo_targets(
        &self,
        kind: ObjectKind,
        from: Option<RunId>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UndoTarget>, LedgerError> {
        let scopes = self.rollback_scopes()?;
        let mut out = Vec::new();
        let mut cursor = after.map(str::to_string);
        while out.len() < limit {
            let ids = self.touched_records(kind, from, cursor.as_deref(), limit)?;
            let Some(last) = ids.last().cloned() else {
                break;
            };
            for id in ids {
                let target = self.fold_target(kind, &id, from, &scopes)?;
                if target.has_work() {
                    out.push(target);
                }
            }
            cursor = Some(last);
        }
        Ok(out)
    }

    /// [`Ledger::undo_targets`] for one record.
    pub fn undo_target(
        &self,
        kind: ObjectKind,
        source_id: &str,
        from: Option<RunId>,
    ) -> Result<Option<UndoTarget>, LedgerError> {
        let scopes = self.rollback_scopes()?;
        let target = self.fold_target(kind, source_id, from, &scopes)?;
        Ok(target.has_work().then_some(target))
    }

    /// Rollback runs and the first run each undid (`None`: all).
    fn rollback_scopes(&self) -> Result<HashMap<RunId, Option<RunId>>, LedgerError> {
        let mut scopes = HashMap::new();
        for run in self.runs()?.into_iter().filter(|r| r.command == ROLLBACK) {
            let from = self
                .meta(&rollback_scope_key(run.id))?
                .and_then(|text| text.parse().ok())
                .map(RunId);
            scopes.insert(run.id, from);
        }
        Ok(scopes)
    }

    /// Source ids of `kind` that selected runs wrote, after `after`.
    fn touched_records(
        &self,
        kind: ObjectKind,
        from: Option<RunId>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, LedgerError> {
        let action = "list records to roll back";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT j.source_id FROM journal j JOIN runs r ON r.id = j.run_id
                 WHERE j.kind = ?1 AND r.command <> 'rollback'
                   AND (?2 IS NULL OR j.run_id >= ?2) AND (?3 IS NULL OR j.source_id > ?3)
                 ORDER BY j.source_id LIMIT ?4",
            )
            .map_err(LedgerError::sql(action))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map((kind, from, after, limit), |row| row.get::<_, String>(0))
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    fn record_entries(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Vec<JournalEntry>, LedgerError> {
        let action = "read a record's journal";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM journal WHERE kind = ?1 AND source_id = ?2 ORDER BY id",
                super::journal::COLUMNS
            ))
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map((kind, source_id), super::journal::entry_from_row)
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    fn fold_target(
        &self,
        kind: ObjectKind,
        source_id: &str,
        from: Option<RunId>,
        scopes: &HashMap<RunId, Option<RunId>>,
    ) -> Result<UndoTarget, LedgerError> {
        let mut in_force: Vec<JournalEntry> = Vec::new();
        for entry in self.record_entries(kind, source_id)? {
            if scopes.contains_key(&entry.run) {
                if entry.state == JournalState::Done {
                    let undid_from = scopes.get(&entry.run).copied().flatten();
                    in_force.retain(|e| undid_from.is_some_and(|f| e.run < f));
                }
                continue;
            }
            match (entry.state, entry.outcome.as_ref().map(|o| o.kind())) {
                (JournalState::Pending, _)
                | (
                    JournalState::Done,
                    Some(OutcomeKind::Created | OutcomeKind::Matched | OutcomeKind::Updated),
                ) => in_force.push(entry),
                _ => {}
            }
        }
        let selected = |e: &&JournalEntry| from.is_none_or(|f| e.run >= f);
        let mut target = UndoTarget {
            kind,
            source_id: source_id.to_string(),
            dest_id: None,
            created: false,
            matched: false,
            before_image: None,
            restore_hash: None,
            pending: false,
            last_write: None,
        };
        for e in in_force.iter().filter(selected) {
            if e.state == JournalState::Pending {
                // An update that may have landed is undone with the image
                // it journaled; a create or match that may have landed is
                // not known well enough to undo.
                match e.intent.operation {
                    Operation::Update => {
                        if !target.created && target.before_image.is_none() {
                            target.before_image = e.intent.before_image.clone();
                        }
                        target.dest_id = e.dest_id().map(str::to_string).or(target.dest_id);
                    }
                    _ => target.pending = true,
                }
                continue;
            }
            target.dest_id = e.dest_id().map(str::to_string).or(target.dest_id);
            match e.intent.operation {
                Operation::Create => target.created = true,
                Operation::Match => target.matched = true,
                Operation::Update if !target.created && target.before_image.is_none() => {
                    target.before_image = e.intent.before_image.clone();
                }
                _ => {}
            }
        }
        if target.created {
            target.before_image = None;
        }
        target.restore_hash = in_force
            .iter()
            .filter(|e| !selected(e) && e.state == JournalState::Done)
            .filter_map(|e| e.intent.content_hash.clone())
            .next_back();
        target.last_write = in_force
            .iter()
            .filter_map(|e| e.completed_at.or(Some(e.recorded_at)))
            .max();
        if target.dest_id.is_none() {
            target.dest_id = in_force
                .iter()
                .filter_map(|e| e.dest_id().map(str::to_string))
                .next_back();
        }
        Ok(target)
    }
}
