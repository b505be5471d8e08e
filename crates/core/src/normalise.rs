//! Small, pure text normalisations shared by discovery and mapping, each with one
//! job so a single decision can be read and tested alone.

/// The canonical spelling of a tag: trimmed, lower-case, runs of spaces,
/// underscores and hyphens collapsed into one hyphen (`" Refund  Request"` →
/// `"refund-request"`). Two source tags with the same key collide and must be
/// merged into one destination tag.
pub fn tag_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    let mut pending_separator = false;
    for ch in name.trim().chars() {
        if ch.is_whitespace() || ch == '-' || ch == '_' {
            pending_separator = !key.is_empty();
        } else {
            if pending_separator {
                key.push('-');
                pending_separator = false;
            }
            key.extend(ch.to_lowercase());
        }
    }
    key
}

/// An e-mail address as deskshift compares it: trimmed and lower-cased.
pub fn email_key(address: &str) -> String {
    address.trim().to_lowercase()
}

/// A company name as deskshift compares it: trimmed, lower-cased, runs of
/// whitespace collapsed. Empty when there is no usable name. Customers of
/// the same company share one destination account where the destination
/// has accounts, so discovery counts companies by this key.
pub fn company_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_keys_collapse_case_and_separators() {
        assert_eq!(tag_key(" Refund  Request"), "refund-request");
        assert_eq!(tag_key("refund_request"), "refund-request");
        assert_eq!(tag_key("Refund-Request"), "refund-request");
        assert_eq!(tag_key("VIP "), "vip");
        assert_eq!(tag_key("--x--"), "x");
        assert_eq!(tag_key("Café Ölçü"), "café-ölçü");
        assert_eq!(tag_key("   "), "");
    }

    #[test]
    fn company_keys_ignore_case_and_spacing() {
        assert_eq!(company_key("  ACME   Inc "), "acme inc");
        assert_eq!(company_key(" \t "), "");
    }

    #[test]
    fn email_keys_ignore_case_and_padding() {
        assert_eq!(email_key(" Ana@Example.COM "), "ana@example.com");
    }
}
