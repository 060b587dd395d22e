//! The error envelope a Communication Services endpoint answers with.
//!
//! Error responses carry `{"error":{"code","message","target","details","innererror"}}`.
//! [`ServiceError`] reads it leniently (missing or mistyped members become empty) and keeps
//! every text exactly as received; [`crate::Error::from_response`] attaches it to the error
//! of the call. The texts come from the server, so `Display` and `Debug` shorten each one
//! to [`ServiceError::DISPLAY_LIMIT`] bytes: one huge answer cannot flood a log, and the
//! full text stays in the fields.

use std::fmt;

use serde_json::Value;

/// The error a Communication Services endpoint reports in its JSON error envelope.
///
/// The fields hold the texts exactly as received. `Display` and `Debug` shorten each one
/// to [`ServiceError::DISPLAY_LIMIT`] bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ServiceError {
    /// Machine-readable code, e.g. `ValidationError`.
    pub code: String,
    /// Human-readable description.
    pub message: String,
    /// The request element the error refers to, e.g. `ExpiresInMinutes`.
    pub target: Option<String>,
    /// Further errors that led to this one.
    pub details: Vec<ServiceError>,
    /// A more specific error nested inside this one.
    pub inner_error: Option<Box<ServiceError>>,
}

impl ServiceError {
    /// The most bytes of each text the service wrote (code, message, target) that `Display`
    /// and `Debug` of [`crate::Error`] and [`ServiceError`] show; a longer text is cut on a
    /// character boundary and followed by `…` and its full length in bytes.
    pub const DISPLAY_LIMIT: usize = 1024;

    /// Reads an error object leniently: missing or mistyped members become empty.
    fn from_value(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let details = object
            .get("details")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Self::from_value).collect())
            .unwrap_or_default();
        let inner_error = object
            .get("innererror")
            .or_else(|| object.get("innerError"))
            .and_then(Self::from_value)
            .map(Box::new);

        Some(Self {
            code: text("code").unwrap_or_default(),
            message: text("message").unwrap_or_default(),
            target: text("target"),
            details,
            inner_error,
        })
    }

    /// Parses `{"error":{…}}`; `None` when the body is not that envelope.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let error = Self::from_value(value.get("error")?)?;
        (!error.code.is_empty() || !error.message.is_empty()).then_some(error)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, message) = (Shortened(&self.code), Shortened(&self.message));
        match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => write!(f, "{code}: {message}")?,
            (false, true) => write!(f, "{code}")?,
            (true, _) => write!(f, "{message}")?,
        }
        if let Some(target) = &self.target {
            write!(f, " (target: {})", Shortened(target))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("code", &Shortened(&self.code))
            .field("message", &Shortened(&self.message))
            .field("target", &self.target.as_deref().map(Shortened))
            .field("details", &self.details)
            .field("inner_error", &self.inner_error)
            .finish()
    }
}

/// Shows a service-supplied text, shortened to [`ServiceError::DISPLAY_LIMIT`] bytes.
struct Shortened<'a>(&'a str);

impl Shortened<'_> {
    /// The shown part and, when the text was cut, its full length in bytes.
    fn parts(&self) -> (&str, Option<usize>) {
        let text = self.0;
        if text.len() <= ServiceError::DISPLAY_LIMIT {
            return (text, None);
        }
        let mut end = ServiceError::DISPLAY_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        (&text[..end], Some(text.len()))
    }
}

impl fmt::Display for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            (text, None) => f.write_str(text),
            (text, Some(length)) => write!(f, "{text}… ({length} bytes in all)"),
        }
    }
}

impl fmt::Debug for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            (text, None) => write!(f, "{text:?}"),
            (text, Some(length)) => write!(f, "{text:?}… ({length} bytes in all)"),
        }
    }
}
