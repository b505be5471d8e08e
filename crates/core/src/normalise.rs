//! Small, pure text normalisations and checks shared by discovery, mapping
//! and both destinations, each with one job so a single decision can be read
//! and tested alone.

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

/// A plausible e-mail address: one `@` with something on both sides, a dot
/// inside the domain, no whitespace, at most 254 characters. Deliberately
/// loose: refusing real addresses would be worse than sending odd ones.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
        && text.chars().count() <= 254
}

/// `text` cut to at most `max` characters (never inside a character).
pub fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
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

    #[test]
    fn email_check_is_loose_but_not_blind() {
        assert!(is_email("a+shop@b.co"));
        for bad in [
            "", "a@b", "@b.co", "a b@c.d", "a@@b.c", "a@.b", "a@b.", "+1 202",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
        assert_eq!(truncate_chars("破損照片", 3), "破損照");
        assert_eq!(truncate_chars("", 0), "");
    }
}
