//! Query parameters and pagination shared by every list endpoint.
//!
//! Parameters are parsed by hand rather than through a typed extractor so a
//! bad value gets the API's own `400 invalid_request` body with a message that
//! names the parameter, instead of the framework's plain-text rejection.
//! Unknown parameters are ignored, as most REST APIs do.

use super::error::ApiError;
use chrono::{DateTime, Utc};
use deskshift_stames::api::endpoints::{query, MAX_PER_PAGE};
use deskshift_stames::api::wire::{Page, PageMeta};

/// Page size when the client does not ask for one.
pub const DEFAULT_PER_PAGE: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub page: u32,
    pub per_page: u32,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Parses an RFC 3339 instant. A `+` in an offset that arrived unencoded in a
/// query string decodes to a space; that is repaired rather than refused,
/// because it is the most common client mistake and its meaning is clear.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&text.replace(' ', "+")))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl ListQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let page = match get(query::PAGE) {
            None => 1,
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| {
                    ApiError::invalid_request(format!(
                        "page must be a whole number from 1 to {}, got {text:?}",
                        u32::MAX
                    ))
                })?,
        };
        let per_page = match get(query::PER_PAGE) {
            None => DEFAULT_PER_PAGE,
            Some(text) => {
                let n = text.trim().parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::invalid_request(format!(
                        "per_page must be a whole number of at least 1 (at most {MAX_PER_PAGE} are served), got {text:?}"
                    ))
                })?;
                // Larger pages are clamped, not refused; `meta.per_page` says so.
                u32::try_from(n.min(u64::from(MAX_PER_PAGE))).unwrap_or(MAX_PER_PAGE)
            }
        };
        let updated_since = match get(query::UPDATED_SINCE) {
            None => None,
            Some(text) => Some(parse_instant(text).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "updated_since must be an RFC 3339 timestamp such as 2024-05-01T00:00:00Z, got {text:?}"
                ))
            })?),
        };
        Ok(ListQuery {
            page,
            per_page,
            updated_since,
        })
    }

    /// Whether a record stamped `stamp` passes the `updated_since` filter. A
    /// record whose timestamp is missing or does not parse is always included:
    /// a delta run that cannot date a record must still see it.
    pub fn admits(&self, stamp: Option<&str>) -> bool {
        match (self.updated_since, stamp.and_then(parse_instant)) {
            (Some(since), Some(at)) => at >= since,
            _ => true,
        }
    }

    /// One page of `items` (already filtered, in order), cloned out.
    pub fn page<T: Clone>(&self, items: &[&T]) -> Page<T> {
        let total = items.len() as u64;
        let per_page = u64::from(self.per_page);
        let total_pages = u32::try_from(total.div_ceil(per_page)).unwrap_or(u32::MAX);
        let start = (u64::from(self.page) - 1).saturating_mul(per_page);
        let data = if start >= total {
            Vec::new()
        } else {
            let start = start as usize;
            let end = (start + self.per_page as usize).min(items.len());
            items[start..end]
                .iter()
                .map(|item| (*item).clone())
                .collect()
        };
        Page {
            data,
            meta: PageMeta {
                page: self.page,
                per_page: self.per_page,
                total,
                total_pages,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, ApiError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ListQuery::parse(&owned)
    }

    #[test]
    fn defaults_clamps_and_errors() {
        let d = q(&[]).unwrap();
        assert_eq!((d.page, d.per_page, d.updated_since), (1, 50, None));
        assert_eq!(q(&[("per_page", "500")]).unwrap().per_page, 100);
        assert_eq!(
            q(&[("per_page", "99999999999999999")]).unwrap().per_page,
            100
        );
        for bad in [
            ("page", "0"),
            ("page", "x"),
            ("per_page", "0"),
            ("per_page", "-1"),
        ] {
            let err = q(&[bad]).unwrap_err();
            assert_eq!(err.code, "invalid_request");
            assert!(err.message.contains(bad.0), "{}", err.message);
        }
        let err = q(&[("updated_since", "last tuesday")]).unwrap_err();
        assert!(err.message.contains("updated_since"));
        assert!(q(&[("updated_since", "2024-05-01T00:00:00 00:00")]).is_ok());
    }

    #[test]
    fn pages_cover_everything_once() {
        let items: Vec<u32> = (0..7).collect();
        let refs: Vec<&u32> = items.iter().collect();
        let mut seen = Vec::new();
        for page in 1..=4 {
            let p = ListQuery {
                page,
                per_page: 3,
                updated_since: None,
            }
            .page(&refs);
            assert_eq!(p.meta.total, 7);
            assert_eq!(p.meta.total_pages, 3);
            seen.extend(p.data);
        }
        assert_eq!(seen, items);
    }
}
