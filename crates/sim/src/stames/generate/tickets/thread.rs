//! A ticket's conversation: who writes when, and what.

use super::*;

impl TicketBuilder<'_, '_> {
    pub(super) fn thread_length(&mut self) -> usize {
        if self.sk.status == "new" {
            return self.g.range(1, 3) as usize;
        }
        let (lo, hi) =
            self.g
                .weighted(&[((1, 6), 55), ((7, 15), 30), ((16, 30), 11), ((31, 60), 4)]);
        self.g.range(lo, hi) as usize
    }

    /// Authors and times of every message, chronological.
    pub(super) fn plan_thread(&mut self, assignee: Option<usize>) -> Vec<Planned> {
        let sk = self.sk;
        let len = self.thread_length();
        let mut roles = Vec::with_capacity(len);
        let mut gaps: Vec<i64> = Vec::with_capacity(len);
        roles.push(Role::Customer);
        gaps.push(0);
        let mut replied = false;
        for k in 1..len {
            let prev = roles[k - 1];
            let role = if k == 1 && sk.channel == "email" && self.g.chance(0.3) {
                Role::AutoReply
            } else if sk.status == "new" {
                Role::Customer
            } else {
                let roll = self.g.range(0, 99);
                let customer_last = matches!(prev, Role::Customer | Role::AutoReply);
                let agent_reply = if customer_last { roll < 75 } else { roll < 10 };
                let note = if customer_last {
                    (75..90).contains(&roll)
                } else {
                    (10..25).contains(&roll)
                };
                let system = if customer_last {
                    (90..93).contains(&roll)
                } else {
                    (25..30).contains(&roll)
                };
                let at = sk.created_at;
                if agent_reply {
                    let agent = match assignee {
                        Some(a) if self.g.chance(0.8) => Some(a),
                        _ => self.replier_at(at),
                    };
                    agent.map_or(Role::Customer, Role::Agent)
                } else if note {
                    self.note_writer_at(at).map_or(Role::Customer, Role::Note)
                } else if system {
                    Role::System
                } else {
                    Role::Customer
                }
            };
            let gap = match role {
                Role::AutoReply => self.g.range(5, 90) as i64,
                Role::Agent(_) if !replied => {
                    replied = true;
                    let (lo, hi) = self.g.weighted(&[
                        ((120, 3_600), 50),
                        ((3_600, 8 * 3_600), 35),
                        ((8 * 3_600, 48 * 3_600), 15),
                    ]);
                    self.g.log_secs(lo, hi).num_seconds()
                }
                Role::Note(_) => self.g.log_secs(60, 6 * 3_600).num_seconds(),
                _ => {
                    let (lo, hi) = self.g.weighted(&[
                        ((120, 7_200), 50),
                        ((7_200, 2 * 86_400), 40),
                        ((2 * 86_400, 10 * 86_400), 10),
                    ]);
                    self.g.log_secs(lo, hi).num_seconds()
                }
            };
            roles.push(role);
            gaps.push(gap.max(1));
        }
        // Squeeze long threads on recent tickets so that nothing happens after
        // the anchor; every gap stays at least a second so order is strict.
        let available = (self.g.anchor() - Duration::seconds(120) - sk.created_at).num_seconds();
        let total: i64 = gaps.iter().sum();
        if total > available && total > 0 {
            let factor = available.max(0) as f64 / total as f64;
            for gap in gaps.iter_mut().skip(1) {
                *gap = ((*gap as f64 * factor) as i64).max(1);
            }
        }
        let mut at = sk.created_at;
        roles
            .into_iter()
            .zip(gaps)
            .map(|(role, gap)| {
                at += Duration::seconds(gap);
                Planned { role, at }
            })
            .collect()
    }

    pub(super) fn author(
        &self,
        role: Role,
        channel: &str,
        customer: Option<&CustomerInfo>,
    ) -> WireAuthor {
        match role {
            Role::Customer => WireAuthor {
                author_type: "customer".into(),
                id: customer.map(|c| c.id),
                name: customer.and_then(|c| c.name.clone()),
                handle: customer.and_then(|c| match channel {
                    "whatsapp" => c.phone.clone().or_else(|| c.email.clone()),
                    "facebook" | "instagram" => Some(c.handle.clone()),
                    _ => c
                        .email
                        .clone()
                        .or_else(|| c.phone.clone())
                        .or_else(|| Some(c.handle.clone())),
                }),
            },
            Role::Agent(a) | Role::Note(a) => {
                let agent = &self.agents()[a];
                WireAuthor {
                    author_type: "agent".into(),
                    id: Some(agent.id),
                    name: Some(agent.name.clone()),
                    handle: Some(agent.email.clone()),
                }
            }
            Role::AutoReply | Role::System => WireAuthor {
                author_type: "system".into(),
                id: None,
                name: Some("Stames".into()),
                handle: None,
            },
        }
    }

