//! Attachments: ordinary files, inline images, large files.

use super::*;

/// The kinds of file a customer or agent attaches, with name patterns and
/// size ranges (bytes).
const FILE_KINDS: [(&str, &[&str], u64, u64, u32); 5] = [
    (
        "application/pdf",
        &[
            "invoice-{order}.pdf",
            "Rechnung März 2024.pdf",
            "receipt (1).pdf",
            "warranty_card.pdf",
            "Bon de commande n°{n}.pdf",
        ],
        8_000,
        250_000,
        30,
    ),
    (
        "image/png",
        &[
            "screenshot.png",
            "Screenshot 2024-03-05 at 14.22.11.png",
            "error💥.png",
        ],
        3_000,
        200_000,
        20,
    ),
    (
        "image/jpeg",
        &["IMG_{n}.jpg", "photo.jpeg", "破损照片.jpg", "damage #2.jpg"],
        10_000,
        250_000,
        30,
    ),
    (
        "text/csv",
        &["order-export.csv", "returns_Q3.csv"],
        500,
        40_000,
        8,
    ),
    (
        "text/plain",
        &["app-log.txt", "notes.txt", "README"],
        100,
        10_000,
        12,
    ),
];

const LARGE_FILES: [(&str, &str); 3] = [
    ("unboxing-video.mp4", "video/mp4"),
    ("full-logs.zip", "application/zip"),
    ("catalogue-hi-res.pdf", "application/pdf"),
];

impl TicketBuilder<'_, '_> {
    pub(super) fn attachment(
        &mut self,
        file_name: String,
        content_type: &str,
        size: u64,
        inline: bool,
        requires_auth: bool,
        created_at: &str,
    ) -> WireAttachment {
        self.ids.attachment += 1;
        let id = self.ids.attachment;
        WireAttachment {
            id,
            url: attachment_url(&self.ctx.account.wire.id, id, &file_name),
            file_name,
            content_type: content_type.to_string(),
            size,
            inline,
            requires_auth,
            created_at: created_at.to_string(),
        }
    }

    pub(super) fn file(
        &mut self,
        created_at: &str,
        order: &str,
        requires_auth: bool,
    ) -> WireAttachment {
        let weights: Vec<(usize, u32)> = FILE_KINDS
            .iter()
            .enumerate()
            .map(|(i, kind)| (i, kind.4))
            .collect();
        let (content_type, names, lo, hi, _) = FILE_KINDS[self.g.weighted(&weights)];
        let name = self
            .g
            .pick(names)
            .replace("{order}", order)
            .replace("{n}", &format!("{:04}", self.g.range(1, 9_999)));
        let size = self.g.log_range(lo, hi);
        self.attachment(name, content_type, size, false, requires_auth, created_at)
    }

    pub(super) fn inline_image(&mut self, created_at: &str) -> WireAttachment {
        let (name, content_type) = if self.g.chance(0.6) {
            (format!("image{:03}.png", self.g.range(1, 9)), "image/png")
        } else {
            (format!("inline-{}.jpg", self.g.range(1, 999)), "image/jpeg")
        };
        let size = self.g.log_range(5_000, 300_000);
        self.attachment(name, content_type, size, true, false, created_at)
    }

    pub(super) fn large_file(&mut self, created_at: &str) -> WireAttachment {
        let (name, content_type) = *self.g.pick(&LARGE_FILES);
        let size = self.g.range(5 * 1024 * 1024, 12 * 1024 * 1024);
        self.attachment(
            name.to_string(),
            content_type,
            size,
            false,
            false,
            created_at,
        )
    }
}
