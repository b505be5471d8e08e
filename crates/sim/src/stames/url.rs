//! The CDN-style URLs Stames puts in message bodies for attachments.

/// `https://files.stames.app/{account}/{id}/{file name}`, the file name
/// percent-encoded (UTF-8) the way CDNs serve it. Body rewriting in the
/// destinations looks for exactly this string.
pub fn attachment_url(account_id: &str, attachment_id: u64, file_name: &str) -> String {
    format!(
        "https://files.stames.app/{}/{attachment_id}/{}",
        percent_encode(account_id),
        percent_encode(file_name)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_spaces_and_unicode() {
        assert_eq!(
            attachment_url("acme", 9, "Rechnung März (1).pdf"),
            "https://files.stames.app/acme/9/Rechnung%20M%C3%A4rz%20%281%29.pdf"
        );
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
    }
}
