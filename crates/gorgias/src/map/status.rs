//! Ticket status. Gorgias has two (`open`, `closed`); Stames has six.
//! Everything not finished is open, everything finished is closed. The
//! Stames spelling is lossy here, so the migration note keeps it and the
//! status history.

use super::Mapped;

pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";

pub fn status(stames: &str) -> Mapped<&'static str> {
    match stames.trim().to_ascii_lowercase().as_str() {
        "open" | "new" => Mapped::exact(OPEN),
        "pending" | "on_hold" => Mapped::noted(
            OPEN,
            format!("Stames status `{stames}` became `open` (Gorgias has only open and closed)"),
        ),
        "solved" | "closed" => Mapped::exact(CLOSED),
        _ => Mapped::unrecognised(
            OPEN,
            format!("unknown Stames status `{stames}` became `open`"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_is_open_finished_is_closed() {
        for s in ["new", "open", "pending", "on_hold"] {
            assert_eq!(status(s).value, OPEN, "{s}");
        }
        for s in ["solved", "closed", "Closed"] {
            assert_eq!(status(s).value, CLOSED, "{s}");
        }
        assert!(status("open").note.is_none());
        assert!(status("pending").recognised);
        assert!(status("pending").note.unwrap().contains("pending"));
    }

    #[test]
    fn unknown_statuses_stay_open_and_are_flagged() {
        let mapped = status("escalated");
        assert_eq!(mapped.value, OPEN);
        assert!(!mapped.recognised);
        assert!(mapped.note.unwrap().contains("unknown"));
    }
}
