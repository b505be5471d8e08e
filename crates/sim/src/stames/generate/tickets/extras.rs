//! Status history, reminders, notifications and tags.

use super::*;

impl TicketBuilder<'_, '_> {
    /// A history that starts at `new` and ends at the ticket's status, and the
    /// time of its last event.
    pub(super) fn status_history(
        &mut self,
        assignee: Option<usize>,
        last_message_at: DateTime<Utc>,
    ) -> (Vec<WireStatusEvent>, DateTime<Utc>) {
        let sk = self.sk;
        let anchor = self.g.anchor();
        let mut path: Vec<&'static str> = vec!["new"];
        if sk.status != "new" {
            for _ in 0..self.g.range(0, 3) {
                path.push(*self.g.pick(&["open", "pending", "on_hold", "open"]));
            }
            if sk.status == "closed" && self.g.chance(0.6) {
                path.push("solved");
            }
            path.push(sk.status);
            path.dedup();
            // `new` → … → final, at most six events.
            while path.len() > 6 {
                path.remove(1);
            }
        }
        let final_at = if path.len() == 1 {
            sk.created_at
        } else {
            let delay = if matches!(sk.status, "solved" | "closed") {
                self.g.log_secs(60, 2 * 86_400)
            } else {
                self.g.log_secs(1, 900)
            };
            (last_message_at + delay).min(anchor - Duration::seconds(1))
        };
        let mut times: Vec<DateTime<Utc>> = (1..path.len().saturating_sub(1))
            .map(|_| self.g.time_between(sk.created_at, final_at))
            .collect();
        times.sort_unstable();
        times.insert(0, sk.created_at);
        if path.len() > 1 {
            times.push(final_at);
        }
        let mut events = Vec::with_capacity(path.len());
        let mut from: Option<&str> = None;
        for (i, (to, at)) in path.iter().zip(times).enumerate() {
            let agent_id = if i == 0 {
                None
            } else {
                match self.g.range(0, 99) {
                    0..=69 => assignee.map(|a| self.agents()[a].id),
                    70..=84 => None,
                    _ => self.replier_at(at).map(|a| self.agents()[a].id),
                }
            };
            events.push(WireStatusEvent {
                from: from.map(str::to_string),
                to: (*to).to_string(),
                changed_at: ts(at),
                agent_id,
            });
            from = Some(to);
        }
        (events, final_at)
    }

    pub(super) fn reminders(
        &mut self,
        assignee: Option<usize>,
        last_activity: DateTime<Utc>,
    ) -> Vec<WireReminder> {
        if !self.g.chance(0.2) {
            return Vec::new();
        }
        let anchor = self.g.anchor();
        let count = if self.g.chance(0.8) { 1 } else { 2 };
        (0..count)
            .map(|_| {
                let remind_at = (self.sk.created_at + self.g.log_secs(3_600, 7 * 86_400))
                    .min(anchor + Duration::days(14));
                self.ids.reminder += 1;
                let agent_id = match assignee {
                    Some(a) => Some(self.agents()[a].id),
                    None => self
                        .replier_at(self.sk.created_at)
                        .map(|a| self.agents()[a].id),
                };
                WireReminder {
                    id: self.ids.reminder,
                    remind_at: ts(remind_at),
                    note: self
                        .g
                        .chance(0.8)
                        .then(|| (*self.g.pick(REMINDER_NOTES)).to_string()),
                    agent_id,
                    completed: remind_at < last_activity && self.g.chance(0.7),
                }
            })
            .collect()
    }

    pub(super) fn notifications(
        &mut self,
        customer: Option<&CustomerInfo>,
    ) -> Vec<WireNotification> {
        if !self.g.chance(0.1) {
            return Vec::new();
        }
        let count = if self.g.chance(0.7) { 1 } else { 2 };
        (0..count)
            .map(|_| {
                self.ids.notification += 1;
                let sms = self.g.chance(0.4);
                let recipient = if sms {
                    customer
                        .and_then(|c| c.phone.clone())
                        .unwrap_or_else(|| "+44 7700 900555".to_string())
                } else {
                    let agents = self.agents();
                    match customer.and_then(|c| c.email.clone()) {
                        Some(email) if self.g.chance(0.6) => email,
                        _ => self.g.pick(agents).email.clone(),
                    }
                };
                WireNotification {
                    id: self.ids.notification,
                    medium: if sms { "sms" } else { "email" }.to_string(),
                    event: (*self.g.pick(NOTIFICATION_EVENTS)).to_string(),
                    recipient,
                    enabled: self.g.chance(0.85),
                }
            })
            .collect()
    }

    pub(super) fn tags(&mut self) -> Vec<String> {
        let count = self
            .g
            .weighted(&[(0, 30), (1, 35), (2, 20), (3, 10), (4, 5)]);
        let mut tags: Vec<String> = Vec::with_capacity(count);
        for _ in 0..count {
            let tag = tag_spelling(self.g).to_string();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }
}
