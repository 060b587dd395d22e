//! A string that holds something confidential: an access key, a token, a signature.
//!
//! Every credential type in this crate and in the layers above keeps its confidential text
//! in a [`Secret`], so that printing a struct by accident (`{:?}`, a log line, an error
//! message) shows `Secret(***)` rather than the value. The text is wiped from memory when the
//! last owner drops it, and comparisons take the same time whatever the content.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A confidential string that never prints its content.
///
/// `Debug` and `Display` both write `Secret(***)`. Reading the value is explicit, through
/// [`Secret::expose`], so that every place that needs the real text is easy to find.
///
/// ```
/// use acs_core_auth::Secret;
///
/// let secret = Secret::new("hunter2");
/// assert_eq!(secret.expose(), "hunter2");
/// assert_eq!(format!("{secret:?}"), "Secret(***)");
/// assert_eq!(secret.to_string(), "Secret(***)");
/// ```
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a confidential string.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the confidential text. Callers must not log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl PartialEq for Secret {
    /// Compares in constant time for inputs of equal length (the length itself is not hidden).
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl Zeroize for Secret {
    /// Overwrites the text with zeros and leaves the secret empty.
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Dropping a [`Secret`] wipes its text (the `Drop` impl above).
impl ZeroizeOnDrop for Secret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("very-confidential");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{secret}"), "Secret(***)");
        assert_eq!(format!("{:#?}", Some(secret)), "Some(\n    Secret(***),\n)");
    }

    #[test]
    fn equality_compares_content() {
        assert_eq!(Secret::new("abc"), Secret::from("abc"));
        assert_ne!(Secret::new("abc"), Secret::new("abd"));
        assert_ne!(Secret::new("abc"), Secret::new("abcd"));
        assert!(Secret::default().is_empty());
    }

    #[test]
    fn wiping_clears_the_text_and_drop_wipes() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();

        let mut secret = Secret::new("very-confidential");
        secret.zeroize();
        assert!(secret.is_empty());
        assert_eq!(secret, Secret::default());
    }
}
