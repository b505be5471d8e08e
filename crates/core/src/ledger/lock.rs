//! The project's writer lock: at most one process records runs at a time.
//!
//! Two processes migrating the same project at once would each resolve the
//! other's pending intents and create duplicates, and a run left `running` could
//! not be told apart from one still in progress. The lock settles both: whoever
//! holds it knows every other `running` run belongs to a dead process.
//!
//! The lock is an exclusive SQLite transaction held open on a side file next to
//! the ledger (`deskshift.db.lock`). SQLite locks are operating-system file locks
//! (POSIX `fcntl`, Windows `LockFileEx`), so the operating system releases them
//! when the process dies, even on `kill -9`: a crash never leaves a stale lock.

use super::error::LedgerError;
use rusqlite::{Connection, ErrorCode};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A held writer lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub(crate) struct WriterLock {
    // Holds the open `BEGIN EXCLUSIVE`; closing the connection rolls it back.
    _conn: Connection,
}

/// The side file guarding `ledger`.
pub(crate) fn lock_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock, waiting up to `wait` for a holder to let go. `Ok(None)` when
/// another process (or another `Ledger` in this one) holds it.
pub(crate) fn try_acquire(
    ledger: &Path,
    wait: Duration,
) -> Result<Option<WriterLock>, LedgerError> {
    let path = lock_path(ledger);
    let open_error = |source: rusqlite::Error| LedgerError::Open {
        path: path.clone(),
        hint: super::error::open_hint(&source),
        source,
    };
    let conn = Connection::open(&path).map_err(open_error)?;
    conn.busy_timeout(wait).map_err(open_error)?;
    // Nothing is ever written to the lock file; keep SQLite from creating a
    // journal beside it. Setting the mode reads the file, so it waits too.
    let taken = conn
        .pragma_update(None, "journal_mode", "MEMORY")
        .and_then(|()| conn.execute_batch("BEGIN EXCLUSIVE"));
    match taken {
        Ok(()) => Ok(Some(WriterLock { _conn: conn })),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            ) =>
        {
            Ok(None)
        }
        Err(source) => Err(open_error(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("deskshift.db");
        let first = try_acquire(&ledger, Duration::ZERO).unwrap();
        assert!(first.is_some());
        assert!(try_acquire(&ledger, Duration::ZERO).unwrap().is_none());
        drop(first);
        assert!(try_acquire(&ledger, Duration::ZERO).unwrap().is_some());
    }

    #[test]
    fn lock_file_sits_next_to_the_ledger() {
        assert_eq!(
            lock_path(Path::new("/p/deskshift.db")),
            PathBuf::from("/p/deskshift.db.lock")
        );
    }
}
