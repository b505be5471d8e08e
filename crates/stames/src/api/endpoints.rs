//! Paths, query parameters and headers of the assumed Stames REST API.

/// Every path below is relative to this prefix.
pub const BASE_PATH: &str = "/api/v1";

/// Header carrying the workspace's account id.
pub const ACCOUNT_HEADER: &str = "X-Stames-Account";
/// The API key travels as `Authorization: Bearer <key>`.
pub const AUTHORIZATION: &str = "Authorization";

/// Rate-limit headers on every answer.
pub const RATE_LIMIT_LIMIT: &str = "X-RateLimit-Limit";
pub const RATE_LIMIT_REMAINING: &str = "X-RateLimit-Remaining";
/// Seconds until the current window resets.
pub const RATE_LIMIT_RESET: &str = "X-RateLimit-Reset";

/// Largest page the API serves.
pub const MAX_PER_PAGE: u32 = 100;

pub const ACCOUNT: &str = "/account";
pub const AGENTS: &str = "/agents";
pub const CUSTOMERS: &str = "/customers";
pub const TICKETS: &str = "/tickets";
pub const TAGS: &str = "/tags";
pub const CUSTOM_FIELDS: &str = "/custom_fields";
pub const CUSTOM_OBJECTS: &str = "/custom_objects";
pub const AUTOMATIONS: &str = "/automations";

/// `/tickets/{id}/messages`
pub fn ticket_messages(ticket_id: u64) -> String {
    format!("/tickets/{ticket_id}/messages")
}

/// `/tickets/{id}`
pub fn ticket(ticket_id: u64) -> String {
    format!("/tickets/{ticket_id}")
}

/// `/custom_objects/{key}/records`, with the key percent-encoded: keys are
/// user-defined and may hold characters a path cannot.
pub fn custom_object_records(object_key: &str) -> String {
    format!("/custom_objects/{}/records", encode_segment(object_key))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn custom_object_keys_are_encoded() {
        assert_eq!(
            super::custom_object_records("warranty"),
            "/custom_objects/warranty/records"
        );
        assert_eq!(
            super::custom_object_records("a b/é"),
            "/custom_objects/a%20b%2F%C3%A9/records"
        );
    }
}

/// `/attachments/{id}/content`
pub fn attachment_content(attachment_id: u64) -> String {
    format!("/attachments/{attachment_id}/content")
}

/// Query parameter names.
pub mod query {
    pub const PAGE: &str = "page";
    pub const PER_PAGE: &str = "per_page";
    /// RFC 3339 instant; records with `updated_at >= updated_since`.
    pub const UPDATED_SINCE: &str = "updated_since";
}
