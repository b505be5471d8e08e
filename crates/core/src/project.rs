//! A migration project is a directory (DESIGN.md §1):
//!
//! ```text
//! deskshift.toml   configuration, never secrets
//! mapping.toml     the field map the user confirms (later phases)
//! deskshift.db     the ledger
//! reports/         everything written for people
//! cache/           attachment cache
//! ```
//!
//! Secrets never appear in `deskshift.toml`: the config names *which* source and
//! destination, the environment holds the keys to them.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "deskshift.toml";
pub const LEDGER_FILE: &str = "deskshift.db";
pub const MAPPING_FILE: &str = "mapping.toml";
pub const REPORTS_DIR: &str = "reports";
pub const CACHE_DIR: &str = "cache";

/// `deskshift.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub source: SourceConfig,
    pub destination: DestinationConfig,
    /// Optional model assist for `deskshift map propose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist: Option<AssistConfig>,
}

/// `[assist]`: an OpenAI-compatible chat endpoint (a local model server, for
/// example) that `deskshift map propose` asks about the rows it is least
/// sure of. Never required. Its key, if it needs one, comes from the
/// environment variable named here, never from this file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssistConfig {
    /// The chat completions URL, e.g. `http://127.0.0.1:8080/v1/chat/completions`.
    pub endpoint: String,
    /// The `model` of the request.
    pub model: String,
    /// Rows with a confidence below this are sent (default 0.7).
    #[serde(default = "default_assist_threshold")]
    pub threshold: f64,
    /// Send sample values unredacted (e-mails, phones and names included).
    #[serde(default)]
    pub send_personal_data: bool,
    /// The environment variable holding a bearer token for the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
}

fn default_assist_threshold() -> f64 {
    0.7
}

/// Where records are read from.
///
/// A flat struct rather than a tagged enum on purpose: toml then reports every
/// mistake at its own line and key. [`SourceConfig::location`] turns it into
/// the typed choice the rest of the code matches on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub kind: SourceKind,
    /// `stames_api`: base URL without `/api/v1`, e.g. `https://acme.stames.app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `stames_export`: the bundle directory, absolute or relative to the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// `stames_api`: tickets fetched concurrently (each with its conversation).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The Stames REST API. Credentials: `STAMES_ACCOUNT_ID`, `STAMES_API_KEY`.
    StamesApi,
    /// A Stames export bundle on disk (`docs/stames-export.md`).
    StamesExport,
}

/// The validated form of [`SourceConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceLocation {
    StamesApi { url: String, concurrency: usize },
    StamesExport { dir: PathBuf },
}

impl SourceConfig {
    pub fn stames_api(url: impl Into<String>) -> SourceConfig {
        SourceConfig {
            kind: SourceKind::StamesApi,
            url: Some(url.into()),
            dir: None,
            concurrency: default_concurrency(),
        }
    }

    pub fn stames_export(dir: impl Into<PathBuf>) -> SourceConfig {
        SourceConfig {
            kind: SourceKind::StamesExport,
            url: None,
            dir: Some(dir.into()),
            concurrency: default_concurrency(),
        }
    }

    /// Checks that the keys the kind needs are there.
    pub fn location(&self) -> Result<SourceLocation, String> {
        match self.kind {
            SourceKind::StamesApi => match &self.url {
                Some(url) if !url.trim().is_empty() => Ok(SourceLocation::StamesApi {
                    url: url.trim().trim_end_matches('/').to_string(),
                    concurrency: self.concurrency.max(1),
                }),
                _ => Err("[source] kind = \"stames_api\" needs `url`, the Stames base URL".into()),
            },
            SourceKind::StamesExport => match &self.dir {
                Some(dir) => Ok(SourceLocation::StamesExport { dir: dir.clone() }),
                None => Err(
                    "[source] kind = \"stames_export\" needs `dir`, the export bundle directory"
                        .into(),
                ),
            },
        }
    }
}

fn default_concurrency() -> usize {
    4
}

/// Where records go. The core does not know destinations by name: `kind` is
/// validated by the binary, which owns the list of destination crates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationConfig {
    pub kind: String,
    pub url: Option<String>,
    /// The API budget to pace at, as `CALLS/SECONDS` (e.g. `80/20` for a
    /// Gorgias OAuth app, `40/10` for Enterprise). Unset: the destination's
    /// documented default. The destination's own headers correct it either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// `[destination.settings]`: knobs only one destination has (a fallback
    /// owner, Bulk API thresholds, …). The core keeps them as written; the
    /// binary reads them into the destination's own settings type, which
    /// refuses keys it does not know.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub settings: toml::Table,
}

