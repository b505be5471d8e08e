//! `manifest.json`: what an export bundle says it holds.

use deskshift_core::model::ObjectKind;
use deskshift_core::source::SourceError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The `format` every Stames export manifest carries.
pub const FORMAT: &str = "stames-export";
/// The format version this reader understands.
pub const VERSION: u32 = 1;

/// The bundle's manifest (`docs/stames-export.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub account_id: String,
    pub exported_at: String,
    /// Lines written per file, keyed by file stem (`agents`, `tickets`, …),
    /// plus `attachments` (attachment entries across all messages).
    pub counts: BTreeMap<String, u64>,
}

impl Manifest {
    /// Reads and checks `dir/manifest.json`.
    pub(crate) fn read(dir: &Path) -> Result<Manifest, SourceError> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|error| {
            SourceError::Other(if error.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{} is not a Stames export bundle: it has no manifest.json",
                    dir.display()
                )
            } else {
                format!("cannot read {}: {error}", path.display())
            })
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|error| {
            SourceError::Other(format!(
                "{} is not a valid Stames export manifest: {error}",
                path.display()
            ))
        })?;
        if manifest.format != FORMAT {
            return Err(SourceError::Other(format!(
                "{} is a {:?} manifest, not a Stames export ({FORMAT:?})",
                path.display(),
                manifest.format
            )));
        }
        if manifest.version != VERSION {
            return Err(SourceError::Other(format!(
                "{} is a version {} Stames export; this deskshift reads version {VERSION} — \
                 use a deskshift release that supports it, or export again",
                path.display(),
                manifest.version
            )));
        }
        Ok(manifest)
    }

    /// The counts as object kinds; keys this reader does not know are left out.
    pub fn declared(&self) -> BTreeMap<ObjectKind, u64> {
        self.counts
            .iter()
            .filter_map(|(name, count)| {
                let kind = match name.as_str() {
                    "agents" => Some(ObjectKind::Users),
                    other => ObjectKind::parse(other),
                };
                kind.map(|kind| (kind, *count))
            })
            .collect()
    }
}
