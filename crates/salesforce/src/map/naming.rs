//! API names for the custom fields and objects deskshift creates, derived
//! from Stames labels.
//!
//! Salesforce's rules for the name before `__c`: letters, digits and
//! underscores only; starts with a letter; no trailing underscore; no two
//! underscores in a row (`__` separates namespace and suffix); at most 40
//! characters; unique on its object, case-insensitively. On top of those,
//! deskshift avoids SOQL/Apex reserved words (`Select__c` works in most
//! places but breaks hand-written Apex and formula references), so a label
//! like "Order" becomes `Order_Field`.
//!
//! The transform, in order: accented Latin letters lose their accent (`é` →
//! `e`, `ß` → `ss`); every other character that is not an ASCII letter or
//! digit becomes a separator; runs of separators become one `_`; a leading
//! digit gets a `Field_` / `Object_` prefix; the result is cut to 40
//! characters; a label with nothing usable left (`破損照片`, `!!!`) falls back
//! to the Stames key, then to `Field_<id>`; a collision gets `_2`, `_3`, …
//! The whole thing is deterministic, so re-running `prepare` finds the same
//! names.

use std::collections::HashSet;

/// Longest API name before the `__c` suffix.
pub const MAX_API_NAME_LEN: usize = 40;

/// The custom suffix of fields and objects.
pub const CUSTOM_SUFFIX: &str = "__c";

/// What an API name is for; decides the prefix of names that would start
/// with a digit and the suffix that dodges a reserved word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Field,
    Object,
}

impl NameKind {
    fn word(self) -> &'static str {
        match self {
            NameKind::Field => "Field",
            NameKind::Object => "Object",
        }
    }
}

/// Words deskshift never uses alone as a name: SOQL keywords, Apex reserved
/// words and the standard objects a custom one could be confused with.
const RESERVED: &[&str] = &[
    "abstract",
    "account",
    "activate",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "attachment",
    "autonomous",
    "begin",
    "bigdecimal",
    "blob",
    "boolean",
    "break",
    "bulk",
    "by",
    "byte",
    "case",
    "cast",
    "catch",
    "char",
    "class",
    "collect",
    "commit",
    "const",
    "contact",
    "content",
    "continue",
    "currency",
    "date",
    "datetime",
    "decimal",
    "default",
    "delete",
    "desc",
    "do",
    "double",
    "else",
    "end",
    "enum",
    "event",
    "exception",
    "excludes",
    "exit",
    "export",
    "extends",
    "false",
    "final",
    "finally",
    "first",
    "float",
    "for",
    "from",
    "global",
    "goto",
    "group",
    "having",
    "hint",
    "id",
    "if",
    "implements",
    "import",
    "in",
    "includes",
    "inner",
    "insert",
    "instanceof",
    "int",
    "integer",
    "interface",
    "into",
    "join",
    "last",
    "like",
    "limit",
    "list",
    "long",
    "loop",
    "map",
    "merge",
    "name",
    "new",
    "not",
    "null",
    "nulls",
    "number",
    "object",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "override",
    "owner",
    "package",
    "parallel",
    "pragma",
    "private",
    "protected",
    "public",
    "retrieve",
    "return",
    "rollback",
    "select",
    "set",
    "short",
    "sobject",
    "sort",
    "static",
    "string",
    "super",
    "switch",
    "synchronized",
    "system",
    "task",
    "testmethod",
    "then",
    "this",
    "throw",
    "time",
    "topic",
    "transaction",
    "trigger",
    "true",
    "try",
    "type",
    "undelete",
    "update",
    "upsert",
    "user",
    "using",
    "virtual",
    "void",
    "webservice",
    "when",
    "where",
    "while",
    "with",
];

/// Whether `name` (without suffix) is a reserved word, ignoring case.
pub fn is_reserved(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    RESERVED.binary_search(&lower.as_str()).is_ok()
}

/// The ASCII spelling of an accented Latin letter, if it has one.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'Ç' | 'Ć' | 'Č' | 'Ĉ' | 'Ċ' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => "g",
        'Ğ' | 'Ĝ' | 'Ġ' | 'Ģ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'Ł' | 'Ľ' | 'Ĺ' | 'Ļ' => "L",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'Ñ' | 'Ń' | 'Ň' | 'Ņ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ŕ' | 'ř' => "r",
        'Ŕ' | 'Ř' => "R",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'þ' => "th",
        'Þ' => "TH",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// The label's letters and digits joined by single underscores, accents
/// folded; empty when nothing usable is left. Not yet cut or prefixed.
pub fn sanitize(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut pending_separator = false;
    for c in label.chars() {
        let piece: Option<String> = if c.is_ascii_alphanumeric() {
            Some(c.to_string())
        } else {
            fold(c).map(str::to_string)
        };
        match piece {
            Some(piece) => {
                if pending_separator && !out.is_empty() {
                    out.push('_');
                }
                pending_separator = false;
                out.push_str(&piece);
            }
            None => pending_separator = true,
        }
    }
    out
}

/// Cuts `name` to `max` characters (it is ASCII) without leaving a trailing
/// underscore.
fn cut(name: &str, max: usize) -> String {
    crate::map::text::truncate_chars(name, max)
        .trim_end_matches('_')
        .to_string()
}

/// The API name (without `__c`) for `label`, before deduplication: the
/// sanitised label, else the sanitised `fallback` (the Stames key), else
/// `Field_<id>`-style from `id`; prefixed when it starts with a digit, cut to
/// 40 characters, reserved words dodged.
pub fn base_name(label: &str, fallback: &str, id: &str, kind: NameKind) -> String {
    let mut name = sanitize(label);
    if name.is_empty() {
        name = sanitize(fallback);
    }
    if name.is_empty() {
        name = format!("{}_{}", kind.word(), sanitize(id));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("{}_{}", kind.word(), name);
    }
    let mut name = cut(&name, MAX_API_NAME_LEN);
    if is_reserved(&name) {
        name = format!("{name}_{}", kind.word());
    }
    name
}

