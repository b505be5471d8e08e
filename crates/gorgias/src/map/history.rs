//! Status history → lines of the ticket's migration note. Gorgias has no
//! history API and computes its own events, so the Stames transitions are
//! kept as text with their timestamps (lossy: not queryable).

use deskshift_core::model::{SourceId, StatusEvent};

/// One line per transition, oldest first:
/// `2024-03-05 14:22 UTC: pending → solved (by Ana Lima)`.
pub fn lines(
    history: &[StatusEvent],
    agent_name: impl Fn(&SourceId) -> Option<String>,
) -> Vec<String> {
    let mut events: Vec<&StatusEvent> = history.iter().collect();
    events.sort_by_key(|e| e.changed_at);
    events
        .into_iter()
        .map(|event| {
            let from = event.from.as_deref().unwrap_or("(none)");
            let by = match &event.changed_by {
                Some(id) => agent_name(id).unwrap_or_else(|| format!("agent {id}")),
                None => "automation".to_string(),
            };
            format!(
                "{}: {from} → {} (by {by})",
                event.changed_at.format("%Y-%m-%d %H:%M:%S UTC"),
                event.to
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn transitions_are_listed_in_time_order_with_their_author() {
        let at = |h| Utc.with_ymd_and_hms(2024, 3, 5, h, 0, 0).unwrap();
        let history = vec![
            StatusEvent {
                ticket_id: "1".into(),
                from: Some("open".into()),
                to: "solved".into(),
                changed_at: at(12),
                changed_by: Some("9".into()),
            },
            StatusEvent {
                ticket_id: "1".into(),
                from: None,
                to: "open".into(),
                changed_at: at(10),
                changed_by: None,
            },
        ];
        let lines = lines(&history, |id| (id == "9").then(|| "Ana".to_string()));
        assert_eq!(
            lines,
            [
                "2024-03-05 10:00:00 UTC: (none) → open (by automation)",
                "2024-03-05 12:00:00 UTC: open → solved (by Ana)",
            ]
        );
    }
}
