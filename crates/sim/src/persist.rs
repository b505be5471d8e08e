//! An emulated service's live state behind a lock, and the optional
//! `--state` file that keeps it across restarts. The Gorgias and Salesforce
//! emulators each keep their whole state in one [`Store`].
//!
//! Handlers never hold the lock across an `.await`: every read and write is
//! one synchronous closure. A write closure must leave the state as it found
//! it when it fails (validate first, or roll back its own changes), so an
//! error never half-applies a request.
//!
//! Saving: every successful write bumps a version and wakes a background
//! [`Saver`], which serialises the state under the read lock and replaces the
//! file atomically (temporary file, fsync, rename). Writes that land while a
//! save runs are picked up by the next one, so a burst of writes costs a few
//! saves, not one each; [`Saver::finish`] writes the final version before the
//! emulator stops. A state file therefore never holds a half-applied write,
//! and after a clean shutdown it holds the last one.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// A state a [`Store`] can keep in a file.
pub trait Persistent: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Names the file's format, so a stray JSON file is refused clearly.
    const FORMAT: &'static str;
    const VERSION: u32;
    /// What keeps this state, for messages: `"Gorgias emulator"`.
    const KEEPER: &'static str;

    /// Rebuilds the lookup indexes the file does not carry.
    fn reindex(&mut self);
}

#[derive(Serialize)]
struct FileRef<'a, S> {
    format: &'static str,
    version: u32,
    state: &'a S,
}

#[derive(Deserialize)]
struct File<S> {
    format: String,
    version: u32,
    state: S,
}

pub struct Store<S> {
    state: RwLock<S>,
    /// Bumped by every successful write.
    version: AtomicU64,
    file: Option<PathBuf>,
    /// Version last written to `file`; also serialises saves.
    saved: Mutex<u64>,
    changed: Notify,
}

impl<S: Persistent> Store<S> {
    pub fn new(state: S, file: Option<PathBuf>) -> Store<S> {
        Store {
            state: RwLock::new(state),
            version: AtomicU64::new(0),
            file,
            saved: Mutex::new(0),
            changed: Notify::new(),
        }
    }

    /// Reads the state file at `path`; `None` when there is none yet.
    pub fn load(path: &Path) -> io::Result<Option<S>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let refuse = |why: String| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a {} state file: {why}",
                    path.display(),
                    S::KEEPER
                ),
            )
        };
        let file: File<S> = serde_json::from_slice(&bytes).map_err(|e| refuse(e.to_string()))?;
        if file.format != S::FORMAT || file.version != S::VERSION {
            return Err(refuse(format!(
                "format {:?} version {}, expected {:?} version {}",
                file.format,
                file.version,
                S::FORMAT,
                S::VERSION
            )));
        }
        let mut state = file.state;
        state.reindex();
        Ok(Some(state))
    }

    /// Shared access. A poisoned lock means a handler panicked mid-request;
    /// writes never leave half a change, so serving on is safe.
    fn read_lock(&self) -> RwLockReadGuard<'_, S> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn read<R>(&self, f: impl FnOnce(&S) -> R) -> R {
        f(&self.read_lock())
    }

    /// Applies a write. On `Ok` the state file will be saved.
    pub fn write<R, E>(&self, f: impl FnOnce(&mut S) -> Result<R, E>) -> Result<R, E> {
        let result = {
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            let result = f(&mut state);
            if result.is_ok() {
                self.version.fetch_add(1, Ordering::SeqCst);
            }
            result
        };
        if result.is_ok() && self.file.is_some() {
            self.changed.notify_one();
        }
        result
    }

    /// Writes the state file now if it is behind or missing. Blocking.
    pub fn save_if_behind(&self) -> io::Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        let (version, bytes) = {
            let state = self.read_lock();
            let version = self.version.load(Ordering::SeqCst);
            if version == *saved && path.exists() {
                return Ok(());
            }
            let bytes = serde_json::to_vec(&FileRef {
                format: S::FORMAT,
                version: S::VERSION,
                state: &*state,
            })
            .map_err(io::Error::other)?;
            (version, bytes)
        };
        write_atomically(path, &bytes)?;
        *saved = version;
        Ok(())
    }

    /// [`Store::save_if_behind`] on a blocking thread, for async callers.
    pub async fn save_off_runtime(store: &Arc<Store<S>>) -> io::Result<()> {
        let store = Arc::clone(store);
        tokio::task::spawn_blocking(move || store.save_if_behind())
            .await
            .map_err(io::Error::other)?
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
    pub fn spawn<S: Persistent>(store: Arc<Store<S>>) -> Option<Saver> {
        store.file.as_ref()?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = store.changed.notified() => {}
                    _ = stopped.changed() => break,
                }
                if let Err(e) = Store::save_off_runtime(&store).await {
                    tracing::error!(error = %e, "cannot save the {} state", S::KEEPER);
                }
            }
        });
        Some(Saver { stop, task })
    }

    /// Stops the saver and writes the final state.
    pub async fn finish<S: Persistent>(self, store: &Arc<Store<S>>) -> io::Result<()> {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        Store::save_off_runtime(store).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize)]
    struct Counts {
        counts: BTreeMap<String, u32>,
        #[serde(skip)]
        total: u32,
    }

    impl Persistent for Counts {
        const FORMAT: &'static str = "deskshift-sim-test-counts";
        const VERSION: u32 = 1;
        const KEEPER: &'static str = "test";

        fn reindex(&mut self) {
            self.total = self.counts.values().sum();
        }
    }

    #[test]
    fn saves_and_loads_the_same_state_and_refuses_another_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(Store::<Counts>::load(&path).unwrap().is_none());
        let empty = Counts {
            counts: BTreeMap::new(),
            total: 0,
        };
        let store = Store::new(empty, Some(path.clone()));
        store
            .write(|s| -> Result<(), ()> {
                s.counts.insert("tickets".into(), 3);
                s.counts.insert("users".into(), 2);
                Ok(())
            })
            .unwrap();
        store.save_if_behind().unwrap();
        let loaded = Store::<Counts>::load(&path).unwrap().unwrap();
        assert_eq!(loaded.counts, store.read(|s| s.counts.clone()));
        assert_eq!(loaded.total, 5, "reindexed after the load");

        std::fs::write(&path, b"{\"format\":\"other\",\"version\":1,\"state\":{}}").unwrap();
        let refused = Store::<Counts>::load(&path).err().unwrap().to_string();
        assert!(refused.contains("is not a test state file"), "{refused}");
    }
}
