//! The emulator's live store: the workspace behind a lock, the indexes and
//! clock that writes need, and the optional `--state` file.
//!
//! Reads take the read lock for the time it takes to copy one page out. Writes
//! take the write lock, apply the change, and — when a state file is
//! configured — serialise a snapshot under the same lock (so the file never
//! holds a half-applied write) and save it atomically (temporary file, then
//! rename) off the async runtime. Saves carry a version number so that a slow
//! save can never overwrite a newer one.

use super::data::StamesData;
use super::generate::GenerateOptions;
use chrono::{DateTime, Duration, DurationRound, Utc};
use deskshift_stames::api::wire::WireAttachment;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Identifies a state file, so a stray JSON file is refused with a clear
/// message instead of being half-read.
const STATE_FORMAT: &str = "deskshift-sim-stames-state";
const STATE_VERSION: u32 = 1;

#[derive(Serialize)]
struct StateFileRef<'a> {
    format: &'static str,
    version: u32,
    data: &'a StamesData,
}

#[derive(Deserialize)]
struct StateFile {
    format: String,
    version: u32,
    data: StamesData,
}

/// What the content endpoint needs to know about an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub requires_auth: bool,
}

impl From<&WireAttachment> for AttachmentMeta {
    fn from(a: &WireAttachment) -> AttachmentMeta {
        AttachmentMeta {
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            requires_auth: a.requires_auth,
        }
    }
}

/// Hands out write timestamps: the wall clock, but always strictly after every
/// timestamp already in the data and every one handed out before, so that
/// `updated_since` at any earlier instant finds every write.
#[derive(Debug, Clone)]
pub struct Clock {
    last: DateTime<Utc>,
}

