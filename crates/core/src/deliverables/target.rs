//! Which destination the deliverables describe.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The destinations deskshift knows how to describe. Parsed from
/// `[destination] kind`; the binary has already refused unknown kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Gorgias,
    Salesforce,
}

impl Target {
    /// `gorgias` or `salesforce`, as `deskshift.toml` spells it.
    pub fn parse(kind: &str) -> Option<Target> {
        match kind.trim().to_ascii_lowercase().as_str() {
            "gorgias" => Some(Target::Gorgias),
            "salesforce" => Some(Target::Salesforce),
            _ => None,
        }
    }

    /// How a person names it.
    pub fn label(self) -> &'static str {
        match self {
            Target::Gorgias => "Gorgias",
            Target::Salesforce => "Salesforce Service Cloud",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_case_insensitively_and_unknown_ones_do_not() {
        assert_eq!(Target::parse(" Gorgias"), Some(Target::Gorgias));
        assert_eq!(Target::parse("salesforce"), Some(Target::Salesforce));
        assert_eq!(Target::parse("zendesk"), None);
    }
}
