//! The live org behind a lock, and the optional `--state` file.
//!
//! Same discipline as the Gorgias emulator's store: handlers never hold the
//! lock across an `.await`; a write closure either succeeds or leaves the
//! state as it found it (write helpers roll back their undo log on error);
//! a background saver rewrites the state file atomically after writes, and
//! [`Store::save_now`] runs once more at shutdown.

use super::state::State;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

const STATE_FORMAT: &str = "deskshift-sim-salesforce-state";
const STATE_VERSION: u32 = 1;

#[derive(Serialize)]
struct FileRef<'a> {
    format: &'static str,
    version: u32,
    state: &'a State,
}

#[derive(Deserialize)]
struct File {
    format: String,
    version: u32,
    state: State,
}

pub struct Store {
    state: RwLock<State>,
    version: AtomicU64,
    saved: Mutex<u64>,
    file: Option<PathBuf>,
    changed: Notify,
}

impl Store {
    pub fn new(state: State, file: Option<PathBuf>) -> Store {
        Store {
            state: RwLock::new(state),
            version: AtomicU64::new(1),
            saved: Mutex::new(0),
            file,
            changed: Notify::new(),
        }
    }

    /// Reads a state file if it exists.
    pub fn load(path: &Path) -> io::Result<Option<State>> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let bad = |why: String| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a Salesforce emulator state file: {why}",
                    path.display()
                ),
            )
        };
        let file: File = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if file.format != STATE_FORMAT || file.version != STATE_VERSION {
            return Err(bad(format!(
                "format {:?} version {}",
                file.format, file.version
            )));
        }
        let mut state = file.state;
        state.reindex();
        Ok(Some(state))
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        // A poisoned lock means a handler panicked; writes leave the state
        // consistent, so serving on is safe.
        f(&self.state.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Applies a change; the state file follows.
    pub fn write<R, E>(&self, f: impl FnOnce(&mut State) -> Result<R, E>) -> Result<R, E> {
        let result = f(&mut self.state.write().unwrap_or_else(|p| p.into_inner()));
        if result.is_ok() {
            self.version.fetch_add(1, Ordering::SeqCst);
            if self.file.is_some() {
                self.changed.notify_one();
            }
        }
        result
    }

    /// Writes the state file if it is behind. Blocking.
    pub fn save_now(&self) -> io::Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        let (version, bytes) = {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            let version = self.version.load(Ordering::SeqCst);
            if version == *saved {
                return Ok(());
            }
            let file = FileRef {
                format: STATE_FORMAT,
                version: STATE_VERSION,
                state: &state,
            };
            (
                version,
                serde_json::to_vec(&file).map_err(io::Error::other)?,
            )
        };
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        *saved = version;
        Ok(())
    }
}

/// Saves the store in the background after writes.
pub struct Saver {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Saver {
    pub fn spawn(store: Arc<Store>) -> Option<Saver> {
        store.file.as_ref()?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = store.changed.notified() => {}
                    _ = stopped.changed() => break,
                }
                let s = Arc::clone(&store);
                match tokio::task::spawn_blocking(move || s.save_now()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "cannot save the Salesforce emulator state")
                    }
                    Err(e) => tracing::error!(error = %e, "state saver task failed"),
                }
            }
        });
        Some(Saver { stop, task })
    }

    pub async fn finish(self, store: &Arc<Store>) -> io::Result<()> {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let s = Arc::clone(store);
        tokio::task::spawn_blocking(move || s.save_now())
            .await
            .map_err(io::Error::other)?
    }
}
