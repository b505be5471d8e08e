//! The enumerations of the Gorgias API (reference §4–§5, from the types
//! generated from Gorgias's OpenAPI spec, S-DTO).

/// `ticket.status`.
pub const TICKET_STATUSES: &[&str] = &["open", "closed"];

/// `ticket.priority`. (`urgent` is not one: a third-party CLI got this wrong.)
pub const TICKET_PRIORITIES: &[&str] = &["critical", "high", "normal", "low"];

/// `LegacyChannelSlug`: `ticket.channel` and `message.channel`. The schema also
/// accepts any non-legacy channel slug (see [`super::validate::is_slug`]).
pub const LEGACY_CHANNELS: &[&str] = &[
    "aircall",
    "api",
    "chat",
    "contact_form",
    "email",
    "facebook",
    "facebook-mention",
    "facebook-messenger",
    "facebook-recommendations",
    "help-center",
    "instagram-ad-comment",
    "instagram-comment",
    "instagram-direct-message",
    "instagram-mention",
    "internal-note",
    "phone",
    "sms",
    "twitter",
    "twitter-direct-message",
    "whatsapp",
    "yotpo-review",
];

/// The channel of internal notes: never sent to anyone.
pub const INTERNAL_NOTE: &str = "internal-note";

/// `TicketVia` as accepted in request bodies (the response enum adds
/// `gorgias_chat`, `offline_capture` and `self_service`).
pub const REQUEST_VIAS: &[&str] = &[
    "aircall",
    "api",
    "chat",
    "contact_form",
    "email",
    "facebook",
    "facebook-mention",
    "facebook-messenger",
    "facebook-recommendations",
    "form",
    "help-center",
    "helpdesk",
    "instagram",
    "instagram-ad-comment",
    "instagram-comment",
    "instagram-direct-message",
    "instagram-mention",
    "internal-note",
    "phone",
    "rule",
    "shopify",
    "sms",
    "twilio",
    "twitter",
    "twitter-direct-message",
    "whatsapp",
    "yotpo",
    "yotpo-review",
    "zendesk",
];

/// `TicketMessageSourceType` (`message.source.type`).
pub const SOURCE_TYPES: &[&str] = &[
    "aircall",
    "api",
    "app",
    "custom-chat",
    "chat",
    "chat-contact-form",
    "chat-offline-capture",
    "contact-form",
    "email",
    "facebook",
    "facebook-comment",
    "facebook-mention-comment",
    "facebook-mention-post",
    "facebook-message",
    "facebook-messenger",
    "facebook-post",
    "facebook-review",
    "facebook-review-comment",
    "form",
    "google-business-messages",
    "help-center",
    "help-center-contact-form",
    "helpdesk",
    "instagram",
    "instagram-ad-comment",
    "instagram-ad-media",
    "instagram-comment",
    "instagram-direct-message",
    "instagram-media",
    "instagram-mention-comment",
    "instagram-mention-media",
    "internal-note",
    "ottspott-call",
    "phone",
    "rule",
    "self_service",
    "shopify",
    "sms",
    "system-message",
    "tiktok-shop",
    "twilio",
    "twitter-direct-message",
    "twitter-mention-tweet",
    "twitter-quoted-tweet",
    "twitter-tweet",
    "whatsapp-message",
    "yotpo-review",
    "yotpo-review-private-comment",
    "yotpo-review-public-comment",
];

/// Roles a user can be created with (`role.name`). Reads may also show
/// `bot` and `internal-agent`, which cannot be assigned.
pub const USER_ROLES: &[&str] = &[
    "admin",
    "agent",
    "basic-agent",
    "lite-agent",
    "observer-agent",
];

/// `object_type` of custom fields.
pub const CUSTOM_FIELD_OBJECT_TYPES: &[&str] = &["Ticket", "Customer"];

pub const REQUIREMENT_TYPES: &[&str] = &["visible", "required", "conditional"];

pub const TICKET_MANAGED_TYPES: &[&str] = &[
    "contact_reason",
    "product",
    "resolution",
    "ai_intent",
    "ai_outcome",
    "ai_sales",
    "ai_discount",
    "ai_journey",
    "managed_sentiment",
    "call_status",
];

pub const CUSTOMER_MANAGED_TYPES: &[&str] = &["customer_type"];

/// `?type=` of `POST /api/upload`.
pub const UPLOAD_TYPES: &[&str] = &[
    "attachment",
    "public_attachment",
    "profile_picture",
    "widget_picture",
];

/// Rule trigger events (`rule.event_types`, comma-separated).
pub const RULE_EVENT_TYPES: &[&str] = &[
    "ticket-created",
    "ticket-updated",
    "ticket-message-created",
    "ticket-assigned",
    "ticket-self-unsnoozed",
    "satisfaction-survey-responded",
];

/// Whether `channel` is acceptable as a ticket or message channel.
pub fn is_channel(channel: &str) -> bool {
    LEGACY_CHANNELS.contains(&channel) || super::validate::is_slug(channel)
}