impl Clock {
    pub fn after(latest: Option<DateTime<Utc>>) -> Clock {
        Clock {
            last: latest.unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// The next timestamp, at millisecond resolution.
    pub fn now(&mut self) -> DateTime<Utc> {
        let wall = Utc::now();
        let wall = wall
            .duration_trunc(Duration::milliseconds(1))
            .unwrap_or(wall);
        let next = wall.max(self.last + Duration::milliseconds(1));
        self.last = next;
        next
    }
}

/// The workspace plus the derived state writes keep up to date.
pub struct Inner {
    pub data: StamesData,
    /// Attachment id → metadata, for the content endpoint.
    pub attachments: HashMap<u64, AttachmentMeta>,
    pub clock: Clock,
    pub next_ticket_id: u64,
    pub next_message_id: u64,
    pub next_attachment_id: u64,
    pub next_customer_id: u64,
    pub next_tag_id: u64,
    /// Bumped by every write; orders state-file saves.
    pub version: u64,
}

impl Inner {
    pub fn new(data: StamesData) -> Inner {
        let attachments: HashMap<u64, AttachmentMeta> = data
            .attachments()
            .map(|(_, _, a)| (a.id, AttachmentMeta::from(a)))
            .collect();
        let max_attachment = attachments.keys().copied().max().unwrap_or(0);
        let max_message = data
            .tickets
            .iter()
            .flat_map(|t| t.messages.iter().filter_map(|m| m.id))
            .max()
            .unwrap_or(0);
        let max_ticket = data.tickets.iter().filter_map(|t| t.ticket.id).max();
        let max_customer = data.customers.iter().filter_map(|c| c.id).max();
        let max_tag = data.tags.iter().filter_map(|t| t.id).max();
        Inner {
            clock: Clock::after(data.latest_timestamp()),
            attachments,
            next_ticket_id: max_ticket.unwrap_or(10_000) + 1,
            next_message_id: max_message.max(5_000_000) + 1,
            next_attachment_id: max_attachment.max(9_000_000) + 1,
            next_customer_id: max_customer.unwrap_or(200_000) + 1,
            next_tag_id: max_tag.unwrap_or(0) + 1,
            version: 0,
            data,
        }
    }
}

/// The store shared by every request handler.
pub struct Store {
    inner: RwLock<Inner>,
    state_file: Option<PathBuf>,
    /// Version of the snapshot last saved to `state_file`.
    saved_version: Arc<Mutex<u64>>,
}

impl Store {
    /// Loads the workspace from `state_file` when it exists; otherwise
    /// generates it from `options` and, when a state file is configured,
    /// saves it there at once so a restart serves the same data.
    pub fn open(options: &GenerateOptions, state_file: Option<&Path>) -> io::Result<Store> {
        let data = match state_file {
            Some(path) if path.exists() => load_state(path)?,
            _ => {
                let data = StamesData::generate_with(options);
                if let Some(path) = state_file {
                    save_state(path, &serialize_state(&data)?)?;
                }
                data
            }
        };
        Ok(Store::from_data(data, state_file.map(Path::to_path_buf)))
    }

    pub fn from_data(data: StamesData, state_file: Option<PathBuf>) -> Store {
        Store {
            inner: RwLock::new(Inner::new(data)),
            state_file,
            saved_version: Arc::new(Mutex::new(0)),
        }
    }

    /// Shared access. A poisoned lock means a handler panicked mid-request;
    /// writes validate before they change anything, so the data is still
    /// consistent and serving it is better than failing every later request.
    pub fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies a write and saves the state file if there is one. `apply` must
    /// validate everything before it changes anything: an `Err` leaves the
    /// data as it was. The returned error of a failed save is an I/O error;
    /// the write itself has happened by then.
    pub async fn mutate<T, E>(
        &self,
        apply: impl FnOnce(&mut Inner) -> Result<T, E>,
    ) -> Result<Result<T, E>, io::Error> {
        let (value, snapshot) = {
            let mut inner = self.write_lock();
            let value = match apply(&mut inner) {
                Ok(value) => value,
                Err(e) => return Ok(Err(e)),
            };
            inner.version += 1;
            let snapshot = match &self.state_file {
                Some(_) => Some((inner.version, serialize_state(&inner.data)?)),
                None => None,
            };
            (value, snapshot)
        };
        if let (Some(path), Some((version, bytes))) = (self.state_file.clone(), snapshot) {
            let saved = Arc::clone(&self.saved_version);
            tokio::task::spawn_blocking(move || {
                let mut saved = saved.lock().unwrap_or_else(|p| p.into_inner());
                if *saved < version {
                    save_state(&path, &bytes)?;
                    *saved = version;
                }
                Ok::<(), io::Error>(())
            })
            .await
            .map_err(io::Error::other)??;
        }
        Ok(Ok(value))
    }
}

fn serialize_state(data: &StamesData) -> io::Result<Vec<u8>> {
    serde_json::to_vec(&StateFileRef {
        format: STATE_FORMAT,
        version: STATE_VERSION,
        data,
    })
    .map_err(io::Error::other)
}

fn load_state(path: &Path) -> io::Result<StamesData> {
    let bytes = std::fs::read(path)?;
    let state: StateFile = serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is not a Stames emulator state file: {e}",
                path.display()
            ),
        )
    })?;
    if state.format != STATE_FORMAT || state.version != STATE_VERSION {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} holds {:?} version {}, expected {STATE_FORMAT:?} version {STATE_VERSION}",
                path.display(),
                state.format,
                state.version
            ),
        ));
    }
    Ok(state.data)
}

/// Writes `data` as a state file `deskshift sim stames --state` starts from:
/// how a benchmark or test serves a workspace it shaped itself.
pub fn write_state(data: &StamesData, path: &Path) -> io::Result<()> {
    let file = StateFileRef {
        format: STATE_FORMAT,
        version: STATE_VERSION,
        data,
    };
    let bytes = serde_json::to_vec(&file).map_err(io::Error::other)?;
    save_state(path, &bytes)
}

/// Writes `bytes` to `path` atomically: a reader (or a crash) sees the old file
/// or the new one, never a torn one.
fn save_state(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("state file {} has no file name", path.display()),
        )
    })?;
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_strictly_increasing_and_after_the_data() {
        let future = Utc::now() + Duration::days(365);
        let mut clock = Clock::after(Some(future));
        let a = clock.now();
        let b = clock.now();
        assert!(a > future);
        assert!(b > a);
    }

    #[test]
    fn state_round_trips_and_refuses_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("state.json");
        let data = StamesData::generate(3, 5, 0);
        save_state(&path, &serialize_state(&data).unwrap()).unwrap();
        assert_eq!(load_state(&path).unwrap(), data);

        let foreign = dir.path().join("other.json");
        std::fs::write(&foreign, br#"{"hello": 1}"#).unwrap();
        let err = load_state(&foreign).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("not a Stames emulator state file"));
    }
}
