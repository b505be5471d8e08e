//! Cursor pagination, the only kind Gorgias serves since 2022 (PAG).
//!
//! Query: `cursor` (opaque), `limit` (1..=100, default 30; rules 100),
//! `order_by` (`field:asc|desc`, fields per endpoint, reference §3).
//! Answer: `{"object":"list","uri":…,"data":[…],"meta":{"prev_cursor",
//! "next_cursor","total_resources"}}`; `prev_cursor` is null on the first
//! page and `next_cursor` null on the last.
//!
//! Cursors are keyset positions (sort key and id of the first or last item
//! of a page), so a record created or deleted while a client pages never
//! makes it skip or repeat another. They are base64 JSON like Gorgias's own
//! (`["next", "created_datetime:desc", key, id]`), URL-safe alphabet; garbage,
//! or a cursor from another `order_by`, is a 400. Unlike Gorgias's they
//! never expire; clients must not rely on that.
//!
//! Unknown query parameters are refused with a 400 naming them, like
//! unknown body fields (ERR).

use super::errors::{ApiError, FieldErrors};
use super::validate::UNKNOWN;
use axum::http::Uri;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cmp::Ordering;

pub const MAX_LIMIT: usize = 100;
pub const DEFAULT_LIMIT: usize = 30;

/// What one list endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// Fields allowed in `order_by`.
    pub orders: &'static [&'static str],
    /// `order_by` when the client sends none.
    pub default_order: (&'static str, Direction),
    pub default_limit: usize,
    /// Filter parameters; each is also accepted with `[]` (`types[]=a`).
    pub filters: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Asc,
    Desc,
}

/// A sort key of one record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

impl SortKey {
    /// Datetimes sort by their microsecond timestamp.
    pub fn time(t: chrono::DateTime<chrono::Utc>) -> SortKey {
        SortKey::Int(t.timestamp_micros())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor(String, String, SortKey, u64);

/// A parsed list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub limit: usize,
    pub order_field: &'static str,
    pub direction: Direction,
    cursor: Option<(bool, SortKey, u64)>,
    params: Vec<(String, String)>,
    uri: String,
}

impl ListQuery {
    fn order_by(&self) -> String {
        format!(
            "{}:{}",
            self.order_field,
            match self.direction {
                Direction::Asc => "asc",
                Direction::Desc => "desc",
            }
        )
    }

