//! Channel attribution → Gorgias `channel`, `via` and `source.type`
//! (reference §5).
//!
//! - `channel` is the real channel, from Gorgias's `LegacyChannelSlug` list,
//!   so the inbox shows the right icon.
//! - `via` is always `api`: the message *did* arrive through the API, and an
//!   `email` or `facebook` via could involve that integration and its rules
//!   (reference §7).
//! - `source.type` is the `TicketMessageSourceType` for the channel; several
//!   differ from the channel slug (`whatsapp-message`, `contact-form`).
//!
//! Facebook and Instagram conversations in a shared inbox are direct
//! messages, hence `facebook-messenger` and `instagram-direct-message`.

use super::Mapped;
use deskshift_core::mapping::{map_value, FieldMap, SourceEnumeration, UnmappedValue};
use deskshift_core::model::Channel;

/// Where a message or ticket came from, in Gorgias's three vocabularies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub channel: String,
    pub via: &'static str,
    pub source_type: &'static str,
}

/// `via` of everything deskshift writes.
pub const VIA: &str = "api";

/// Private notes: never sent to anyone.
pub fn internal_note() -> Attribution {
    Attribution {
        channel: "internal-note".into(),
        via: VIA,
        source_type: "internal-note",
    }
}

pub fn attribution(channel: &Channel) -> Mapped<Attribution> {
    let known = |channel: &str, source_type: &'static str| {
        Mapped::exact(Attribution {
            channel: channel.into(),
            via: VIA,
            source_type,
        })
    };
    match channel {
        Channel::Facebook => known("facebook-messenger", "facebook-messenger"),
        Channel::Instagram => known("instagram-direct-message", "instagram-direct-message"),
        Channel::Whatsapp => known("whatsapp", "whatsapp-message"),
        Channel::Email => known("email", "email"),
        Channel::Api => known("api", "api"),
        Channel::ContactForm => known("contact_form", "contact-form"),
        Channel::Other(name) => {
            // Gorgias takes any lowercase slug as a "non-legacy" channel.
            let slug = name.trim().to_ascii_lowercase().replace(' ', "-");
            let channel = if is_slug(&slug) { slug } else { "api".into() };
            Mapped::unrecognised(
                Attribution {
                    channel: channel.clone(),
                    via: VIA,
                    source_type: "api",
                },
                format!(
                    "Stames channel `{name}` has no Gorgias equivalent; written as `{channel}`"
                ),
            )
        }
    }
}

/// The attribution of a public message (or a ticket) from `channel` under
/// the confirmed map: the Gorgias channel is the one the `channel` value
/// map gives; `source.type` follows the Stames channel, as in
/// [`attribution`]. A channel the value map lacks is an error.
pub fn confirmed(map: &FieldMap, channel: &Channel) -> Result<Mapped<Attribution>, UnmappedValue> {
    let label = channel.label();
    let to = map_value(map, SourceEnumeration::Channel.name(), &label)?;
    let standard = attribution(channel);
    if to == standard.value.channel {
        return Ok(standard);
    }
    Ok(Mapped::noted(
        Attribution {
            channel: to.to_string(),
            ..standard.value
        },
        format!("Stames channel `{label}` written as `{to}` (mapping.toml)"),
    ))
}

/// A lowercase slug, which Gorgias accepts as a non-legacy channel.
fn is_slug(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_stames_channels_map_to_documented_values() {
        let cases = [
            (
                Channel::Facebook,
                "facebook-messenger",
                "facebook-messenger",
            ),
            (
                Channel::Instagram,
                "instagram-direct-message",
                "instagram-direct-message",
            ),
            (Channel::Whatsapp, "whatsapp", "whatsapp-message"),
            (Channel::Email, "email", "email"),
            (Channel::Api, "api", "api"),
            (Channel::ContactForm, "contact_form", "contact-form"),
        ];
        for (stames, channel, source_type) in cases {
            let mapped = attribution(&stames);
            assert_eq!(mapped.value.channel, channel);
            assert_eq!(mapped.value.source_type, source_type);
            assert_eq!(mapped.value.via, "api");
            assert!(mapped.note.is_none());
        }
    }

    #[test]
    fn new_channels_become_slugs_or_api_and_are_flagged() {
        let tiktok = attribution(&Channel::Other("TikTok Shop".into()));
        assert_eq!(tiktok.value.channel, "tiktok-shop");
        assert!(tiktok.note.is_some() && !tiktok.recognised);
        assert_eq!(
            attribution(&Channel::Other("Pigeon 🐦".into()))
                .value
                .channel,
            "api"
        );
    }

    #[test]
    fn private_notes_are_internal_notes() {
        let note = internal_note();
        assert_eq!(
            (note.channel.as_str(), note.source_type),
            ("internal-note", "internal-note")
        );
    }
}
