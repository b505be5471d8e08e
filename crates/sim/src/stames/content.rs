//! Attachment content, generated on demand.
//!
//! A 1000-ticket workspace references hundreds of megabytes of files; storing
//! them would make the emulator slow to start and its state file huge. Instead
//! the bytes of attachment `id` are a pure function of `(seed, id)`: a ChaCha8
//! keystream keyed by both, cut to the attachment's `size`. The server streams
//! it in [`CHUNK_SIZE`] pieces, the export writer copies the same chunks to disk,
//! and tests recompute (or hash) the expected content with the functions here.
//!
//! Any prefix of the stream is the same whatever the chunk size, so a reader may
//! resume or compare partial downloads.

use bytes::Bytes;
use rand::RngCore;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// Size of the pieces content is produced and streamed in. Memory per download
/// is bounded by this, whatever the file size.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// Domain separation: attachment content must not repeat the generator's own
/// random stream for the same seed.
const CONTENT_DOMAIN: &[u8; 16] = b"stames-content-1";

fn content_rng(seed: u64, attachment_id: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&attachment_id.to_le_bytes());
    key[16..].copy_from_slice(CONTENT_DOMAIN);
    ChaCha8Rng::from_seed(key)
}

/// The content of an attachment as an iterator of chunks of at most
/// [`CHUNK_SIZE`] bytes, `size` bytes in total.
pub struct AttachmentChunks {
    rng: ChaCha8Rng,
    remaining: u64,
}

impl AttachmentChunks {
    pub fn new(seed: u64, attachment_id: u64, size: u64) -> AttachmentChunks {
        AttachmentChunks {
            rng: content_rng(seed, attachment_id),
            remaining: size,
        }
    }

    /// Bytes still to come.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }
}

impl Iterator for AttachmentChunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        if self.remaining == 0 {
            return None;
        }
        // Bounded by CHUNK_SIZE, so the cast cannot truncate.
        let len = self.remaining.min(CHUNK_SIZE as u64) as usize;
        let mut chunk = vec![0u8; len];
        self.rng.fill_bytes(&mut chunk);
        self.remaining -= len as u64;
        Some(Bytes::from(chunk))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let chunks = self.remaining.div_ceil(CHUNK_SIZE as u64);
        let chunks = usize::try_from(chunks).unwrap_or(usize::MAX);
        (chunks, Some(chunks))
    }
}

/// The whole content of an attachment in memory. For tests and small files;
/// servers and writers use [`AttachmentChunks`].
pub fn attachment_bytes(seed: u64, attachment_id: u64, size: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    for chunk in AttachmentChunks::new(seed, attachment_id, size) {
        out.extend_from_slice(&chunk);
    }
    out
}

/// Lower-case hex SHA-256 of an attachment's content, computed in chunks.
pub fn attachment_sha256(seed: u64, attachment_id: u64, size: u64) -> String {
    let mut hasher = Sha256::new();
    for chunk in AttachmentChunks::new(seed, attachment_id, size) {
        hasher.update(&chunk);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_size_and_deterministic() {
        for size in [0, 1, 1000, CHUNK_SIZE as u64, CHUNK_SIZE as u64 * 2 + 17] {
            let a = attachment_bytes(7, 42, size);
            assert_eq!(a.len() as u64, size);
            assert_eq!(a, attachment_bytes(7, 42, size));
        }
        assert_ne!(attachment_bytes(7, 42, 64), attachment_bytes(8, 42, 64));
        assert_ne!(attachment_bytes(7, 42, 64), attachment_bytes(7, 43, 64));
    }

    #[test]
    fn shorter_content_is_a_prefix_of_longer() {
        let long = attachment_bytes(1, 2, 200_000);
        let short = attachment_bytes(1, 2, 70_000);
        assert_eq!(&long[..70_000], &short[..]);
    }

    #[test]
    fn chunks_are_bounded_and_hash_matches() {
        let size = CHUNK_SIZE as u64 * 3 + 5;
        let chunks: Vec<Bytes> = AttachmentChunks::new(3, 4, size).collect();
        assert_eq!(chunks.len(), 4);
        assert!(chunks.iter().all(|c| c.len() <= CHUNK_SIZE));
        let expected = hex::encode(Sha256::digest(attachment_bytes(3, 4, size)));
        assert_eq!(attachment_sha256(3, 4, size), expected);
    }
}
