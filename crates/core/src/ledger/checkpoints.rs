//! Checkpoints: how far a phase has read or written each object kind, so an
//! interrupted run resumes where it stopped instead of starting over. A cursor is
//! opaque to the ledger (a page token, the last id, a timestamp).

use super::error::LedgerError;
use super::types::now_text;
use super::Ledger;
use crate::model::ObjectKind;
use rusqlite::OptionalExtension;

impl Ledger {
    /// The cursor of `kind`, if one was saved.
    pub fn checkpoint(&self, kind: ObjectKind) -> Result<Option<String>, LedgerError> {
        self.scoped_checkpoint(kind, "")
    }

    /// Saves the cursor of `kind`.
    pub fn set_checkpoint(&self, kind: ObjectKind, cursor: &str) -> Result<(), LedgerError> {
        self.set_scoped_checkpoint(kind, "", cursor)
    }

    /// The cursor of `kind` within `scope` (e.g. one department, or one phase).
    pub fn scoped_checkpoint(
        &self,
        kind: ObjectKind,
        scope: &str,
    ) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row(
                "SELECT cursor FROM checkpoints WHERE kind = ?1 AND scope = ?2",
                (kind, scope),
                |row| row.get(0),
            )
            .optional()
            .map_err(LedgerError::sql("read a checkpoint"))
    }

    /// Saves the cursor of `kind` within `scope`.
    pub fn set_scoped_checkpoint(
        &self,
        kind: ObjectKind,
        scope: &str,
        cursor: &str,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO checkpoints (kind, scope, cursor, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, scope) DO UPDATE SET
                     cursor = excluded.cursor, updated_at = excluded.updated_at",
                (kind, scope, cursor, now_text()),
            )
            .map_err(LedgerError::sql("save a checkpoint"))?;
        Ok(())
    }

    /// Forgets every checkpoint, so the next run reads from the start.
    pub fn clear_checkpoints(&self) -> Result<(), LedgerError> {
        self.conn
            .execute("DELETE FROM checkpoints", [])
            .map_err(LedgerError::sql("clear checkpoints"))?;
        Ok(())
    }
}
