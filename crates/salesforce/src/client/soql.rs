//! Building SOQL safely: string literals ([`quote`]) and long `IN (…)` lists
//! split to fit ([`in_lists`]).
//!
//! SOQL has no bind parameters over REST, so every value deskshift puts in a
//! query goes through [`quote`]. A WHERE clause's strings may total at most
//! 4,000 characters (reference §6, SOQL limits), so a look-up of many ids is
//! several queries, each with an `IN` list under that limit.

/// The longest WHERE clause string Salesforce accepts.
pub const MAX_WHERE_CHARS: usize = 4000;

/// `value` as a SOQL string literal: in single quotes, with `\`, `'`, `"`
/// and the control characters SOQL knows escaped (Salesforce SOQL reference,
/// "Quoted String Escape Sequences"). Other characters stand for themselves.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `field IN ('a','b',…)` conditions covering every value, each at most
/// `max_chars` long (use [`MAX_WHERE_CHARS`] minus the rest of the WHERE
/// clause). Values are quoted; duplicates are kept (harmless in SOQL).
/// A single value too long to fit alone still gets a condition of its own:
/// Salesforce will refuse it, which is the honest outcome.
pub fn in_lists<'a>(
    field: &str,
    values: impl IntoIterator<Item = &'a str>,
    max_chars: usize,
) -> Vec<String> {
    let open = format!("{field} IN (");
    let mut lists = Vec::new();
    let mut current = String::new();
    for value in values {
        let quoted = quote(value);
        // `open` + items + `)`; a comma before every item but the first.
        let grown = if current.is_empty() {
            open.len() + quoted.len() + 1
        } else {
            current.len() + 1 + quoted.len() + 1
        };
        if !current.is_empty() && grown > max_chars {
            current.push(')');
            lists.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            current.push_str(&open);
        } else {
            current.push(',');
        }
        current.push_str(&quoted);
    }
    if !current.is_empty() {
        current.push(')');
        lists.push(current);
    }
    lists
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_what_soql_needs() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote(r"a\b"), r"'a\\b'");
        assert_eq!(quote("say \"hi\""), r#"'say \"hi\"'"#);
        assert_eq!(quote("x\ny\tz\r"), r"'x\ny\tz\r'");
        // An injection attempt stays one literal.
        assert_eq!(quote("' OR Name != '"), r"'\' OR Name != \''");
        assert_eq!(quote("héllo ✓"), "'héllo ✓'");
    }

    #[test]
    fn in_lists_split_under_the_limit_and_keep_every_value() {
        let values: Vec<String> = (0..1000).map(|i| format!("STAMES-{i:05}")).collect();
        let lists = in_lists("Legacy_Id__c", values.iter().map(String::as_str), 200);
        assert!(lists.len() > 1);
        for list in &lists {
            assert!(list.len() <= 200, "{} > 200: {list}", list.len());
            assert!(list.starts_with("Legacy_Id__c IN ('") && list.ends_with("')"));
        }
        let back: Vec<String> = lists
            .iter()
            .flat_map(|l| {
                l.trim_start_matches("Legacy_Id__c IN (")
                    .trim_end_matches(')')
                    .split(',')
                    .map(|q| q.trim_matches('\'').to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(back, values);
    }

    #[test]
    fn in_lists_edge_cases() {
        assert!(in_lists("Id", std::iter::empty(), 100).is_empty());
        assert_eq!(in_lists("Id", ["a"], 100), vec!["Id IN ('a')"]);
        // A value longer than the limit still gets its own list.
        let long = "x".repeat(50);
        let lists = in_lists("Id", ["a", long.as_str(), "b"], 20);
        assert_eq!(lists.len(), 3);
        assert_eq!(lists[0], "Id IN ('a')");
        assert_eq!(lists[2], "Id IN ('b')");
    }
}
