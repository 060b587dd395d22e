//! The shared access key of a Communication Services resource.
//!
//! [`AzureKeyCredential`] stores the base64 access key that HMAC request signing uses. It
//! validates the key once, when it is stored, and hands out the decoded bytes on demand;
//! the signing itself lives in the HTTP layer (`acs-core-http`), so this crate stays free
//! of HTTP knowledge. Clones share one key, so rotating it with
//! [`AzureKeyCredential::update`] takes effect for every client holding a clone.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

use crate::Secret;

/// Standard-alphabet base64 that tolerates missing padding and non-zero trailing bits.
///
/// Access keys are decoded leniently because other SDKs accept such keys (for example
/// `ab==`, whose last symbol carries unused bits); the alphabet itself is still enforced.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why an access key was refused. The message never contains the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is empty or only whitespace.
    #[error("the access key is empty")]
    Empty,
    /// The key is not valid standard base64.
    #[error("the access key is not valid base64")]
    NotBase64,
}

/// Decodes an access key, refusing empty and non-base64 input.
///
/// Surrounding whitespace is ignored; whitespace inside the key is an error.
///
/// # Errors
///
/// [`KeyError::Empty`] for an empty key, [`KeyError::NotBase64`] when the key is not base64
/// or decodes to no bytes.
pub fn decode_access_key(key: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(KeyError::Empty);
    }

    let decoded = Zeroizing::new(
        LENIENT_BASE64
            .decode(key)
            .map_err(|_| KeyError::NotBase64)?,
    );
    if decoded.is_empty() {
        return Err(KeyError::NotBase64);
    }
    Ok(decoded)
}

/// The current key, with its decoded bytes kept next to it so signing does not re-decode.
struct StoredKey {
    key: Secret,
    decoded: Zeroizing<Vec<u8>>,
}

/// A base64 access key shared by all of its clones.
///
/// ```
/// use acs_core_auth::AzureKeyCredential;
///
/// let credential = AzureKeyCredential::new("pw==")?;
/// let clone = credential.clone();
/// credential.update("aw==")?;
/// assert_eq!(clone.decoded_key().as_slice(), &[0x6b]);
/// assert_eq!(format!("{clone:?}"), "AzureKeyCredential { key: *** }");
/// # Ok::<(), acs_core_auth::KeyError>(())
/// ```
#[derive(Clone)]
pub struct AzureKeyCredential {
    inner: Arc<RwLock<StoredKey>>,
}

impl AzureKeyCredential {
    /// Stores a base64 access key.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the key is empty or not base64. The error does not contain the key.
    pub fn new(key: impl Into<String>) -> Result<Self, KeyError> {
        let stored = Self::validate(key.into())?;
        Ok(Self {
            inner: Arc::new(RwLock::new(stored)),
        })
    }

    /// Replaces the key for this credential and every clone of it.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the new key is empty or not base64; the old key then stays in use.
    pub fn update(&self, key: impl Into<String>) -> Result<(), KeyError> {
        let stored = Self::validate(key.into())?;
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = stored;
        Ok(())
    }

    /// The current key as given (base64 text).
    pub fn key(&self) -> Secret {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .key
            .clone()
    }

    /// The current key decoded from base64: the HMAC key. Wiped from memory when dropped.
    pub fn decoded_key(&self) -> Zeroizing<Vec<u8>> {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .decoded
            .clone()
    }

    /// Runs `f` with the current decoded key, borrowed rather than copied: the way to sign
    /// without a copy of the key to wipe afterwards. `f` runs under the credential's read
    /// lock, so an [`update`](Self::update) waits for it; keep it short and do not call
    /// `update` from it.
    ///
    /// ```
    /// use acs_core_auth::AzureKeyCredential;
    ///
    /// let credential = AzureKeyCredential::new("YWJj")?;
    /// assert_eq!(credential.with_decoded_key(<[u8]>::len), 3);
    /// # Ok::<(), acs_core_auth::KeyError>(())
    /// ```
    pub fn with_decoded_key<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let stored = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        f(&stored.decoded)
    }

    /// Builds a credential from a key that [`decode_access_key`] already accepted.
    pub(crate) fn from_validated(key: Secret, decoded: Zeroizing<Vec<u8>>) -> Self {
        Self {
            inner: Arc::new(RwLock::new(StoredKey { key, decoded })),
        }
    }

    fn validate(key: String) -> Result<StoredKey, KeyError> {
        let key = Secret::new(key);
        let decoded = decode_access_key(key.expose())?;
        Ok(StoredKey {
            key: Secret::new(key.expose().trim()),
            decoded,
        })
    }
}

impl fmt::Debug for AzureKeyCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AzureKeyCredential { key: *** }")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_padded_unpadded_and_loose_trailing_bits() {
        assert_eq!(decode_access_key("pw==").unwrap().as_slice(), &[0xa7]);
        assert_eq!(decode_access_key("ab==").unwrap().as_slice(), &[0x69]);
        assert_eq!(decode_access_key("YWJj").unwrap().as_slice(), b"abc");
        assert_eq!(decode_access_key("YWI").unwrap().as_slice(), b"ab");
        assert_eq!(decode_access_key("  YWJj \n").unwrap().as_slice(), b"abc");
    }

    #[test]
    fn refuses_empty_and_non_base64_without_echoing() {
        assert_eq!(AzureKeyCredential::new("").unwrap_err(), KeyError::Empty);
        assert_eq!(AzureKeyCredential::new("   ").unwrap_err(), KeyError::Empty);
        for bad in ["@@@", "YW Jj", "YWJj!", "ab-_", "="] {
            let err = AzureKeyCredential::new(bad).unwrap_err();
            assert_eq!(err, KeyError::NotBase64, "{bad}");
            assert!(!err.to_string().contains(bad));
        }
    }

    #[test]
    fn update_rotates_every_clone_and_keeps_old_key_on_error() {
        let first = AzureKeyCredential::new("YWJj").unwrap();
        let second = first.clone();
        second.update("ZGVm").unwrap();
        assert_eq!(first.decoded_key().as_slice(), b"def");
        assert_eq!(first.key().expose(), "ZGVm");

        assert_eq!(
            first.update("not base64!").unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(second.decoded_key().as_slice(), b"def");
    }

    #[test]
    fn debug_hides_the_key() {
        let credential = AzureKeyCredential::new("c2VjcmV0LWtleQ==").unwrap();
        let printed = format!("{credential:?}");
        assert!(!printed.contains("c2VjcmV0LWtleQ"));
        assert_eq!(printed, "AzureKeyCredential { key: *** }");
    }

    /// Both forms of the key are kept in wrappers that wipe them when dropped: the base64
    /// text in a [`Secret`], the decoded bytes in [`Zeroizing`]. What cannot be checked
    /// without `unsafe` is the memory after the drop; this pins the types that do the wiping.
    #[test]
    fn key_material_is_held_in_wiping_wrappers() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}

        let credential = AzureKeyCredential::new("c2VjcmV0LWtleQ==").unwrap();
        let decoded: Zeroizing<Vec<u8>> = credential.decoded_key();
        let text: Secret = credential.key();
        wiped_on_drop(&decoded);
        wiped_on_drop(&text);
        let stored = credential.inner.read().unwrap();
        wiped_on_drop(&stored.key);
        wiped_on_drop(&stored.decoded);
    }
}
