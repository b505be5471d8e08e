//! Reading a Bulk API 2.0 job's result files and joining them to the input
//! **on the key column**, never by row order: Salesforce does not keep the
//! input order in its results (reference §3.1, §7 "Results order").
//!
//! | file | columns |
//! |---|---|
//! | `successfulResults` | `sf__Id`, `sf__Created`, then the uploaded columns |
//! | `failedResults` | `sf__Id` (v53+), `sf__Error`, then the uploaded columns |
//! | `unprocessedrecords` | the uploaded columns only |

use super::super::SalesforceError;
use std::collections::HashSet;
use std::io::Read;

/// Which result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Successful,
    Failed,
    Unprocessed,
}

impl ResultKind {
    /// The path segment under `/jobs/ingest/{id}/`.
    pub fn path(self) -> &'static str {
        match self {
            ResultKind::Successful => "successfulResults",
            ResultKind::Failed => "failedResults",
            ResultKind::Unprocessed => "unprocessedrecords",
        }
    }
}

/// What became of one record of a bulk load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOutcome {
    /// Written; `created` tells an insert from an update.
    Saved { id: String, created: bool },
    /// Refused by Salesforce (or, for code `DESKSHIFT_*`, never sent).
    Failed(SalesforceError),
    /// Not processed: the job failed or was aborted first. Safe to send again.
    Unprocessed,
    /// In no result file: whether it was written is unknown; look it up.
    Missing,
}

/// One record's outcome, by its key (the external id, or `Id` for deletes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkResult {
    pub key: String,
    pub outcome: BulkOutcome,
}

/// Reads one result file, reporting each row whose key is in `pending` (and
/// removing it, so a key is reported once). Rows with an unknown or repeated
/// key are counted and skipped. Returns `(reported, skipped)`.
pub fn read_results(
    file: impl Read,
    kind: ResultKind,
    key_column: &str,
    pending: &mut HashSet<String>,
    on_result: &mut impl FnMut(BulkResult),
) -> Result<(usize, usize), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(file);
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    // An empty file (no header at all) means no rows.
    if headers.is_empty() || (headers.len() == 1 && headers.get(0) == Some("")) {
        return Ok((0, 0));
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let key_at = column(key_column)
        .ok_or_else(|| format!("the {} file has no {key_column} column", kind.path()))?;
    let id_at = column("sf__Id");
    let created_at = column("sf__Created");
    let error_at = column("sf__Error");
    let (mut reported, mut skipped) = (0, 0);
    for row in reader.records() {
        let row = row.map_err(|e| e.to_string())?;
        let Some(key) = row.get(key_at).filter(|key| pending.remove(*key)) else {
            skipped += 1;
            continue;
        };
        let field = |at: Option<usize>| at.and_then(|i| row.get(i)).unwrap_or("");
        let outcome = match kind {
            ResultKind::Successful => BulkOutcome::Saved {
                id: field(id_at).to_string(),
                created: field(created_at).eq_ignore_ascii_case("true"),
            },
            ResultKind::Failed => BulkOutcome::Failed(SalesforceError::parse_bulk(field(error_at))),
            ResultKind::Unprocessed => BulkOutcome::Unprocessed,
        };
        on_result(BulkResult {
            key: key.to_string(),
            outcome,
        });
        reported += 1;
    }
    Ok((reported, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_join_on_the_key_not_the_row_order() {
        // Input order: T-1, T-2, T-3, T-4; results come back shuffled, with
        // sf__Id values that would be wrong if matched by position.
        let mut pending: HashSet<String> = ["T-1", "T-2", "T-3", "T-4"].map(String::from).into();
        let mut seen = Vec::new();
        let successful = "sf__Id,sf__Created,Legacy_Id__c,Subject\n\
                          500000000000004AAA,true,T-4,four\n\
                          500000000000001AAA,false,T-1,\"one, with comma\"\n";
        let failed = "sf__Id,sf__Error,Legacy_Id__c,Subject\n\
                      ,REQUIRED_FIELD_MISSING:Required fields are missing: [Status]:Status --,T-3,three\n\
                      ,DUPLICATE_VALUE:dup:--,T-9,not ours\n";
        let unprocessed = "Legacy_Id__c,Subject\n";
        let mut collect = |r: BulkResult| seen.push(r);
        let counts = read_results(
            successful.as_bytes(),
            ResultKind::Successful,
            "Legacy_Id__c",
            &mut pending,
            &mut collect,
        )
        .unwrap();
        assert_eq!(counts, (2, 0));
        let counts = read_results(
            failed.as_bytes(),
            ResultKind::Failed,
            "Legacy_Id__c",
            &mut pending,
            &mut collect,
        )
        .unwrap();
        assert_eq!(counts, (1, 1), "T-9 was not sent: skipped");
        read_results(
            unprocessed.as_bytes(),
            ResultKind::Unprocessed,
            "Legacy_Id__c",
            &mut pending,
            &mut collect,
        )
        .unwrap();
        assert_eq!(
            seen[0],
            BulkResult {
                key: "T-4".into(),
                outcome: BulkOutcome::Saved {
                    id: "500000000000004AAA".into(),
                    created: true
                }
            }
        );
        assert_eq!(
            seen[1].outcome,
            BulkOutcome::Saved {
                id: "500000000000001AAA".into(),
                created: false
            }
        );
        assert!(
            matches!(&seen[2].outcome, BulkOutcome::Failed(e) if e.code == "REQUIRED_FIELD_MISSING" && e.fields == ["Status"])
        );
        assert_eq!(seen[2].key, "T-3");
        // T-2 is in no file: still pending, so the caller reports it Missing.
        assert_eq!(pending, HashSet::from(["T-2".to_string()]));
    }

    #[test]
    fn empty_and_malformed_files() {
        let mut pending = HashSet::from(["A".to_string()]);
        let mut none = |_: BulkResult| panic!("no rows");
        assert_eq!(
            read_results(&b""[..], ResultKind::Failed, "K", &mut pending, &mut none).unwrap(),
            (0, 0)
        );
        assert!(read_results(
            &b"sf__Id,Other\n1,2\n"[..],
            ResultKind::Successful,
            "K",
            &mut pending,
            &mut none
        )
        .is_err());
    }
}
