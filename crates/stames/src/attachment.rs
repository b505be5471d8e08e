//! Wording shared by both sources when an attachment cannot be opened.

use deskshift_core::model::Attachment;
use deskshift_core::source::SourceError;

/// "attachment 7 (invoice.pdf) on message 3 of ticket 1", for error messages.
pub(crate) fn describe(attachment: &Attachment) -> String {
    format!(
        "attachment {} ({}) on message {} of ticket {}",
        attachment.id, attachment.file_name, attachment.message_id, attachment.ticket_id
    )
}

/// The error for an attachment Stames keeps in private storage: neither its
/// API nor its exports hand out the bytes.
pub(crate) fn private(what: &str) -> SourceError {
    SourceError::Other(format!(
        "{what} is kept in private storage that Stames will not serve (403 requires_auth); \
         download it by hand and re-host it, or migrate the message without it"
    ))
}
