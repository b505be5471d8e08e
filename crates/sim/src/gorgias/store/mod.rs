//! The emulator's live store: the account state behind a lock, and the
//! optional `--state` file that keeps it across restarts.
//!
//! Handlers never hold the lock across an `.await`: every read and write is
//! one synchronous closure. A write closure must validate everything before
//! it changes anything, so that an error leaves the state as it was.
//!
//! Saving: every successful write bumps a version and wakes a background
//! saver, which serialises the state under the read lock and replaces the
//! file atomically (temporary file, fsync, rename). Writes that land while a
//! save runs are picked up by the next one, so a burst of writes costs a few
//! saves, not one each; [`Saver::finish`] writes the final version before
//! the emulator stops. A state file therefore never holds a half-applied
//! write, and after a clean shutdown it holds the last one.

pub mod model;
pub mod state;

pub use state::{Origin, State};

use super::errors::ApiError;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// Identifies a state file, so a stray JSON file is refused clearly.
const STATE_FORMAT: &str = "deskshift-sim-gorgias-state";
const STATE_VERSION: u32 = 1;

#[derive(Serialize)]
struct StateFileRef<'a> {
    format: &'static str,
    version: u32,
    state: &'a State,
}

#[derive(Deserialize)]
struct StateFile {
    format: String,
    version: u32,
    state: State,
}

pub struct Store {
    state: RwLock<State>,
    /// Bumped by every successful write.
    version: AtomicU64,
    state_file: Option<PathBuf>,
    /// Version last written to `state_file`; also serialises saves.
    saved: Mutex<u64>,
    changed: Notify,
}

impl Store {
    pub fn new(state: State, state_file: Option<PathBuf>) -> Store {
        Store {
            state: RwLock::new(state),
            version: AtomicU64::new(0),
            state_file,
            saved: Mutex::new(0),
            changed: Notify::new(),
        }
    }

    /// Reads `path` if it exists.
    pub fn load(path: &Path) -> io::Result<Option<State>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a Gorgias emulator state file: {e}",
                    path.display()
                ),
            )
        })?;
        if file.format != STATE_FORMAT || file.version != STATE_VERSION {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} has format {:?} version {}, expected {STATE_FORMAT:?} version {STATE_VERSION}",
                    path.display(),
                    file.format,
                    file.version
                ),
            ));
        }
        let mut state = file.state;
        state.reindex();
        Ok(Some(state))
    }

    /// Shared access. A poisoned lock means a handler panicked mid-request;
    /// writes validate before they change anything, so serving on is safe.
    fn read_lock(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.read_lock())
    }

    /// Applies a write. On `Ok` the state file will be saved.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&mut State) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let result = {
            let mut state = self.write_lock();
            let result = f(&mut state);
            if result.is_ok() {
                self.version.fetch_add(1, Ordering::SeqCst);
            }
            result
        };
        if result.is_ok() && self.state_file.is_some() {
            self.changed.notify_one();
        }
        result
    }

    /// Writes the state file now if it is behind. Blocking.
    pub fn save_if_behind(&self) -> io::Result<()> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        let (version, bytes) = {
            let state = self.read_lock();
            let version = self.version.load(Ordering::SeqCst);
            if version == *saved && path.exists() {
                return Ok(());
            }
            let bytes = serde_json::to_vec(&StateFileRef {
                format: STATE_FORMAT,
                version: STATE_VERSION,
                state: &state,
            })
            .map_err(io::Error::other)?;
            (version, bytes)
        };
        write_atomically(path, &bytes)?;
        *saved = version;
        Ok(())
    }
}

/// Temporary file in the same directory, fsync, rename: a reader sees the
/// old file or the new one, never a torn one.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The background task that keeps the state file current.
pub struct Saver {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Saver {
    /// Starts saving `store` after writes. `None` without a state file.
    pub fn spawn(store: Arc<Store>) -> Option<Saver> {
        store.state_file.as_ref()?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = store.changed.notified() => {}
                    _ = stopped.changed() => break,
                }
                let store = Arc::clone(&store);
                let saved = tokio::task::spawn_blocking(move || store.save_if_behind()).await;
                match saved {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "cannot save the Gorgias emulator state")
                    }
                    Err(e) => tracing::error!(error = %e, "state saver task failed"),
                }
            }
        });
        Some(Saver { stop, task })
    }

    /// Stops the saver and writes the final state.
    pub async fn finish(self, store: &Arc<Store>) -> io::Result<()> {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let store = Arc::clone(store);
        tokio::task::spawn_blocking(move || store.save_if_behind())
            .await
            .map_err(io::Error::other)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_the_same_state() {
        let dir = std::env::temp_dir().join(format!("gorgias-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let _ = std::fs::remove_file(&path);
        assert!(Store::load(&path).unwrap().is_none());
        let store = Store::new(State::new("acme", "api@acme.test"), Some(path.clone()));
        store
            .write(|s| {
                s.next_ticket_id();
                Ok(())
            })
            .unwrap();
        store.save_if_behind().unwrap();
        let loaded = Store::load(&path).unwrap().unwrap();
        assert_eq!(loaded.sequences, store.read(|s| s.sequences.clone()));
        std::fs::write(&path, b"{\"format\":\"other\",\"version\":1,\"state\":{}}").unwrap();
        assert!(Store::load(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
