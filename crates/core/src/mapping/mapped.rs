//! A value the standard map produced from a source value, with what it lost.
//!
//! Both destinations map closed vocabularies (status, priority, channel,
//! role, tags) to their own; each such unit answers a [`Mapped`], so the
//! writers keep the same note with the record and each destination's catalog
//! flags the same unknown values for the field map's proposal.

/// A mapped value, with a note when the mapping lost information or had to
/// guess (an unknown source value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped<T> {
    pub value: T,
    pub note: Option<String>,
    /// False when the source value was unknown to the map and `value` is its
    /// fallback: the field map flags such values for a person.
    pub recognised: bool,
}

impl<T> Mapped<T> {
    pub fn exact(value: T) -> Mapped<T> {
        Mapped {
            value,
            note: None,
            recognised: true,
        }
    }

    pub fn noted(value: T, note: impl Into<String>) -> Mapped<T> {
        Mapped {
            value,
            note: Some(note.into()),
            recognised: true,
        }
    }

    /// The fallback for a source value the map does not know.
    pub fn unrecognised(value: T, note: impl Into<String>) -> Mapped<T> {
        Mapped {
            recognised: false,
            ..Mapped::noted(value, note)
        }
    }
}
