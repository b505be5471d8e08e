//! Salesforce record ids: 15 case-sensitive characters, plus a 3-character
//! suffix that makes the 18-character form case-insensitive.
//!
//! Shape (documented in the SOAP API guide, "Field Types › ID"): the first
//! three characters are the object's *key prefix* (`500` Case, `003`
//! Contact…), the rest identifies the record. The API returns 18-character
//! ids and accepts both forms. The suffix is computed from the 15-character
//! id: for each block of five characters, a 5-bit number whose bit *i* is set
//! when character *i* is an upper-case letter, written with the alphabet
//! `A–Z0–5`.
//!
//! The emulator's ids are `prefix + "Dk" + "0" + 9 base-62 digits`, with
//! digits ordered like ASCII (`0-9A-Za-z`) and zero-padded, so that sorting
//! ids as strings sorts records by creation: that is the default order of an
//! unordered SOQL query here (the real order is unspecified).

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The 3-character case-safety suffix of a 15-character id.
fn suffix(id15: &[u8]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (block, slot) in out.iter_mut().enumerate() {
        let mut bits = 0usize;
        for i in 0..5 {
            if id15[block * 5 + i].is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        *slot = SUFFIX_ALPHABET[bits];
    }
    out
}

/// The 18-character id of record number `sequence` of the object with
/// `prefix` (three characters).
pub fn make(prefix: &str, sequence: u64) -> String {
    let mut digits = [b'0'; 9];
    let mut n = sequence;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    let mut id = String::with_capacity(18);
    id.push_str(prefix);
    id.push_str("Dk0");
    // Both halves are ASCII by construction.
    id.push_str(std::str::from_utf8(&digits).unwrap_or("000000000"));
    let tail = suffix(id.as_bytes());
    id.push_str(std::str::from_utf8(&tail).unwrap_or("AAA"));
    id
}

/// The canonical 18-character form of an id given as 15 or 18 characters,
/// or `None` when `text` cannot be an id (wrong length or characters).
/// An 18-character id's suffix is recomputed, so a mangled suffix still
/// names the record its first 15 characters name, as on the platform.
pub fn normalize(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if !(bytes.len() == 15 || bytes.len() == 18) || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let id15 = &bytes[..15];
    let mut id = String::from_utf8(id15.to_vec()).ok()?;
    let tail = suffix(id15);
    id.push_str(std::str::from_utf8(&tail).ok()?);
    Some(id)
}

/// The key prefix of a well-formed id.
pub fn prefix(id: &str) -> &str {
    id.get(..3).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_suffix() {
        // A documented example pair: 001A0000006Vm9r -> 001A0000006Vm9rIAC.
        assert_eq!(normalize("001A0000006Vm9r").unwrap(), "001A0000006Vm9rIAC");
        assert_eq!(
            normalize("001A0000006Vm9rXXX").unwrap(),
            "001A0000006Vm9rIAC"
        );
        assert!(normalize("001A0000006Vm9").is_none());
        assert!(normalize("001A0000006Vm9r!!!").is_none());
    }

    #[test]
    fn ids_sort_by_sequence() {
        let a = make("500", 61);
        let b = make("500", 62);
        assert!(a < b, "{a} {b}");
        assert_eq!(a.len(), 18);
        assert_eq!(normalize(&a).unwrap(), a);
        assert_eq!(normalize(&a[..15]).unwrap(), a);
    }
}
