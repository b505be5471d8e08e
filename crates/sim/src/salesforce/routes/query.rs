//! `query` and `queryAll` with paging (REST API guide, "Query", "Retrieving
//! the Remaining SOQL Query Results", "Query Options Header").
//!
//! A result larger than the batch size answers `done:false` and a
//! `nextRecordsUrl` of the form `/services/data/vXX.X/query/01g…-2000`
//! (locator, dash, offset of the next page). The batch size is
//! `Sforce-Query-Options: batchSize=N` clamped to 200..2000, or the
//! emulator's configured default (2000 like the platform unless a test
//! lowers it). At most [`MAX_CURSORS`] cursors stay open; older ones
//! answer `INVALID_QUERY_LOCATOR`, as expired locators do.

use super::dispatch::{Call, Env, Outcome, Reply};
use crate::salesforce::errors::SfError;
use crate::salesforce::ids;
use crate::salesforce::schema::Api;
use crate::salesforce::soql;
use crate::salesforce::state::{Cursor, State};
use serde_json::{json, Value};

pub const MAX_CURSORS: usize = 50;

/// The page size for this call.
pub fn batch_size(env: &Env<'_>, call: &Call) -> usize {
    match call.batch_size {
        Some(n) => n.clamp(200, 2000),
        None => env.batch_size.max(1),
    }
}

/// Runs a query and answers its first page.
pub fn run(state: &mut State, env: &Env<'_>, call: &Call, api: Api, all: bool) -> Outcome {
    let q = call
        .param("q")
        .ok_or_else(|| SfError::malformed_query("A query string (q) is required"))?;
    let rows = soql::run(state, q, api, all, &call.version)?;
    let size = batch_size(env, call);
    if rows.records.len() <= size {
        return Ok(Reply::ok(json!({
            "totalSize": rows.total,
            "done": true,
            "records": rows.records,
        })));
    }
    state.cursor_seq += 1;
    let locator = ids::make("01g", state.cursor_seq);
    let mut records = rows.records;
    let rest = records.split_off(size);
    let total = rows.total;
    state.cursors.push_back(Cursor {
        locator: locator.clone(),
        records: rest,
        batch_size: size,
    });
    while state.cursors.len() > MAX_CURSORS {
        state.cursors.pop_front();
    }
    Ok(Reply::ok(page(
        total,
        records,
        &call.version,
        &locator,
        size,
        true,
    )))
}

fn page(
    total: usize,
    records: Vec<Value>,
    version: &str,
    locator: &str,
    next_offset: usize,
    more: bool,
) -> Value {
    let mut v = json!({"totalSize": total, "done": !more, "records": records});
    if more {
        v["nextRecordsUrl"] = json!(format!(
            "/services/data/{version}/query/{locator}-{next_offset}"
        ));
    }
    v
}

pub fn start(state: &mut State, env: &Env<'_>, call: &Call, all: bool) -> Outcome {
    run(state, env, call, Api::Data, all)
}

/// `GET /query/{locator}-{offset}`: the next page.
pub fn more(state: &mut State, call: &Call, token: &str) -> Outcome {
    let invalid = || SfError::bad("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (locator, offset) = token.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let position = state
        .cursors
        .iter()
        .position(|c| c.locator == locator)
        .ok_or_else(invalid)?;
    let cursor = &state.cursors[position];
    // The cursor holds the rows after the first page; the offset counts
    // from the start of the result.
    let first = cursor.batch_size;
    let start = offset.checked_sub(first).ok_or_else(invalid)?;
    let total = first + cursor.records.len();
    let end = (start + cursor.batch_size).min(cursor.records.len());
    let records: Vec<Value> = cursor.records.get(start..end).ok_or_else(invalid)?.to_vec();
    let more = end < cursor.records.len();
    let body = page(total, records, &call.version, locator, first + end, more);
    if !more {
        state.cursors.remove(position);
    }
    Ok(Reply::ok(body))
}
