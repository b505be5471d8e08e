//! Name similarity between a Stames field and a destination field, for
//! reusing a field that already exists rather than creating a duplicate.
//!
//! Names are tokenised (separators, camelCase, Salesforce's `__c`), each
//! token is brought to a canonical word through a small synonym table
//! (`Exp.` and `Expiration`, `#` and `Number`, `Tel` and `Phone` …), and the
//! two token sets are compared softly: every token counts by its best
//! Jaro-Winkler match on the other side (only close matches count, so
//! `order` never half-matches `origin`). The score is symmetric, 0 to 1.

/// Tokens that say nothing about what a field holds.
const STOPWORDS: [&str; 9] = ["of", "the", "a", "an", "and", "is", "stames", "field", "c"];

/// Canonical word for abbreviations and synonyms people use in field names.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "expiration",
        &["exp", "expiry", "expires", "expiring", "expire", "expired"],
    ),
    ("number", &["no", "num", "nr", "nbr", "#"]),
    ("identifier", &["id", "ident"]),
    ("quantity", &["qty"]),
    ("amount", &["amt"]),
    ("birthday", &["dob", "birthdate"]),
    ("phone", &["tel", "telephone", "mobile", "cell"]),
    ("email", &["mail", "e-mail"]),
    ("address", &["addr"]),
    ("description", &["desc", "descr"]),
    ("reference", &["ref"]),
    ("customer", &["cust", "client"]),
    (
        "company",
        &["org", "organisation", "organization", "account"],
    ),
    ("date", &["dt"]),
    ("priority", &["prio"]),
    ("category", &["cat"]),
    ("purchase", &["purchased", "bought"]),
    ("delivery", &["deliv", "shipping"]),
    ("vip", &["v.i.p"]),
];

/// Token matches below this count for nothing.
const TOKEN_MATCH: f64 = 0.88;

/// The canonical tokens of a field name or label.
pub fn tokens(name: &str) -> Vec<String> {
    let name = name.trim();
    let name = name
        .strip_suffix("__c")
        .or_else(|| name.strip_suffix("__pc"))
        .unwrap_or(name);
    let name = name.replace("e-mail", "email").replace("E-mail", "email");
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c == '#' {
            push(&mut words, &mut current);
            words.push("#".into());
        } else if c.is_alphanumeric() {
            let camel_break = c.is_uppercase()
                && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            if camel_break {
                push(&mut words, &mut current);
            }
            current.extend(c.to_lowercase());
        } else {
            push(&mut words, &mut current);
        }
        previous = Some(c);
    }
    push(&mut words, &mut current);
    words
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| canonical(&w))
        .collect()
}

fn push(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

fn canonical(word: &str) -> String {
    SYNONYMS
        .iter()
        .find(|(canon, others)| *canon == word || others.contains(&word))
        .map_or_else(|| word.to_string(), |(canon, _)| canon.to_string())
}

/// How alike two names are, 0 to 1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (tokens(a), tokens(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let best = |token: &str, others: &[String]| {
        others
            .iter()
            .map(|o| strsim::jaro_winkler(token, o))
            .filter(|s| *s >= TOKEN_MATCH)
            .fold(0.0, f64::max)
    };
    let forward: f64 = a.iter().map(|t| best(t, &b)).sum();
    let backward: f64 = b.iter().map(|t| best(t, &a)).sum();
    (forward + backward) / (a.len() + b.len()) as f64
}

/// The best similarity between any of `names` and any of `others`.
pub fn best_similarity(names: &[&str], others: &[&str]) -> f64 {
    names
        .iter()
        .flat_map(|a| others.iter().map(move |b| similarity(a, b)))
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_separators_camel_case_and_salesforce_suffixes() {
        assert_eq!(tokens("Warranty Exp."), ["warranty", "expiration"]);
        assert_eq!(tokens("Warranty_Expiration__c"), ["warranty", "expiration"]);
        assert_eq!(tokens("orderNumber"), ["order", "number"]);
        assert_eq!(tokens("Order #"), ["order", "number"]);
        assert_eq!(tokens("VIP?"), ["vip"]);
        assert_eq!(tokens("Customer e-mail"), ["customer", "email"]);
        assert_eq!(tokens("Numéro de série"), ["numéro", "de", "série"]);
        assert!(tokens("  ").is_empty());
    }

    #[test]
    fn synonyms_and_abbreviations_match_fully() {
        assert_eq!(similarity("Warranty Exp.", "Warranty_Expiration__c"), 1.0);
        assert_eq!(similarity("Order #", "Order number"), 1.0);
        assert_eq!(similarity("Cust. Tel", "Customer phone"), 1.0);
    }

    #[test]
    fn related_names_score_partly_unrelated_ones_not_at_all() {
        let partial = similarity("Order #", "Order id");
        assert!((0.4..0.6).contains(&partial), "{partial}");
        assert_eq!(similarity("Loyalty tier", "Origin"), 0.0);
        assert_eq!(similarity("Gift order?", "VIP?"), 0.0);
        let typo = similarity("Warranty expiraton", "Warranty expiration");
        assert!(typo > 0.9, "{typo}");
    }

    #[test]
    fn similarity_is_symmetric() {
        for (a, b) in [
            ("Order #", "Order id"),
            ("Refund amount (€)", "Refund_Amt__c"),
        ] {
            assert_eq!(similarity(a, b), similarity(b, a));
        }
    }
}
