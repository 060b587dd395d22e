//! Parsing `endpoint=…;accesskey=…` connection strings.
//!
//! A Communication Services resource publishes a connection string holding its endpoint URL
//! and a base64 access key. [`ConnectionString::parse`] turns it into a validated endpoint and
//! an [`AzureKeyCredential`]; clients then build their pipeline from those two values.
//!
//! Rules: settings are separated by `;`, each is `name=value` split on the first `=` only (so
//! base64 padding survives); names are case-insensitive and may come in any order; whitespace
//! around names and values is trimmed; empty segments (a trailing `;`) are ignored, as are
//! unknown names. Errors say what is wrong and never repeat the key.

use std::fmt;
use std::str::FromStr;

use url::Url;
use zeroize::Zeroizing;

use crate::key_credential::{KeyError, decode_access_key};
use crate::{AzureKeyCredential, Secret};

/// Why a connection string was refused. No variant carries the access key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionStringError {
    /// The connection string is empty or only whitespace.
    #[error("the connection string is empty")]
    Empty,
    /// A segment has no `=` between a name and a value.
    #[error("connection string segment {index} is not of the form name=value")]
    SegmentWithoutEquals {
        /// Zero-based position of the segment among the `;`-separated parts.
        index: usize,
    },
    /// A segment has an empty name (`=value`).
    #[error("connection string segment {index} has an empty name")]
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
    /// The endpoint is not an absolute `http`/`https` URL with a host.
    #[error("the connection string endpoint is not a valid URL: {reason}")]
    InvalidEndpoint {
        /// What is wrong with the URL.
        reason: String,
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
    /// A [`ConnectionStringError`] naming the first problem found: empty input, a malformed
    /// segment, a missing or repeated setting, an invalid endpoint URL, or a key that is not
    /// base64.
    pub fn parse(input: &str) -> Result<Self, ConnectionStringError> {
        if input.trim().is_empty() {
            return Err(ConnectionStringError::Empty);
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

            let slot = if name.eq_ignore_ascii_case("endpoint") {
                &mut endpoint
            } else if name.eq_ignore_ascii_case("accesskey") {
                &mut access_key
            } else {
                continue;
            };
            if slot.replace(value.trim()).is_some() {
                let name = if name.eq_ignore_ascii_case("endpoint") {
                    "endpoint"
                } else {
                    "accesskey"
                };
                return Err(ConnectionStringError::Duplicate { name });
            }
        }

        let endpoint = parse_endpoint(endpoint.ok_or(ConnectionStringError::MissingEndpoint)?)?;
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

fn parse_endpoint(value: &str) -> Result<Url, ConnectionStringError> {
    let invalid = |reason: &str| ConnectionStringError::InvalidEndpoint {
        reason: reason.into(),
    };
    if value.is_empty() {
        return Err(invalid("it is empty"));
    }

    let url = Url::parse(value).map_err(|e| ConnectionStringError::InvalidEndpoint {
        reason: e.to_string(),
    })?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(invalid("the scheme must be https or http"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain user information"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not contain a query or fragment"));
    }
    Ok(url)
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
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    type E = ConnectionStringError;

    #[test]
    fn parses_the_documented_forms() {
        let parsed = ConnectionString::parse(
            "endpoint=https://contoso.communication.azure.com/;accesskey=ab==",
        )
        .unwrap();
        assert_eq!(
            parsed.endpoint().as_str(),
            "https://contoso.communication.azure.com/"
        );
        assert_eq!(parsed.access_key().expose(), "ab==");

        let parsed =
            ConnectionString::parse("Endpoint=https://x.communication.azure.com;AccessKey=YWJj;")
                .unwrap();
        assert_eq!(
            parsed.endpoint().host_str(),
            Some("x.communication.azure.com")
        );
        assert_eq!(parsed.credential().decoded_key().as_slice(), b"abc");

        let parsed = ConnectionString::parse("accesskey=YWJj;endpoint=https://x/").unwrap();
        assert_eq!(parsed.endpoint().as_str(), "https://x/");
    }

    #[test]
    fn trims_ignores_unknown_and_empty_segments() {
        let parsed = ConnectionString::parse(
            " ;ENDPOINT = http://127.0.0.1:8080/ ; other=1;; accessKey = YWI= ; ",
        )
        .unwrap();
        assert_eq!(parsed.endpoint().as_str(), "http://127.0.0.1:8080/");
        assert_eq!(parsed.access_key().expose(), "YWI=");
        let parsed: ConnectionString = "endpoint=https://x/;accesskey=a2V5PXZhbA=="
            .parse()
            .unwrap();
        assert_eq!(parsed.access_key().expose(), "a2V5PXZhbA==");
    }

    #[test]
    fn each_problem_has_its_own_error() {
        let cases = [
            ("", E::Empty),
            ("   ", E::Empty),
            ("endpoint=https://x/", E::MissingAccessKey),
            ("accesskey=YWJj", E::MissingEndpoint),
            ("endpoint=https://x/;accesskey=@@@", E::AccessKeyNotBase64),
            ("endpoint=https://x/;accesskey=", E::EmptyAccessKey),
            (
                "endpoint=https://x/;accesskey=YWJj;accesskey=YWJj",
                E::Duplicate { name: "accesskey" },
            ),
            (
                "endpoint=https://x/;Endpoint=https://y/;accesskey=YWJj",
                E::Duplicate { name: "endpoint" },
            ),
            (
                "endpoint=https://x/;YWJj",
                E::SegmentWithoutEquals { index: 1 },
            ),
            (
                "=YWJj;endpoint=https://x/",
                E::SegmentWithoutName { index: 0 },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                ConnectionString::parse(input).unwrap_err(),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_endpoints_are_named() {
        for endpoint in [
            "not a url",
            "",
            "ftp://x/",
            "https://user:pw@x/",
            "https://x/?a=b",
            "mailto:someone@example.com",
            "/relative",
        ] {
            let input = format!("endpoint={endpoint};accesskey=YWJj");
            let err = ConnectionString::parse(&input).unwrap_err();
            assert!(
                matches!(err, E::InvalidEndpoint { .. }),
                "{endpoint:?}: {err:?}"
            );
        }
    }

    #[test]
    fn errors_and_debug_never_show_the_key() {
        let key = "c2VjcmV0LWtleS12YWx1ZQ==";
        for input in [
            format!("accesskey={key}"),
            format!("endpoint=nope;accesskey={key}"),
            format!("endpoint=https://x/;accesskey={key};accesskey={key}"),
            format!("endpoint=https://x/;accesskey={key}!"),
            format!("endpoint=https://x/;{key}"),
        ] {
            let err = ConnectionString::parse(&input).unwrap_err();
            assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
            assert!(!format!("{err:?}").contains("c2VjcmV0"), "{err:?}");
        }
        let parsed =
            ConnectionString::parse(&format!("endpoint=https://x/;accesskey={key}")).unwrap();
        assert!(!format!("{parsed:?}").contains("c2VjcmV0"));
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in any::<String>()) {
            let _ = ConnectionString::parse(&input);
        }

        #[test]
        fn parse_never_panics_on_near_misses(
            input in "(endpoint|accesskey|Endpoint|x)?=?[a-zA-Z0-9:/.=+@ ;]{0,40}"
        ) {
            let _ = ConnectionString::parse(&input);
        }

        #[test]
        fn valid_pairs_round_trip(
            host in "[a-z][a-z0-9-]{0,20}(\\.[a-z][a-z0-9]{0,10}){0,3}",
            port in proptest::option::of(1u16..),
            key in proptest::collection::vec(any::<u8>(), 1..64),
            key_first in any::<bool>(),
        ) {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
            let endpoint = match port {
                Some(port) => format!("https://{host}:{port}/"),
                None => format!("https://{host}/"),
            };
            let input = if key_first {
                format!("accesskey={encoded};endpoint={endpoint}")
            } else {
                format!("endpoint={endpoint};accesskey={encoded}")
            };
            let parsed = ConnectionString::parse(&input).unwrap();
            prop_assert_eq!(parsed.endpoint().host_str(), Some(host.as_str()));
            prop_assert_eq!(parsed.access_key().expose(), encoded.as_str());
            let decoded = parsed.credential().decoded_key();
            prop_assert_eq!(decoded.as_slice(), key.as_slice());
        }
    }
}
