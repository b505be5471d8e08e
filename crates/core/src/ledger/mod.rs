//! The ledger: one SQLite file per migration project (`deskshift.db`), and the
//! write-ahead log that makes a migration crash-safe and exactly undoable.
//!
//! # Why it exists
//!
//! A destination call is the one thing deskshift cannot take back by itself. So
//! every destination write is announced before it is made ([`Ledger::record_intent`])
//! and settled after ([`Ledger::record_outcome`]). Each is its own transaction.
//! Intents are committed with `synchronous = FULL`: when `record_intent` returns,
//! the intent is on disk, whatever happens to the machine next. Outcomes skip
//! that fsync (a lost outcome leaves its intent pending, which the next run
//! resolves anyway), which halves the disk syncs of a load.
//!
//! After a crash at any instant there are only three cases for one record:
//! no intent (the call was never made: make it), a completed entry (the call was
//! made and we know its result), or a *pending* intent (the call may or may not
//! have reached the destination). [`Ledger::pending_intents`] lists the third
//! case; the next run looks each record up in the destination by its external
//! id and settles it with [`Ledger::resolve_pending`]. Nothing is written twice
//! and nothing is forgotten.
//!
//! The journal is append-only and ordered, with before-images of everything an
//! update or delete touched, so rollback can walk it backwards
//! ([`Ledger::journal_reversed`], [`Ledger::journal_page`]) and undo exactly
//! what deskshift did and nothing else. The id map is the journal's summary:
//! per source record, the destination id and the state of the last write.
//!
//! # Runs and crashes
//!
//! Every command that writes begins a *run*. The first [`Ledger::begin_run`] of a
//! process takes the project's writer lock (a file lock the operating system
//! drops when the process dies), so two deskshift processes never write one
//! project at once. Whoever takes the lock knows that any run still marked
//! `running` belongs to a process that died, and marks it
//! [`RunStatus::Interrupted`]. [`Ledger::open`] does the same when no writer
//! holds the lock, so `deskshift status` reports a crashed run truthfully before
//! the next run starts. In-memory ledgers have one connection and no lock.
//!
//! A `Ledger` wraps one SQLite connection: it is `Send` but not `Sync`; share it
//! between tasks behind a mutex. Every method takes `&self`, so one phase can
//! read (reference checks) and write (rejects) through the same shared borrow.

mod checkpoints;
mod error;
mod id_map;
mod journal;
mod lock;
mod rejects;
mod runs;
mod schema;
mod source_index;
mod types;
mod undo;

pub use error::LedgerError;
pub use id_map::RunWrites;
pub use schema::SCHEMA_VERSION;
pub use types::{
    IdMapEntry, IdMapState, Intent, JournalEntry, JournalId, JournalOrder, JournalState, Operation,
    Outcome, OutcomeKind, PendingIntent, RejectRecord, Run, RunId, RunOutcome, RunStatus,
    SourceIndexEntry, StateCounts,
};
pub use undo::{rollback_scope_key, UndoTarget};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a statement waits for another connection's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long `begin_run` waits for the writer lock. Long enough to ride out a
/// `status` that briefly holds it to mark dead runs; short enough to fail fast
/// when another deskshift is really running.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// The ledger of one migration project. See the [module docs](self).
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: Option<PathBuf>,
    /// Taken by the first `begin_run`, held until the ledger is dropped.
    lock: OnceCell<lock::WriterLock>,
}

impl Ledger {
    /// Opens the ledger at `path`, creating it if needed and upgrading its schema.
    ///
    /// Opening takes no lock, so `status` can read while `migrate` writes; the
    /// writer lock is taken by [`Ledger::begin_run`]. Fails with
    /// [`LedgerError::SchemaTooNew`] for a ledger written by a newer deskshift.
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger, LedgerError> {
        let path = path.as_ref();
        let open_error = |source: rusqlite::Error| LedgerError::Open {
            path: path.to_owned(),
            hint: error::open_hint(&source),
            source,
        };
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        // WAL lets readers (`status`) run beside the writer, and a commit is one
        // append plus an fsync. It is also the first statement that reads the file,
        // so a file that is not a database fails here, with the open hint.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                path = %path.display(),
                mode,
                "the ledger's file system does not support WAL; using {mode} journaling"
            );
        }
        let ledger = Ledger::configure(conn, Some(path.to_owned())).map_err(|e| match e {
            LedgerError::Sqlite { source, .. } => open_error(source),
            other => other,
        })?;
        ledger.mark_dead_runs_if_unlocked()?;
        Ok(ledger)
    }

    /// A throwaway ledger in memory, for tests and dry runs.
    pub fn open_in_memory() -> Result<Ledger, LedgerError> {
        let conn =
            Connection::open_in_memory().map_err(LedgerError::sql("open an in-memory ledger"))?;
        Ledger::configure(conn, None)
    }

    fn configure(conn: Connection, path: Option<PathBuf>) -> Result<Ledger, LedgerError> {
        // FULL: a committed intent survives power loss, not only a process crash.
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(LedgerError::sql("configure the ledger connection"))?;
        let mut ledger = Ledger {
            conn,
            path,
            lock: OnceCell::new(),
        };
        schema::migrate(&mut ledger.conn, schema::MIGRATIONS)?;
        Ok(ledger)
    }

    /// The file this ledger lives in; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open ledger (always [`SCHEMA_VERSION`] once open).
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        schema::version(&self.conn)
    }

    /// Runs SQLite's integrity and foreign-key checks; returns the problems found,
    /// empty when the ledger is sound.
    pub fn check_integrity(&self) -> Result<Vec<String>, LedgerError> {
        let action = "check the ledger's integrity";
        let mut problems = Vec::new();
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(LedgerError::sql(action))?;
        for row in rows {
            let line = row.map_err(LedgerError::sql(action))?;
            if line != "ok" {
                problems.push(line);
            }
        }
        let mut stmt = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([], |row| {
                Ok(format!(
                    "row {} of `{}` points at a missing row of `{}`",
                    row.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(2)?
                ))
            })
            .map_err(LedgerError::sql(action))?;
        for row in rows {
            problems.push(row.map_err(LedgerError::sql(action))?);
        }
        Ok(problems)
    }

    /// Stores a project-wide value (e.g. the hash of the confirmed field map).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            .map_err(LedgerError::sql("store a meta value"))?;
        Ok(())
    }

    /// Reads a value stored with [`Ledger::set_meta`].
    pub fn meta(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(LedgerError::sql("read a meta value"))
    }

    /// Starts a write transaction that holds SQLite's write lock from the start,
    /// so it never fails half-way on a lock upgrade.
    ///
    /// Methods take `&self` (the connection is not shared across threads anyway),
    /// so a transaction is started "unchecked"; no ledger method nests one.
    fn write_tx(&self, action: &'static str) -> Result<rusqlite::Transaction<'_>, LedgerError> {
        rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(LedgerError::sql(action))
    }

    /// Runs `write` with `synchronous = NORMAL` instead of `FULL`.
    ///
    /// For writes whose loss in a power cut the next run recovers by itself:
    /// an outcome (its intent stays pending, and the next run looks the record
    /// up and adopts it), a reject or a source-index entry (discovery rebuilds
    /// them). In WAL mode a NORMAL commit still survives the process being
    /// killed; it only skips the fsync, which the next FULL commit (the next
    /// intent) performs for it. Intents, runs and meta stay FULL: an intent must
    /// be on disk before the call it announces.
    fn relaxed<T>(
        &self,
        action: &'static str,
        write: impl FnOnce() -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(LedgerError::sql(action))?;
        let result = write();
        let restored = self
            .conn
            .execute_batch("PRAGMA synchronous = FULL")
            .map_err(LedgerError::sql(action));
        let value = result?;
        restored?;
        Ok(value)
    }
}

