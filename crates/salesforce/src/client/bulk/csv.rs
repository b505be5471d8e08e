//! Bulk API 2.0 data files (reference §3.1, "Prepare CSV Files"): UTF-8, a
//! header row of API names, comma-separated, LF line endings (the job says
//! `lineEnding: LF`), values quoted when they hold a comma, a quote or a line
//! break, never trimmed.
//!
//! Cells follow the JSON record:
//!
//! | JSON | cell | effect |
//! |---|---|---|
//! | key absent | empty | field not set (left alone on update) |
//! | `null` | `#N/A` | field set to null |
//! | string, number, bool | its text | |
//! | array (multi-select picklist) | items joined by `;` | |
//! | object | its JSON text | |
//!
//! Rows are written to a temporary file, never gathered in a string, and a
//! file is closed before it would pass the per-job size or record limit.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use tempfile::NamedTempFile;

/// The cell Bulk API reads as "set this field to null".
pub const NULL_CELL: &str = "#N/A";

/// `value` as a CSV cell (see the module docs).
pub fn cell(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        None => Cow::Borrowed(""),
        Some(Value::Null) => Cow::Borrowed(NULL_CELL),
        Some(Value::String(text)) => Cow::Borrowed(text),
        Some(Value::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Some(Value::Number(n)) => Cow::Owned(n.to_string()),
        Some(Value::Array(items)) => Cow::Owned(
            items
                .iter()
                .map(|item| cell(Some(item)).into_owned())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Some(object @ Value::Object(_)) => Cow::Owned(object.to_string()),
    }
}

/// One CSV row, LF-terminated, quoted where needed.
pub fn encode_row<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(cells);
    writer.into_inner().unwrap_or_default()
}

/// One job's data file, written and ready to upload.
#[derive(Debug)]
pub struct CsvPart {
    pub file: NamedTempFile,
    pub bytes: u64,
    pub rows: usize,
    /// The key of every row, to join the results on.
    pub keys: HashSet<String>,
}

/// A record that could not go into a file, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReject {
    pub key: String,
    pub reason: String,
}

/// Splits records into [`CsvPart`]s under the per-job limits.
#[derive(Debug, Clone)]
pub struct PartWriter {
    pub columns: Vec<String>,
    pub key_column: String,
    pub max_bytes: u64,
    pub max_rows: usize,
}

impl PartWriter {
    /// Writes records from `records` into one part until it is full or the
    /// records run out; a record whose key is empty or repeated is rejected
    /// locally (the results could not be joined back to it). An empty part
    /// (`rows == 0`) means there were no more records.
    pub fn next_part(
        &self,
        records: &mut std::iter::Peekable<impl Iterator<Item = Map<String, Value>>>,
        rejects: &mut Vec<LocalReject>,
    ) -> std::io::Result<CsvPart> {
        let header = encode_row(self.columns.iter().map(String::as_str));
        let mut file = NamedTempFile::new()?;
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        out.write_all(&header)?;
        let mut bytes = header.len() as u64;
        let mut keys = HashSet::new();
        while let Some(record) = records.peek() {
            let key = cell(record.get(&self.key_column)).into_owned();
            if key.is_empty() || key == NULL_CELL || keys.contains(&key) {
                let reason = if keys.contains(&key) {
                    format!("{} {key:?} appears twice in one load", self.key_column)
                } else {
                    format!("the record has no {}", self.key_column)
                };
                rejects.push(LocalReject { key, reason });
                records.next();
                continue;
            }
            let row = encode_row(
                self.columns
                    .iter()
                    .map(|column| cell(record.get(column)))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|c| c.as_ref()),
            );
            let full = keys.len() >= self.max_rows
                || (!keys.is_empty() && bytes + row.len() as u64 > self.max_bytes);
            if full {
                break;
            }
            out.write_all(&row)?;
            bytes += row.len() as u64;
            keys.insert(key);
            records.next();
        }
        out.flush()?;
        drop(out);
        Ok(CsvPart {
            file,
            bytes,
            rows: keys.len(),
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_follow_the_documented_rules() {
        let record =
            json!({"a": null, "b": "x", "c": 3.5, "d": true, "e": ["A", "B"], "f": {"k": 1}});
        let get = |k: &str| cell(record.get(k)).into_owned();
        assert_eq!(get("a"), "#N/A");
        assert_eq!(get("b"), "x");
        assert_eq!(get("c"), "3.5");
        assert_eq!(get("d"), "true");
        assert_eq!(get("e"), "A;B");
        assert_eq!(get("f"), r#"{"k":1}"#);
        assert_eq!(get("missing"), "");
    }

    #[test]
    fn rows_are_quoted_only_where_needed() {
        assert_eq!(encode_row(["a", "b c", ""]), b"a,b c,\n");
        assert_eq!(
            String::from_utf8(encode_row([
                "x,y",
                "say \"hi\"",
                "line1\nline2",
                "cr\r",
                "#N/A"
            ]))
            .unwrap(),
            "\"x,y\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\r\",#N/A\n"
        );
        // Leading and trailing spaces are kept as they are.
        assert_eq!(encode_row([" padded "]), b" padded \n");
    }

    fn records(n: usize) -> Vec<Map<String, Value>> {
        (0..n)
            .map(|i| {
                json!({"Legacy_Id__c": format!("T-{i}"), "Subject": format!("subject {i}"), "Description": null})
                    .as_object()
                    .cloned()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn parts_split_by_rows_and_bytes_and_read_back() {
        let writer = PartWriter {
            columns: vec![
                "Legacy_Id__c".into(),
                "Subject".into(),
                "Description".into(),
            ],
            key_column: "Legacy_Id__c".into(),
            max_bytes: 10_000,
            max_rows: 4,
        };
        let mut input = records(10).into_iter().peekable();
        let mut rejects = Vec::new();
        let mut sizes = Vec::new();
        loop {
            let part = writer.next_part(&mut input, &mut rejects).unwrap();
            if part.rows == 0 {
                break;
            }
            let text = std::fs::read_to_string(part.file.path()).unwrap();
            assert!(text.starts_with("Legacy_Id__c,Subject,Description\n"));
            assert_eq!(text.len() as u64, part.bytes);
            sizes.push(part.rows);
        }
        assert_eq!(sizes, vec![4, 4, 2]);
        assert!(rejects.is_empty());

        // A header of 33 bytes and rows of 19: 80 bytes hold two rows.
        let small = PartWriter {
            max_bytes: 80,
            max_rows: 100,
            ..writer
        };
        let mut input = records(5).into_iter().peekable();
        let part = small.next_part(&mut input, &mut rejects).unwrap();
        assert_eq!(part.bytes, 33 + 2 * 19);
        assert_eq!(part.rows, 2);
    }

    #[test]
    fn records_without_or_with_repeated_keys_are_rejected_locally() {
        let writer = PartWriter {
            columns: vec!["Legacy_Id__c".into()],
            key_column: "Legacy_Id__c".into(),
            max_bytes: 10_000,
            max_rows: 100,
        };
        let input: Vec<Map<String, Value>> = [
            json!({"Legacy_Id__c": "A"}),
            json!({}),
            json!({"Legacy_Id__c": "A"}),
        ]
        .into_iter()
        .map(|v| v.as_object().cloned().unwrap())
        .collect();
        let mut rejects = Vec::new();
        let part = writer
            .next_part(&mut input.into_iter().peekable(), &mut rejects)
            .unwrap();
        assert_eq!(part.rows, 1);
        assert_eq!(rejects.len(), 2);
        assert!(rejects[1].reason.contains("twice"));
    }
}
