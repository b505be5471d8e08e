//! Reading a JSON Lines file one line at a time, with damaged lines reported
//! rather than fatal.

use deskshift_core::model::{ObjectKind, SourceId};
use deskshift_core::source::{Reject, SourceError};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::fs::File;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// Longest line read. A record is never near this; a file without newlines
/// (not JSON Lines at all) must not be read into memory whole.
const MAX_LINE_BYTES: u64 = 64 * 1024 * 1024;

/// One non-blank line of a file.
#[derive(Debug)]
pub(crate) struct Line {
    /// 1-based, counting blank lines too, as an editor shows it.
    pub number: u64,
    pub content: Result<Value, BadLine>,
}

/// A line that is not a JSON value.
#[derive(Debug)]
pub(crate) struct BadLine {
    pub reason: String,
    /// The record's id, when it can still be read off the start of the line.
    pub id: Option<SourceId>,
}

impl BadLine {
    /// The reject for this line, counted under `kind`.
    pub(crate) fn reject(self, kind: ObjectKind, file: &str, number: u64) -> Reject {
        Reject::new(
            kind,
            self.id,
            format!("line {number} of {file}"),
            self.reason,
            "the export file is damaged at this line: export again from Stames, or repair \
             the line by hand",
        )
    }
}

/// Prefixes a record's reject with where the record is, keeping its field.
pub(crate) fn locate(mut reject: Reject, file: &str, number: u64) -> Reject {
    reject.reason = format!("{file} line {number}: {}", reject.reason);
    reject
}

/// A JSON Lines file being read.
#[derive(Debug)]
pub(crate) struct JsonlReader {
    path: PathBuf,
    reader: BufReader<File>,
    number: u64,
    buffer: Vec<u8>,
}

impl JsonlReader {
    pub(crate) async fn open(dir: &Path, file: &str) -> Result<JsonlReader, SourceError> {
        let path = dir.join(file);
        let handle = File::open(&path).await.map_err(|error| {
            SourceError::Other(format!("cannot open {}: {error}", path.display()))
        })?;
        Ok(JsonlReader {
            path,
            reader: BufReader::new(handle),
            number: 0,
            buffer: Vec::new(),
        })
    }

    /// The next non-blank line, or `None` at the end of the file. Only a
    /// failure to read the file is an error; a damaged line is a [`BadLine`].
    pub(crate) async fn next(&mut self) -> Result<Option<Line>, SourceError> {
        loop {
            self.buffer.clear();
            let read = self.read_line_into_buffer().await?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            let number = self.number;
            if read as u64 > MAX_LINE_BYTES && !self.buffer.ends_with(b"\n") {
                let id = id_at_start(&self.buffer);
                self.skip_rest_of_line().await?;
                let reason = format!("longer than {} MiB", MAX_LINE_BYTES / (1024 * 1024));
                return Ok(Some(Line {
                    number,
                    content: Err(BadLine { reason, id }),
                }));
            }
            let line = trim_line_end(&self.buffer);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let content = match std::str::from_utf8(line) {
                Err(error) => Err(BadLine {
                    reason: format!(
                        "not valid UTF-8 (bad byte at column {})",
                        error.valid_up_to() + 1
                    ),
                    id: id_at_start(line),
                }),
                Ok(text) => serde_json::from_str::<Value>(text).map_err(|error| BadLine {
                    reason: format!("not valid JSON ({error}); the line may be truncated"),
                    id: id_at_start(line),
                }),
            };
            return Ok(Some(Line { number, content }));
        }
    }

    /// Reads up to and including the next `\n`, at most one byte more than the
    /// line limit.
    async fn read_line_into_buffer(&mut self) -> Result<usize, SourceError> {
        let mut limited = (&mut self.reader).take(MAX_LINE_BYTES + 1);
        limited
            .read_until(b'\n', &mut self.buffer)
            .await
            .map_err(|error| self.io_error(error))
    }

    async fn skip_rest_of_line(&mut self) -> Result<(), SourceError> {
        loop {
            self.buffer.clear();
            let read = self.read_line_into_buffer().await?;
            if read == 0 || self.buffer.ends_with(b"\n") {
                self.buffer.clear();
                return Ok(());
            }
        }
    }

    fn io_error(&self, error: std::io::Error) -> SourceError {
        SourceError::Other(format!(
            "cannot read {} after line {}: {error}",
            self.path.display(),
            self.number
        ))
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The id of a damaged record, if the line starts like `{"id":123`. Every
/// wire record puts its id first, so a truncated line usually still has it.
fn id_at_start(line: &[u8]) -> Option<SourceId> {
    let rest = line
        .trim_ascii_start()
        .strip_prefix(b"{")?
        .trim_ascii_start();
    let rest = rest.strip_prefix(b"\"id\"")?.trim_ascii_start();
    let rest = rest.strip_prefix(b":")?.trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let terminated = matches!(rest.get(digits), Some(b',' | b'}' | b' '));
    (digits > 0 && terminated).then(|| String::from_utf8_lossy(&rest[..digits]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_recovered_only_when_complete() {
        assert_eq!(id_at_start(br#"{"id":17,"name":"x"#), Some("17".into()));
        assert_eq!(id_at_start(br#" { "id" : 17 , "#), Some("17".into()));
        assert_eq!(id_at_start(br#"{"id":17"#), None);
        assert_eq!(id_at_start(br#"{"name":"x","id":17,"#), None);
        assert_eq!(id_at_start(br#"{"id":null,"#), None);
    }

    #[tokio::test]
    async fn damaged_lines_are_reported_with_their_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = b"{\"id\":1}\n\n  \r\n".to_vec();
        bytes.extend_from_slice(b"{\"id\":2,\"name\":\"\xff\"}\n");
        bytes.extend_from_slice(b"{\"id\":3,\"name\":\"trunc\n");
        bytes.extend_from_slice(b"{\"id\":4}");
        std::fs::write(dir.path().join("x.jsonl"), bytes).unwrap();

        let mut reader = JsonlReader::open(dir.path(), "x.jsonl").await.unwrap();
        let mut seen = Vec::new();
        while let Some(line) = reader.next().await.unwrap() {
            seen.push(line);
        }

        let numbers: Vec<u64> = seen.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 4, 5, 6]);
        assert!(seen[0].content.is_ok());
        let utf8 = seen[1].content.as_ref().unwrap_err();
        assert!(utf8.reason.contains("UTF-8"), "{}", utf8.reason);
        assert_eq!(utf8.id.as_deref(), Some("2"));
        let truncated = seen[2].content.as_ref().unwrap_err();
        assert!(
            truncated.reason.contains("not valid JSON"),
            "{}",
            truncated.reason
        );
        assert_eq!(truncated.id.as_deref(), Some("3"));
        assert!(
            seen[3].content.is_ok(),
            "a last line without newline still counts"
        );
    }
}