/// Hex SHA-256 of a record's canonical JSON: the fingerprint delta and the id
/// map compare to tell whether a record changed.
///
/// The canonical model serialises deterministically (ordered maps, no hash
/// maps), so equal records hash equal. Fails only for values JSON cannot
/// represent, such as maps with non-string keys.
///
/// Serialisation fails only for values JSON cannot represent (maps with
/// non-string keys), which the canonical model never contains. Should it
/// happen anyway, the error is logged and the hash is taken of the error text,
/// so the caller still gets a stable value instead of a panic; use
/// [`try_content_hash`] to handle that case yourself.
pub fn content_hash<T: Serialize + ?Sized>(record: &T) -> String {
    try_content_hash(record).unwrap_or_else(|err| {
        tracing::error!(%err, "hashing a record that JSON cannot represent");
        hex::encode(Sha256::digest(format!("unhashable: {err}").as_bytes()))
    })
}

/// [`content_hash`], with the serialisation error returned instead of logged.
pub fn try_content_hash<T: Serialize + ?Sized>(record: &T) -> Result<String, LedgerError> {
    let mut hasher = Sha256::new();
    serde_json::to_writer(&mut hasher, record).map_err(|source| LedgerError::Encode {
        what: "a record for its content hash",
        source,
    })?;
    Ok(hex::encode(hasher.finalize()))
}

/// Converts an SQLite count to `u64`; counts are never negative.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_ledger_is_durable_and_enforces_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path().join("deskshift.db")).unwrap();
        let pragma = |name: &str| -> String {
            ledger
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
        assert_eq!(pragma("synchronous"), "Integer(2)", "FULL");
        assert_eq!(pragma("foreign_keys"), "Integer(1)");
        assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);

        // An outcome is committed relaxed, and FULL is back for the next intent,
        // also when the outcome itself is refused.
        let run = ledger.begin_run("migrate").unwrap();
        let intent = Intent::create(crate::model::ObjectKind::Tickets, "t1", "h");
        let id = ledger.record_intent(run, &intent).unwrap();
        let created = Outcome::Created {
            dest_id: "d1".into(),
        };
        ledger.record_outcome(id, &created).unwrap();
        assert_eq!(pragma("synchronous"), "Integer(2)", "FULL after an outcome");
        assert!(
            ledger.record_outcome(id, &created).is_err(),
            "recorded twice"
        );
        assert_eq!(
            pragma("synchronous"),
            "Integer(2)",
            "FULL after a refused outcome"
        );
    }

    #[test]
    fn content_hash_is_stable_hex_sha256() {
        let a = content_hash(&serde_json::json!({"b": 1, "a": [1, 2]}));
        let b = content_hash(&serde_json::json!({"a": [1, 2], "b": 1}));
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        // sha256 of the JSON text `"x"`.
        assert_eq!(content_hash("x"), hex::encode(Sha256::digest(br#""x""#)));
        let mut bad = std::collections::BTreeMap::new();
        bad.insert((1, 2), "tuple keys are not JSON");
        assert!(try_content_hash(&bad).is_err());
        assert_eq!(content_hash(&bad).len(), 64, "no panic, still a hash");
    }

    #[test]
    fn meta_round_trips_and_overwrites() {
        let ledger = Ledger::open_in_memory().unwrap();
        assert_eq!(ledger.meta("map_hash").unwrap(), None);
        ledger.set_meta("map_hash", "abc").unwrap();
        ledger.set_meta("map_hash", "def").unwrap();
        assert_eq!(ledger.meta("map_hash").unwrap().as_deref(), Some("def"));
    }
}
