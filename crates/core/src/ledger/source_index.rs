//! The source index: one small row per source record (id, content hash, natural
//! key), so cross-record reference checks and change detection work in bounded
//! memory however large the helpdesk is (invariant 7).

use super::error::LedgerError;
use super::types::SourceIndexEntry;
use super::Ledger;
use crate::model::ObjectKind;
use rusqlite::OptionalExtension;

impl Ledger {
    /// Adds or replaces index rows for records of `kind`, in one transaction
    /// (all or none); returns how many rows were written.
    pub fn index_source_batch<'a>(
        &self,
        kind: ObjectKind,
        entries: impl IntoIterator<Item = &'a SourceIndexEntry>,
    ) -> Result<u64, LedgerError> {
        let action = "index source records";
        let tx = self.write_tx(action)?;
        let mut written = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO source_index (kind, source_id, content_hash, natural_key, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (kind, source_id) DO UPDATE SET
                         content_hash = excluded.content_hash,
                         natural_key = excluded.natural_key,
                         updated_at = excluded.updated_at",
                )
                .map_err(LedgerError::sql(action))?;
            for e in entries {
                stmt.execute((
                    kind,
                    &e.source_id,
                    &e.content_hash,
                    e.natural_key.as_deref(),
                    e.updated_at.as_deref(),
                ))
                .map_err(LedgerError::sql(action))?;
                written += 1;
            }
        }
        tx.commit().map_err(LedgerError::sql(action))?;
        Ok(written)
    }

    /// Whether the source has a record of `kind` with this id (a primary-key lookup).
    pub fn source_contains(&self, kind: ObjectKind, source_id: &str) -> Result<bool, LedgerError> {
        self.conn
            .prepare_cached("SELECT 1 FROM source_index WHERE kind = ?1 AND source_id = ?2")
            .and_then(|mut stmt| stmt.exists((kind, source_id)))
            .map_err(LedgerError::sql("look up a source record"))
    }

    /// The index row of one source record.
    pub fn source_entry(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<SourceIndexEntry>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT source_id, content_hash, natural_key, updated_at
                 FROM source_index WHERE kind = ?1 AND source_id = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row((kind, source_id), |row| {
                    Ok(SourceIndexEntry {
                        source_id: row.get(0)?,
                        content_hash: row.get(1)?,
                        natural_key: row.get(2)?,
                        updated_at: row.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(LedgerError::sql("read a source index row"))
    }

    /// How many records of `kind` are indexed.
    pub fn source_count(&self, kind: ObjectKind) -> Result<u64, LedgerError> {
        self.conn
            .prepare_cached("SELECT count(*) FROM source_index WHERE kind = ?1")
            .and_then(|mut stmt| stmt.query_row([kind], |row| row.get(0)))
            .map(super::count)
            .map_err(LedgerError::sql("count source records"))
    }

    /// Natural keys shared by more than one record of `kind` (e.g. customers with
    /// the same e-mail), with how many records share each; most shared first.
    pub fn duplicate_natural_keys(
        &self,
        kind: ObjectKind,
    ) -> Result<Vec<(String, u64)>, LedgerError> {
        let action = "find duplicate natural keys";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT natural_key, count(*) AS n FROM source_index
                 WHERE kind = ?1 AND natural_key IS NOT NULL
                 GROUP BY natural_key HAVING n > 1
                 ORDER BY n DESC, natural_key",
            )
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([kind], |row| {
                Ok((row.get::<_, String>(0)?, super::count(row.get(1)?)))
            })
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    /// The records of `kind` sharing `source_id`'s natural key (customers
    /// with the same e-mail), itself included, in id order; empty when the
    /// record has no natural key or is not indexed. An indexed look-up.
    pub fn sharing_natural_key(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Vec<String>, LedgerError> {
        let action = "find records sharing a natural key";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT other.source_id FROM source_index AS this
                 JOIN source_index AS other
                   ON other.kind = this.kind AND other.natural_key = this.natural_key
                 WHERE this.kind = ?1 AND this.source_id = ?2 AND this.natural_key IS NOT NULL
                 ORDER BY other.source_id",
            )
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map((kind, source_id), |row| row.get(0))
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    /// Forgets the index of `kind` before a fresh read; returns how many rows went.
    pub fn clear_source_index(&self, kind: ObjectKind) -> Result<u64, LedgerError> {
        self.conn
            .execute("DELETE FROM source_index WHERE kind = ?1", [kind])
            .map(|n| n as u64)
            .map_err(LedgerError::sql("clear the source index"))
    }
}
