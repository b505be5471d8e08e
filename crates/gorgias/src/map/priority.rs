//! Ticket priority: Stames `urgent` is Gorgias `critical`; the others keep
//! their names. (`urgent` is not a Gorgias value, whatever third-party
//! clients say; reference §4.1.)

use super::Mapped;

pub fn priority(stames: &str) -> Mapped<&'static str> {
    match stames.trim().to_ascii_lowercase().as_str() {
        "urgent" => Mapped::exact("critical"),
        "high" => Mapped::exact("high"),
        "normal" => Mapped::exact("normal"),
        "low" => Mapped::exact("low"),
        _ => Mapped::unrecognised(
            "normal",
            format!("unknown Stames priority `{stames}` became `normal`"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_is_critical() {
        assert_eq!(priority("urgent").value, "critical");
        assert_eq!(priority("high").value, "high");
        assert_eq!(priority("Normal").value, "normal");
        assert_eq!(priority("low").value, "low");
    }

    #[test]
    fn unknown_is_normal_and_flagged() {
        let mapped = priority("p1");
        assert_eq!(mapped.value, "normal");
        assert!(mapped.note.is_some() && !mapped.recognised);
    }
}