/// The API names taken on one object (or, for objects, in the org), compared
/// case-insensitively as Salesforce does; hands out unique names.
#[derive(Debug, Clone, Default)]
pub struct NameRegistry {
    taken: HashSet<String>,
}

impl NameRegistry {
    pub fn new() -> NameRegistry {
        NameRegistry::default()
    }

    /// Marks `name` (without `__c`) as taken, e.g. deskshift's own fields.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(strip_suffix(name).to_ascii_lowercase());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken
            .contains(&strip_suffix(name).to_ascii_lowercase())
    }

    /// `base` if free, else `base_2`, `base_3`, … (the base cut so the whole
    /// stays within 40 characters); the returned name is now taken. Returns
    /// the name without `__c`.
    pub fn claim(&mut self, base: &str) -> String {
        let mut base = cut(strip_suffix(base), MAX_API_NAME_LEN);
        if base.is_empty() {
            base = "Name".to_string();
        }
        let mut candidate = base.clone();
        let mut n = 2u32;
        while self.is_taken(&candidate) {
            let suffix = format!("_{n}");
            candidate = format!("{}{suffix}", cut(&base, MAX_API_NAME_LEN - suffix.len()));
            n += 1;
        }
        self.reserve(&candidate);
        candidate
    }

    /// `claim(base_name(..))` with the `__c` suffix: the API name to create.
    pub fn claim_custom(
        &mut self,
        label: &str,
        fallback: &str,
        id: &str,
        kind: NameKind,
    ) -> String {
        format!(
            "{}{CUSTOM_SUFFIX}",
            self.claim(&base_name(label, fallback, id, kind))
        )
    }
}

fn strip_suffix(name: &str) -> &str {
    name.strip_suffix(CUSTOM_SUFFIX).unwrap_or(name)
}

/// Whether `name` (with or without `__c`) obeys Salesforce's rules: what
/// the tests and `validate` check every generated name against.
pub fn is_valid_api_name(name: &str) -> bool {
    let name = strip_suffix(name);
    !name.is_empty()
        && name.len() <= MAX_API_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn field(label: &str) -> String {
        base_name(label, "", "9", NameKind::Field)
    }

    #[test]
    fn the_reserved_list_is_sorted_for_binary_search() {
        let mut sorted = RESERVED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, RESERVED);
    }

    #[test]
    fn plain_labels_become_readable_names() {
        assert_eq!(field("Order Number"), "Order_Number");
        assert_eq!(field("  order   number  "), "order_number");
        assert_eq!(field("Refund amount (€)"), "Refund_amount");
        assert_eq!(field("A--B__C"), "A_B_C");
    }

    #[test]
    fn accents_fold_and_other_scripts_fall_back() {
        assert_eq!(field("Numéro de commande"), "Numero_de_commande");
        assert_eq!(field("Straße"), "Strasse");
        assert_eq!(field("Ærøskøbing"), "AEroskobing");
        assert_eq!(
            base_name("破損照片", "damage_photo", "9", NameKind::Field),
            "damage_photo"
        );
        assert_eq!(
            base_name("破損照片", "写真", "9", NameKind::Field),
            "Field_9"
        );
        assert_eq!(base_name("🙂", "", "", NameKind::Object), "Object_Object");
    }

    #[test]
    fn leading_digits_and_reserved_words_are_dodged() {
        assert_eq!(field("2nd contact"), "Field_2nd_contact");
        assert_eq!(field("_notes"), "notes");
        assert_eq!(field("_private"), "private_Field");
        assert_eq!(field("Order"), "Order_Field");
        assert_eq!(field("select"), "select_Field");
        assert_eq!(base_name("Case", "", "1", NameKind::Object), "Case_Object");
    }

    #[test]
    fn long_labels_are_cut_to_forty_without_a_trailing_underscore() {
        let name = field("The very long label of a field that nobody should ever write down");
        assert!(name.len() <= MAX_API_NAME_LEN, "{name}");
        assert!(is_valid_api_name(&name), "{name}");
        let name = field(&format!("{}_b", "a".repeat(39)));
        assert_eq!(name, "a".repeat(39));
    }

    #[test]
    fn collisions_are_numbered_case_insensitively() {
        let mut names = NameRegistry::new();
        names.reserve("Stames_Ticket_Id__c");
        assert_eq!(
            names.claim_custom("Stames ticket id", "", "1", NameKind::Field),
            "Stames_ticket_id_2__c"
        );
        assert_eq!(names.claim("Color"), "Color");
        assert_eq!(names.claim("color"), "color_2");
        assert_eq!(names.claim("COLOR"), "COLOR_3");
        let long = "x".repeat(40);
        assert_eq!(names.claim(&long), long);
        let second = names.claim(&long);
        assert_eq!(second, format!("{}_2", "x".repeat(38)));
    }

    proptest! {
        #[test]
        fn any_label_gives_a_valid_unique_name(labels in proptest::collection::vec(any::<String>(), 1..8), key in any::<String>(), id in any::<String>()) {
            let mut names = NameRegistry::new();
            let mut seen = HashSet::new();
            for label in &labels {
                let name = names.claim_custom(label, &key, &id, NameKind::Field);
                prop_assert!(is_valid_api_name(&name), "{:?} -> {}", label, name);
                prop_assert!(seen.insert(name.to_ascii_lowercase()));
            }
        }
    }
}