/// Failures loading or creating a project, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("no deskshift project in {dir}: {CONFIG_FILE} not found; run `deskshift init` there first or pass --project DIR")]
    NotAProject { dir: PathBuf },
    #[error("{path} already exists; this directory is already a deskshift project (pass --force to overwrite its configuration)")]
    AlreadyExists { path: PathBuf },
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An opened project directory.
#[derive(Debug, Clone)]
pub struct Project {
    pub dir: PathBuf,
    pub config: Config,
}

impl Project {
    /// Writes `deskshift.toml` and creates the project's folders.
    pub fn init(dir: &Path, config: Config, force: bool) -> Result<Project, ProjectError> {
        let path = dir.join(CONFIG_FILE);
        if path.exists() && !force {
            return Err(ProjectError::AlreadyExists { path });
        }
        for sub in [
            dir.to_path_buf(),
            dir.join(REPORTS_DIR),
            dir.join(CACHE_DIR),
        ] {
            std::fs::create_dir_all(&sub).map_err(|source| ProjectError::Io {
                path: sub.clone(),
                source,
            })?;
        }
        let body = toml::to_string_pretty(&config).map_err(|e| ProjectError::BadConfig {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let text = format!(
            "# deskshift project configuration.\n\
             # No secrets belong here: credentials are read from environment variables\n\
             # (STAMES_ACCOUNT_ID, STAMES_API_KEY, GORGIAS_EMAIL, GORGIAS_API_KEY,\n\
             # SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET).\n\n{body}"
        );
        std::fs::write(&path, text).map_err(|source| ProjectError::Io { path, source })?;
        Ok(Project {
            dir: dir.to_path_buf(),
            config,
        })
    }

    /// Opens an existing project; a broken `deskshift.toml` names line and key.
    pub fn open(dir: &Path) -> Result<Project, ProjectError> {
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProjectError::NotAProject {
                    dir: dir.to_path_buf(),
                })
            }
            Err(source) => return Err(ProjectError::Io { path, source }),
        };
        let bad = |message: String| ProjectError::BadConfig {
            path: path.clone(),
            message,
        };
        let config: Config = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        config.source.location().map_err(bad)?;
        Ok(Project {
            dir: dir.to_path_buf(),
            config,
        })
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.dir.join(LEDGER_FILE)
    }

    pub fn reports_dir(&self) -> PathBuf {
        self.dir.join(REPORTS_DIR)
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join(CACHE_DIR)
    }

    /// Resolves a path from the config against the project directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Config {
        Config {
            source: SourceConfig::stames_api("http://127.0.0.1:18080"),
            destination: DestinationConfig {
                kind: "gorgias".into(),
                url: Some("https://acme.gorgias.com".into()),
                budget: None,
                settings: Default::default(),
            },
            assist: None,
        }
    }

    #[test]
    fn init_then_open_round_trips_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), sample(), false).unwrap();
        let project = Project::open(dir.path()).unwrap();
        assert_eq!(project.config, sample());
        assert!(dir.path().join(REPORTS_DIR).is_dir());
        let again = Project::init(dir.path(), sample(), false).unwrap_err();
        assert!(again.to_string().contains("--force"), "{again}");
        Project::init(dir.path(), sample(), true).unwrap();
    }

    #[test]
    fn broken_config_names_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[source]\nkind = \"stames_api\"\nurl = \"x\"\nconcurency = 3\n\n[destination]\nkind = \"gorgias\"\n",
        )
        .unwrap();
        let err = Project::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("concurency"), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn the_assist_section_is_optional_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let base =
            "[source]\nkind = \"stames_api\"\nurl = \"x\"\n\n[destination]\nkind = \"gorgias\"\n";
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            format!("{base}\n[assist]\nendpoint = \"http://127.0.0.1:9/v1/chat/completions\"\nmodel = \"m\"\n"),
        )
        .unwrap();
        let assist = Project::open(dir.path()).unwrap().config.assist.unwrap();
        assert_eq!((assist.threshold, assist.send_personal_data), (0.7, false));
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            format!("{base}\n[assist]\nendpoint = \"x\"\nmodel = \"m\"\napi_key = \"secret\"\n"),
        )
        .unwrap();
        let err = Project::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("api_key") && err.contains("line 11"), "{err}");
    }

    #[test]
    fn a_source_kind_without_its_keys_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[source]\nkind = \"stames_export\"\n\n[destination]\nkind = \"gorgias\"\n",
        )
        .unwrap();
        let err = Project::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("needs `dir`"), "{err}");
    }

    #[test]
    fn missing_project_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = Project::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("deskshift init"), "{err}");
    }
}
