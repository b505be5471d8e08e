//! The ledger's schema, as an ordered list of numbered migrations.
//!
//! A ledger outlives the binary that created it (a migration project can span
//! weeks of delta runs), so the schema only ever moves forward: each migration
//! is applied once, in order, and the version reached is kept in
//! `PRAGMA user_version`. Never edit a released migration; append a new one.

use super::error::LedgerError;
use rusqlite::{Connection, TransactionBehavior};

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// The `user_version` after this step; versions are 1, 2, 3, … without gaps.
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "runs, id map, journal, checkpoints, rejects, source index, meta",
    sql: V1,
}];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

const V1: &str = r#"
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL
                CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    message     TEXT
);
CREATE INDEX runs_by_command ON runs (command, status, id);

CREATE TABLE journal (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs (id),
    kind            TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    operation       TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete', 'match')),
    content_hash    TEXT,
    dest_id         TEXT,
    before_image    TEXT,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    outcome         TEXT
                    CHECK (outcome IN ('created', 'matched', 'updated', 'deleted', 'failed', 'rejected')),
    outcome_dest_id TEXT,
    outcome_reason  TEXT,
    recorded_at     TEXT NOT NULL,
    completed_at    TEXT,
    resolved_by     INTEGER REFERENCES runs (id),
    CHECK ((state = 'pending') = (outcome IS NULL))
);
CREATE INDEX journal_by_run ON journal (run_id, id);
CREATE INDEX journal_by_record ON journal (kind, source_id, id);
CREATE INDEX journal_pending ON journal (id) WHERE state = 'pending';

-- The journal is the rollback log: rows are appended, completed once, never removed.
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;
CREATE TRIGGER journal_complete_once BEFORE UPDATE ON journal
WHEN OLD.state <> 'pending'
  OR NEW.id IS NOT OLD.id OR NEW.run_id IS NOT OLD.run_id OR NEW.kind IS NOT OLD.kind
  OR NEW.source_id IS NOT OLD.source_id OR NEW.operation IS NOT OLD.operation
  OR NEW.content_hash IS NOT OLD.content_hash OR NEW.dest_id IS NOT OLD.dest_id
  OR NEW.before_image IS NOT OLD.before_image OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN
    SELECT RAISE(ABORT, 'a journal entry is completed once and otherwise never changes');
END;

CREATE TABLE id_map (
    kind         TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    dest_id      TEXT,
    state        TEXT NOT NULL
                 CHECK (state IN ('pending', 'created', 'matched', 'updated', 'rejected', 'failed', 'deleted')),
    content_hash TEXT,
    run_id       INTEGER NOT NULL REFERENCES runs (id),
    journal_id   INTEGER REFERENCES journal (id),
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (kind, source_id)
) WITHOUT ROWID;
CREATE INDEX id_map_by_dest ON id_map (kind, dest_id);

CREATE TABLE checkpoints (
    kind       TEXT NOT NULL,
    scope      TEXT NOT NULL DEFAULT '',
    cursor     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, scope)
) WITHOUT ROWID;

CREATE TABLE rejects (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    phase      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    source_id  TEXT,
    field      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    hint       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX rejects_by_run ON rejects (run_id, kind);
CREATE INDEX rejects_by_kind ON rejects (kind);

CREATE TABLE source_index (
    kind         TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    natural_key  TEXT,
    updated_at   TEXT,
    PRIMARY KEY (kind, source_id)
) WITHOUT ROWID;
CREATE INDEX source_index_by_natural_key ON source_index (kind, natural_key)
    WHERE natural_key IS NOT NULL;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Reads `PRAGMA user_version`.
pub(crate) fn version(conn: &Connection) -> Result<i64, LedgerError> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(LedgerError::sql("read the schema version"))
}

/// Brings the schema up to the last of `migrations`, returning how many steps ran.
///
/// All pending steps run in one `IMMEDIATE` transaction, and the current version
/// is read inside it: two processes opening a fresh ledger at once cannot both
/// apply a step, and a failing step leaves the ledger at its previous version.
pub(crate) fn migrate(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<usize, LedgerError> {
    let supported = migrations.last().map_or(0, |m| m.version);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(LedgerError::sql("start the schema upgrade"))?;
    let found = version(&tx)?;
    if found > supported {
        return Err(LedgerError::SchemaTooNew { found, supported });
    }
    let mut applied = 0;
    for step in migrations.iter().filter(|m| m.version > found) {
        let failed = |source| LedgerError::Migration {
            version: step.version,
            description: step.description,
            source,
        };
        tx.execute_batch(step.sql).map_err(failed)?;
        // PRAGMA arguments cannot be bound; the version is an integer we own.
        tx.execute_batch(&format!("PRAGMA user_version = {}", step.version))
            .map_err(failed)?;
        applied += 1;
    }
    tx.commit()
        .map_err(LedgerError::sql("commit the schema upgrade"))?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTRA: Migration = Migration {
        version: 2,
        description: "test column",
        sql: "ALTER TABLE meta ADD COLUMN note TEXT;",
    };

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.description);
        }
    }

    #[test]
    fn applies_only_missing_steps_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn, &MIGRATIONS[..1]).unwrap(), 1);
        assert_eq!(version(&conn).unwrap(), 1);
        conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')", [])
            .unwrap();

        // An older ledger meets a newer binary: only step 2 runs, data survives.
        let newer = [MIGRATIONS[0], EXTRA];
        assert_eq!(migrate(&mut conn, &newer).unwrap(), 1);
        assert_eq!(version(&conn).unwrap(), 2);
        let note: Option<String> = conn
            .query_row("SELECT note FROM meta WHERE key = 'k'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(note, None);

        // Idempotent.
        assert_eq!(migrate(&mut conn, &newer).unwrap(), 0);
        assert_eq!(version(&conn).unwrap(), 2);

        // And the old binary refuses the newer ledger.
        let err = migrate(&mut conn, &MIGRATIONS[..1]).unwrap_err();
        assert!(matches!(
            err,
            LedgerError::SchemaTooNew {
                found: 2,
                supported: 1
            }
        ));
    }

    #[test]
    fn failing_step_leaves_previous_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &MIGRATIONS[..1]).unwrap();
        let broken = Migration {
            version: 2,
            description: "broken",
            sql: "CREATE TABLE extra (x INTEGER); THIS IS NOT SQL;",
        };
        let err = migrate(&mut conn, &[MIGRATIONS[0], broken]).unwrap_err();
        assert!(
            matches!(err, LedgerError::Migration { version: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("left unchanged"), "{err}");
        assert_eq!(version(&conn).unwrap(), 1);
        let extra: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'extra'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(extra, 0, "the half-applied step was rolled back");
    }
}