    pub(super) fn message(
        &mut self,
        k: usize,
        planned: &Planned,
        customer: Option<&CustomerInfo>,
        locale: Locale,
        order: &str,
    ) -> WireMessage {
        let sk = self.sk;
        self.ids.message += 1;
        let id = self.ids.message;
        let role = planned.role;
        let mut channel = sk.channel;
        if role == Role::Customer
            && k > 0
            && channel != "email"
            && customer.is_some_and(|c| c.email.is_some())
            && self.g.chance(0.05)
        {
            // The customer answered by e-mail instead.
            channel = "email";
        }
        let private = matches!(role, Role::Note(_));
        let html =
            matches!(channel, "email" | "contact_form" | "api") || (private && self.g.chance(0.6));
        let mut body = self.body(k, role, customer, locale, order);

        let created_at = ts(planned.at);
        let mut attachments = Vec::new();
        let first = k == 0;
        if html && ((first && sk.inline_image) || self.g.chance(0.05)) {
            let attachment = self.inline_image(&created_at);
            body.push(Block::Image {
                src: attachment.url.clone(),
                alt: attachment.file_name.clone(),
            });
            attachments.push(attachment);
        }
        let rate = match role {
            Role::Customer => 0.14,
            Role::Agent(_) => 0.12,
            Role::Note(_) => 0.05,
            Role::AutoReply | Role::System => 0.0,
        };
        if self.g.chance(rate) {
            let count = self.g.weighted(&[(1, 80), (2, 15), (3, 5)]);
            for _ in 0..count {
                let private_storage = self.g.chance(0.02);
                attachments.push(self.file(&created_at, order, private_storage));
            }
        }
        if first && sk.large_file {
            attachments.push(self.large_file(&created_at));
        }
        if first && sk.private_file {
            attachments.push(self.file(&created_at, order, true));
        }
        WireMessage {
            id: Some(id),
            ticket_id: sk.id,
            author: self.author(role, channel, customer),
            private,
            channel: channel.to_string(),
            body_text: body.text(),
            body_html: html.then(|| body.html()),
            attachments,
            created_at,
        }
    }

    pub(super) fn body(
        &mut self,
        k: usize,
        role: Role,
        customer: Option<&CustomerInfo>,
        locale: Locale,
        order: &str,
    ) -> Body {
        let mut body = Body::default();
        let customer_name = customer.and_then(|c| c.name.as_deref());
        match role {
            Role::Customer if k == 0 => {
                let opener = self.g.pick(locale.openers()).replace("{order}", order);
                if locale.right_to_left() {
                    body.push(Block::Rtl(opener));
                } else {
                    body.para(opener);
                }
                if self.sk.channel == "email" && self.g.chance(0.5) {
                    if let Some(name) = customer_name {
                        body.push(Block::Lines(vec!["—".into(), name.to_string()]));
                    }
                }
            }
            Role::Customer => {
                body.para(*self.g.pick(FOLLOW_UPS));
                if self.sk.channel == "email" && self.g.chance(0.3) {
                    body.push(Block::Quote(format!(
                        "On a previous day, support wrote:\n{}",
                        self.g.pick(AGENT_REPLIES)
                    )));
                }
            }
            Role::Agent(a) => {
                let greeting = match customer_name.and_then(|n| n.split_whitespace().next()) {
                    Some(first) => format!("Hi {first},"),
                    None => "Hello,".to_string(),
                };
                body.para(greeting);
                let reply = *self.g.pick(AGENT_REPLIES);
                if reply.ends_with(':') {
                    let domain = self.ctx.account.domain;
                    body.push(Block::Para(vec![
                        Inline::Text(reply.to_string()),
                        Inline::Link {
                            text: "order status".into(),
                            href: format!("https://help.{domain}/orders/{order}?lang=en&ref=email"),
                        },
                    ]));
                } else {
                    body.para(reply);
                }
                let agent = &self.agents()[a];
                let sign_off = *self.g.pick(SIGN_OFFS);
                body.push(Block::Lines(vec![
                    sign_off.to_string(),
                    agent.name.clone(),
                    format!("{} Support", self.ctx.account.name),
                ]));
            }
            Role::Note(_) => {
                let note = *self.g.pick(NOTES);
                if self.g.chance(0.3) {
                    let agents = self.agents();
                    let mention = self.g.pick(agents).name.clone();
                    let first = mention
                        .split_whitespace()
                        .next()
                        .unwrap_or("team")
                        .to_string();
                    body.push(Block::Para(vec![
                        Inline::Bold(format!("@{first}")),
                        Inline::Text(note.to_string()),
                    ]));
                } else {
                    body.para(note);
                }
            }
            Role::AutoReply => {
                body.para(SYSTEM_MESSAGES[0]);
            }
            Role::System => {
                body.para(*self.g.pick(&SYSTEM_MESSAGES[1..]));
            }
        }
        body
    }
}
