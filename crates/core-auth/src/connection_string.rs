//! Parsing `endpoint=…;accesskey=…` connection strings.
//!
//! A Communication Services resource publishes a connection string holding its endpoint URL
//! and a base64 access key. [`ConnectionString::parse`] turns it into a validated endpoint and
//! an [`AzureKeyCredential`]; clients then build their pipeline from those two values.
//!
//! Rules: settings are separated by `;`, each is `name=value` split on the first `=` only (so
//! base64 padding survives); names are case-insensitive and may come in any order;
//! whitespace around names and the key is trimmed, and spaces around the endpoint; empty
//! segments (a trailing `;`) are ignored, as are unknown names. A leading byte order mark
//! is refused with its own error. The endpoint must pass [`crate::parse_endpoint`], the
//! same rule a client applies to an endpoint given on its own: an absolute `https`/`http`
//! URL naming the resource root, with no control or invisible characters anywhere (so a
//! tab or line break next to it is refused, not trimmed). Errors say what is wrong and
//! never repeat the key.

use std::fmt;
use std::str::FromStr;

use url::Url;
use zeroize::Zeroizing;

use crate::endpoint::{EndpointError, parse_endpoint};
use crate::key_credential::{KeyError, decode_access_key};
use crate::{AzureKeyCredential, Secret};

/// Why a connection string was refused. No variant carries the access key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionStringError {
    /// The connection string is empty or only whitespace.
    #[error("the connection string is empty")]
    Empty,
    /// The connection string starts with a byte order mark (U+FEFF), as text read from a
    /// file saved as "UTF-8 with BOM" does; without this check the first name would not be
    /// recognised and the error would wrongly say that a setting is missing.
    #[error(
        "the connection string starts with a byte order mark (U+FEFF), as text from a file \
         saved as UTF-8 with BOM does; remove it"
    )]
    LeadingByteOrderMark,
    /// A segment has no `=` between a name and a value.
    #[error(
        "connection string segment {} (counting from 1) is not of the form name=value",
        .index + 1
    )]
    SegmentWithoutEquals {
        /// Zero-based position of the segment among the `;`-separated parts.
        index: usize,
    },
    /// A segment has an empty name (`=value`).
    #[error(
        "connection string segment {} (counting from 1) has an empty name",
        .index + 1
    )]
    SegmentWithoutName {
        /// Zero-based position of the segment among the `;`-separated parts.
        index: usize,
    },
    /// No `endpoint` setting.
    #[error("the connection string has no endpoint")]
    MissingEndpoint,
    /// No `accesskey` setting.
    #[error("the connection string has no accesskey")]
    MissingAccessKey,
    /// A setting appears more than once.
    #[error("the connection string gives `{name}` more than once")]
    Duplicate {
        /// The setting's name in lower case (`endpoint` or `accesskey`).
        name: &'static str,
    },
    /// The endpoint breaks the endpoint rule of [`crate::parse_endpoint`].
    #[error("the connection string endpoint is invalid: {reason}")]
    InvalidEndpoint {
        /// What is wrong with the endpoint.
        reason: EndpointError,
    },
    /// The access key is empty.
    #[error("the connection string accesskey is empty")]
    EmptyAccessKey,
    /// The access key is not base64.
    #[error("the connection string accesskey is not valid base64")]
    AccessKeyNotBase64,
}

impl From<KeyError> for ConnectionStringError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Empty => Self::EmptyAccessKey,
            KeyError::NotBase64 => Self::AccessKeyNotBase64,
        }
    }
}

/// A parsed connection string: an endpoint and its access key.
///
/// ```
/// use acs_core_auth::ConnectionString;
///
/// let parsed = ConnectionString::parse(
///     "endpoint=https://contoso.communication.azure.com/;accesskey=pw==",
/// )?;
/// assert_eq!(parsed.endpoint().host_str(), Some("contoso.communication.azure.com"));
/// assert_eq!(parsed.credential().decoded_key().as_slice(), &[0xa7]);
/// assert!(!format!("{parsed:?}").contains("pw=="));
/// # Ok::<(), acs_core_auth::ConnectionStringError>(())
/// ```
#[derive(Clone)]
pub struct ConnectionString {
    endpoint: Url,
    access_key: Secret,
    decoded_key: Zeroizing<Vec<u8>>,
}

impl ConnectionString {
    /// Parses and validates a connection string.
    ///
    /// # Errors
    ///
    /// A [`ConnectionStringError`] naming the first problem found: empty input, a leading
    /// byte order mark, a malformed segment, a missing or repeated setting, an endpoint that
    /// breaks the rule of [`crate::parse_endpoint`], or a key that is not base64.
    pub fn parse(input: &str) -> Result<Self, ConnectionStringError> {
        if input.trim().is_empty() {
            return Err(ConnectionStringError::Empty);
        }
        if input.trim_start().starts_with('\u{feff}') {
            return Err(ConnectionStringError::LeadingByteOrderMark);
        }

        let mut endpoint = None;
        let mut access_key = None;
        for (index, segment) in input.split(';').enumerate() {
            if segment.trim().is_empty() {
                continue;
            }
            let Some((name, value)) = segment.split_once('=') else {
                return Err(ConnectionStringError::SegmentWithoutEquals { index });
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(ConnectionStringError::SegmentWithoutName { index });
            }

            // The endpoint keeps everything but the spaces around it, so that its rule sees
            // (and refuses) a tab or line break; the key is trimmed of any whitespace.
            let (slot, canonical, value) = if name.eq_ignore_ascii_case("endpoint") {
                (&mut endpoint, "endpoint", value.trim_matches(' '))
            } else if name.eq_ignore_ascii_case("accesskey") {
                (&mut access_key, "accesskey", value.trim())
            } else {
                continue;
            };
            if slot.replace(value).is_some() {
                return Err(ConnectionStringError::Duplicate { name: canonical });
            }
        }

        let endpoint = parse_endpoint(endpoint.ok_or(ConnectionStringError::MissingEndpoint)?)
            .map_err(|reason| ConnectionStringError::InvalidEndpoint { reason })?;
        let access_key = access_key.ok_or(ConnectionStringError::MissingAccessKey)?;
        let decoded_key = decode_access_key(access_key)?;
        Ok(Self {
            endpoint,
            access_key: Secret::new(access_key),
            decoded_key,
        })
    }

    /// The resource endpoint, e.g. `https://contoso.communication.azure.com/`.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The base64 access key as written in the connection string.
    pub fn access_key(&self) -> &Secret {
        &self.access_key
    }

    /// A new credential holding the access key (not shared with earlier calls).
    pub fn credential(&self) -> AzureKeyCredential {
        AzureKeyCredential::from_validated(self.access_key.clone(), self.decoded_key.clone())
    }
}

impl PartialEq for ConnectionString {
    /// Compares endpoints and keys; the key comparison is constant-time (see [`Secret`]).
    fn eq(&self, other: &Self) -> bool {
        self.endpoint == other.endpoint && self.access_key == other.access_key
    }
}

impl Eq for ConnectionString {}

impl FromStr for ConnectionString {
    type Err = ConnectionStringError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key", &self.access_key)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "connection_string_tests.rs"]
mod tests;