    /// The first value of a filter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable filter (`types[]=a&types[]=b` or `types=a`).
    pub fn params(&self, key: &str) -> Vec<&str> {
        let bracketed = format!("{key}[]");
        self.params
            .iter()
            .filter(|(k, _)| k == key || *k == bracketed)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn encode(&self, next: bool, key: &SortKey, id: u64) -> String {
        let cursor = Cursor(
            if next { "next" } else { "prev" }.into(),
            self.order_by(),
            key.clone(),
            id,
        );
        let json = serde_json::to_vec(&cursor).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }
}

fn decode_cursor(text: &str) -> Option<Cursor> {
    let text = text.trim();
    let bytes = [URL_SAFE_NO_PAD, URL_SAFE, STANDARD, STANDARD_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
    (cursor.0 == "next" || cursor.0 == "prev").then_some(cursor)
}

const PAGING: &[&str] = &["cursor", "limit", "order_by"];

/// Parses and checks the query of a list request to `uri` (`raw` is its
/// decoded query).
pub fn parse(
    uri: &Uri,
    raw: Vec<(String, String)>,
    spec: &ListSpec,
) -> Result<ListQuery, ApiError> {
    let mut errors = FieldErrors::new();
    let uri = uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    for (key, _) in &raw {
        let bare = key.strip_suffix("[]").unwrap_or(key);
        if !PAGING.contains(&key.as_str()) && !spec.filters.contains(&bare) {
            errors.add(key.clone(), UNKNOWN);
        }
    }
    let get = |key: &str| raw.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let limit = match get("limit") {
        None => spec.default_limit,
        Some(text) => {
            match text.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                Ok(_) | Err(_) => {
                    errors.add(
                    "limit",
                    format!("Must be greater than or equal to 1 and less than or equal to {MAX_LIMIT}."),
                );
                    spec.default_limit
                }
            }
        }
    };
    let (order_field, direction) = match get("order_by") {
        None => spec.default_order,
        Some(text) => {
            let (field, dir) = text.split_once(':').unwrap_or((text, "asc"));
            let direction = match dir {
                "asc" => Some(Direction::Asc),
                "desc" => Some(Direction::Desc),
                _ => None,
            };
            match (spec.orders.iter().find(|f| **f == field), direction) {
                (Some(field), Some(direction)) => (*field, direction),
                _ => {
                    let allowed: Vec<String> = spec
                        .orders
                        .iter()
                        .flat_map(|f| [format!("{f}:asc"), format!("{f}:desc")])
                        .collect();
                    errors.add(
                        "order_by",
                        format!("Must be one of: {}.", allowed.join(", ")),
                    );
                    spec.default_order
                }
            }
        }
    };
    let mut query = ListQuery {
        limit,
        order_field,
        direction,
        cursor: None,
        params: raw
            .iter()
            .filter(|(k, _)| !PAGING.contains(&k.as_str()))
            .cloned()
            .collect(),
        uri,
    };
    if let Some(text) = get("cursor").filter(|t| !t.is_empty()) {
        match decode_cursor(text) {
            Some(cursor) if cursor.1 == query.order_by() => {
                query.cursor = Some((cursor.0 == "next", cursor.2, cursor.3));
            }
            _ => errors.add("cursor", "Invalid cursor."),
        }
    }
    errors.check("Invalid query parameters.")?;
    Ok(query)
}

/// One page of ids, with the cursors around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub ids: Vec<u64>,
    pub prev_cursor: Option<String>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// Picks the page `query` asks for out of every matching record's
/// `(sort key, id)`.
pub fn paginate(mut keys: Vec<(SortKey, u64)>, query: &ListQuery) -> Page {
    let descending = query.direction == Direction::Desc;
    let effective = |a: &(SortKey, u64), b: &(SortKey, u64)| -> Ordering {
        if descending {
            b.cmp(a)
        } else {
            a.cmp(b)
        }
    };
    keys.sort_by(effective);
    let n = keys.len();
    let (start, end) = match &query.cursor {
        None => (0, query.limit.min(n)),
        Some((true, key, id)) => {
            let at = (key.clone(), *id);
            let start = keys.partition_point(|x| effective(x, &at) != Ordering::Greater);
            (start, (start + query.limit).min(n))
        }
        Some((false, key, id)) => {
            let at = (key.clone(), *id);
            let end = keys.partition_point(|x| effective(x, &at) == Ordering::Less);
            (end.saturating_sub(query.limit), end)
        }
    };
    let prev_cursor = (start > 0)
        .then(|| keys.get(start))
        .flatten()
        .map(|(k, id)| query.encode(false, k, *id));
    let next_cursor = (end < n && end > start)
        .then(|| keys.get(end - 1))
        .flatten()
        .map(|(k, id)| query.encode(true, k, *id));
    Page {
        ids: keys[start..end].iter().map(|(_, id)| *id).collect(),
        prev_cursor,
        next_cursor,
        total: n,
    }
}

/// The list envelope around rendered `data`.
pub fn envelope(query: &ListQuery, page: &Page, data: Vec<Value>) -> Value {
    json!({
        "object": "list",
        "uri": query.uri,
        "data": data,
        "meta": {
            "prev_cursor": page.prev_cursor,
            "next_cursor": page.next_cursor,
            "total_resources": page.total,
        }
    })
}

/// An unpaginated list (a ticket's tags or custom-field values) in the same
/// envelope.
pub fn whole_list(uri: String, data: Vec<Value>) -> Value {
    json!({
        "object": "list",
        "uri": uri,
        "meta": {"prev_cursor": null, "next_cursor": null, "total_resources": data.len()},
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        orders: &["created_datetime", "name"],
        default_order: ("created_datetime", Direction::Desc),
        default_limit: DEFAULT_LIMIT,
        filters: &["email", "types"],
    };

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, ApiError> {
        let raw: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let uri: Uri = format!("/api/x?{}", serde_json::to_string(&raw.len()).unwrap())
            .parse()
            .unwrap();
        parse(&uri, raw, &SPEC)
    }

    fn keys(n: u64) -> Vec<(SortKey, u64)> {
        // Duplicate sort keys on purpose: ties break on id.
        (1..=n)
            .map(|id| (SortKey::Int((id / 3) as i64), id))
            .collect()
    }

    #[test]
    fn walks_forward_and_back_without_gaps_or_repeats() {
        for (order, expected_first) in [("created_datetime:asc", 1), ("created_datetime:desc", 10)]
        {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = Vec::new();
            loop {
                let mut pairs = vec![("limit", "3"), ("order_by", order)];
                if let Some(c) = &cursor {
                    pairs.push(("cursor", c.as_str()));
                }
                let query = q(&pairs).unwrap();
                let page = paginate(keys(10), &query);
                if pages.is_empty() {
                    assert!(page.prev_cursor.is_none());
                    assert_eq!(page.ids[0], expected_first);
                }
                seen.extend(page.ids.clone());
                pages.push(page.clone());
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 10, "{order}: {seen:?}");
            assert_eq!(seen.len(), 10);
            // The last page's prev cursor leads back to the page before it.
            let last = pages.last().unwrap();
            let back = q(&[
                ("limit", "3"),
                ("order_by", order),
                ("cursor", last.prev_cursor.as_deref().unwrap()),
            ])
            .unwrap();
            assert_eq!(paginate(keys(10), &back).ids, pages[pages.len() - 2].ids);
        }
    }

    #[test]
    fn refuses_bad_parameters() {
        for pairs in [
            vec![("limit", "0")],
            vec![("limit", "101")],
            vec![("limit", "ten")],
            vec![("order_by", "usage:asc")],
            vec![("order_by", "name:sideways")],
            vec![("cursor", "!!garbage!!")],
            vec![("cursor", "bm90IGpzb24")],
            vec![("page", "2")],
        ] {
            let err = q(&pairs).unwrap_err();
            assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST, "{pairs:?}");
        }
        // A cursor made for another order is refused too.
        let query = q(&[("order_by", "name:asc"), ("limit", "1")]).unwrap();
        let page = paginate(
            vec![
                (SortKey::Text("a".into()), 1),
                (SortKey::Text("b".into()), 2),
            ],
            &query,
        );
        let cursor = page.next_cursor.unwrap();
        assert!(q(&[("cursor", cursor.as_str())]).is_err());
        assert!(q(&[("order_by", "name:asc"), ("cursor", cursor.as_str())]).is_ok());
    }

    #[test]
    fn repeatable_filters_and_uri() {
        let query = q(&[("types[]", "a"), ("types[]", "b"), ("email", "x@y.z")]).unwrap();
        assert_eq!(query.params("types"), vec!["a", "b"]);
        assert_eq!(query.param("email"), Some("x@y.z"));
        assert!(query.uri.starts_with("/api/x?"));
        let empty = paginate(Vec::new(), &query);
        assert_eq!(
            empty,
            Page {
                ids: vec![],
                prev_cursor: None,
                next_cursor: None,
                total: 0
            }
        );
    }
}
