//! Random values the emulator makes up: keys, signing secrets, correlation vectors.
//!
//! The bytes come from version-4 UUIDs, which draw on the operating system's secure random
//! source, so no extra random-number crate is needed. Six bits of each UUID are fixed by the
//! format; the remaining 122 are random, plenty for a loopback test server.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

/// `len` random bytes.
pub(crate) fn bytes(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        out.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    out.truncate(len);
    out
}

/// A random seed for the fault rules' random sequence.
pub(crate) fn seed() -> u64 {
    let seed: [u8; 8] = bytes(8).try_into().unwrap_or_default();
    u64::from_le_bytes(seed)
}

/// A base64 access key of 64 random bytes, the size of a real resource key.
pub(crate) fn access_key() -> String {
    STANDARD.encode(bytes(64))
}

/// A correlation vector in the service's `MS-CV` shape: 22 base64 characters and `.0`.
pub(crate) fn correlation_vector() -> String {
    format!("{}.0", STANDARD_NO_PAD.encode(bytes(16)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_the_requested_length_and_differs_each_time() {
        assert_eq!(bytes(5).len(), 5);
        assert_eq!(bytes(40).len(), 40);
        assert_ne!(bytes(32), bytes(32));
    }

    #[test]
    fn access_keys_decode_to_64_bytes() {
        assert_eq!(STANDARD.decode(access_key()).map(|k| k.len()), Ok(64));
    }

    #[test]
    fn correlation_vectors_look_like_the_service_ones() {
        let cv = correlation_vector();
        assert_eq!(cv.len(), 24);
        assert!(cv.ends_with(".0"));
    }
}
