//! The preflight section: destination side effects a load would trigger
//! and what deskshift does about each (shared with `plan`). Discovery needs
//! no destination credentials, so without an answer from the destination
//! the section says how to get one.

use super::Target;
use crate::destination::SideEffect;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preflight {
    /// Whether the destination was asked.
    pub checked: bool,
    pub side_effects: Vec<SideEffect>,
    pub blocking: usize,
    pub summary: String,
}

/// The section from the destination's answer (`Destination::preflight`),
/// or, without one, what to run to get it. `plan`, `report` and
/// `discover` share it.
pub fn section(target: Target, side_effects: Option<&[SideEffect]>) -> Preflight {
    let Some(effects) = side_effects else {
        return Preflight {
            checked: false,
            side_effects: Vec::new(),
            blocking: 0,
            summary: format!(
                "Not checked: discovery does not connect to {}. Run `deskshift plan` or \
                 `deskshift prepare` to list the rules, flows and e-mail settings that would \
                 fire during the load.",
                target.label()
            ),
        };
    };
    let blocking = effects.iter().filter(|e| e.blocking).count();
    let summary = match (effects.len(), blocking) {
        (0, _) => format!(
            "{} has nothing active that would act on migrated records.",
            target.label()
        ),
        (n, 0) => format!("{}; none blocks the load.", effects_found(n)),
        (n, b) => format!(
            "{}; {} the load until paused (`deskshift prepare --pause-rules`) or explicitly \
             allowed.",
            effects_found(n),
            if b == 1 {
                "1 blocks".to_string()
            } else {
                format!("{b} block")
            }
        ),
    };
    let mut side_effects = effects.to_vec();
    side_effects.sort_by_key(|e| !e.blocking);
    Preflight {
        checked: true,
        side_effects,
        blocking,
        summary,
    }
}

fn effects_found(n: usize) -> String {
    if n == 1 {
        "1 side effect found".into()
    } else {
        format!("{n} side effects found")
    }
}

/// The section when the destination was asked and could not answer.
pub fn unanswered(target: Target, error: &str) -> Preflight {
    Preflight {
        checked: false,
        side_effects: Vec::new(),
        blocking: 0,
        summary: format!(
            "Not checked: {} did not answer ({error}). Fix that and run `deskshift report` \
             again; `deskshift migrate` checks again before it loads anything.",
            target.label()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(blocking: bool) -> SideEffect {
        SideEffect {
            kind: "rule".into(),
            id: "4".into(),
            name: "Auto-reply".into(),
            effect: "replies to customers".into(),
            handling: "pause it".into(),
            blocking,
        }
    }

    #[test]
    fn without_an_answer_it_says_which_command_checks() {
        let p = section(Target::Gorgias, None);
        assert!(!p.checked);
        assert!(p.summary.contains("deskshift plan"));
    }

    #[test]
    fn an_unanswered_check_names_the_error() {
        let p = unanswered(Target::Salesforce, "connection refused");
        assert!(!p.checked);
        assert!(p.summary.contains("connection refused"));
        assert!(p.summary.contains("Salesforce"));
    }

    #[test]
    fn blocking_effects_come_first_and_are_counted() {
        let p = section(Target::Salesforce, Some(&[effect(false), effect(true)]));
        assert!(p.checked);
        assert_eq!(p.blocking, 1);
        assert!(p.side_effects[0].blocking);
        assert!(section(Target::Gorgias, Some(&[]))
            .summary
            .contains("nothing active"));
        assert!(section(Target::Gorgias, Some(&[effect(true)]))
            .summary
            .starts_with("1 side effect found; 1 blocks the load"));
    }
}
