//! Writes a workspace as a Stames export bundle (`docs/stames-export.md`), so
//! the export reader can be tested, and a user without API access shown the
//! format, with the same data the emulator serves.
//!
//! Every record is written in its wire shape, one JSON object per line.
//! Attachment content is streamed to disk in [`CHUNK_SIZE`] pieces, so memory
//! stays flat however large the files; attachments marked `requires_auth` get
//! no file, because the API could not have downloaded them either. The
//! manifest is written last: a bundle whose export was interrupted has no
//! manifest, and a reader refuses it instead of reading half a workspace.

use super::content::{AttachmentChunks, CHUNK_SIZE};
use super::data::StamesData;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The `format` value of `manifest.json`.
pub const EXPORT_FORMAT: &str = "stames-export";
/// The `version` value of `manifest.json`.
pub const EXPORT_VERSION: u32 = 1;

/// What [`write_export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub dir: PathBuf,
    /// The manifest's `counts`: lines per file (`attachments` counts attachment
    /// records in messages, including those without a file).
    pub counts: BTreeMap<String, u64>,
    /// Files written under `attachments/`.
    pub attachment_files: u64,
    /// Bytes written under `attachments/`.
    pub attachment_bytes: u64,
    /// Attachments left without a file because they require auth.
    pub attachments_without_file: u64,
}

impl std::fmt::Display for ExportSummary {
    /// One line for the operator, e.g. `1000 tickets, 9730 messages, 1705
    /// attachments (1689 files, 171.2 MB; 16 require auth and have no file)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |key: &str| self.counts.get(key).copied().unwrap_or(0);
        write!(
            f,
            "{} tickets, {} messages, {} customers, {} attachments ({} files, {:.1} MB",
            n("tickets"),
            n("messages"),
            n("customers"),
            n("attachments"),
            self.attachment_files,
            self.attachment_bytes as f64 / 1_000_000.0
        )?;
        if self.attachments_without_file > 0 {
            write!(
                f,
                "; {} require auth and have no file",
                self.attachments_without_file
            )?;
        }
        f.write_str(")")
    }
}

fn write_jsonl<'a, T: Serialize + 'a>(
    dir: &Path,
    name: &str,
    records: impl IntoIterator<Item = &'a T>,
) -> io::Result<u64> {
    let mut out = BufWriter::new(File::create(dir.join(name))?);
    let mut lines = 0;
    for record in records {
        serde_json::to_writer(&mut out, record)?;
        out.write_all(b"\n")?;
        lines += 1;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(lines)
}

/// Writes `data` as an export bundle into `dir` (created if needed). Files of
/// the bundle that already exist are replaced; other files are left alone.
pub fn write_export(data: &StamesData, dir: &Path) -> io::Result<ExportSummary> {
    let attachments_dir = dir.join("attachments");
    fs::create_dir_all(&attachments_dir)?;
    // An old manifest must not describe the new, half-written files.
    match fs::remove_file(dir.join("manifest.json")) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::write(
        dir.join("account.json"),
        serde_json::to_vec_pretty(&data.account)?,
    )?;
    let mut counts = BTreeMap::new();
    let mut count = |key: &str, n: u64| {
        counts.insert(key.to_string(), n);
    };
    count("agents", write_jsonl(dir, "agents.jsonl", &data.agents)?);
    count(
        "customers",
        write_jsonl(dir, "customers.jsonl", &data.customers)?,
    );
    count("tags", write_jsonl(dir, "tags.jsonl", &data.tags)?);
    count(
        "custom_fields",
        write_jsonl(dir, "custom_fields.jsonl", &data.custom_fields)?,
    );
    count(
        "custom_objects",
        write_jsonl(dir, "custom_objects.jsonl", &data.custom_objects)?,
    );
    count(
        "custom_object_records",
        write_jsonl(
            dir,
            "custom_object_records.jsonl",
            &data.custom_object_records,
        )?,
    );
    count(
        "automations",
        write_jsonl(dir, "automations.jsonl", &data.automations)?,
    );
    count(
        "tickets",
        write_jsonl(dir, "tickets.jsonl", data.tickets.iter().map(|t| &t.ticket))?,
    );
    count(
        "messages",
        write_jsonl(
            dir,
            "messages.jsonl",
            data.tickets.iter().flat_map(|t| t.messages.iter()),
        )?,
    );

    let mut attachments = 0;
    let mut attachment_files = 0;
    let mut attachment_bytes = 0;
    let mut attachments_without_file = 0;
    for (_, _, attachment) in data.attachments() {
        attachments += 1;
        if attachment.requires_auth {
            attachments_without_file += 1;
            continue;
        }
        let path = attachments_dir.join(attachment.id.to_string());
        let mut file = BufWriter::with_capacity(CHUNK_SIZE, File::create(&path)?);
        for chunk in AttachmentChunks::new(data.seed, attachment.id, attachment.size) {
            file.write_all(&chunk)?;
        }
        // Flushed, not fsynced: an export is rerun rather than recovered,
        // and one fsync per file makes large exports crawl.
        file.flush()?;
        attachment_files += 1;
        attachment_bytes += attachment.size;
    }
    count("attachments", attachments);

    let manifest = json!({
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "account_id": data.account.id,
        "exported_at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "counts": counts,
    });
    let tmp = dir.join("manifest.json.tmp");
    fs::write(&tmp, serde_json::to_vec_pretty(&manifest)?)?;
    fs::rename(&tmp, dir.join("manifest.json"))?;

    Ok(ExportSummary {
        dir: dir.to_path_buf(),
        counts,
        attachment_files,
        attachment_bytes,
        attachments_without_file,
    })
}
