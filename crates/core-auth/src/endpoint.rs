//! The one rule for what counts as a resource endpoint.
//!
//! A Communication Services endpoint is the root URL of a resource
//! (`https://<resource>.communication.azure.com/`). It reaches a client either inside a
//! connection string ([`crate::ConnectionString`]) or on its own (a client constructor in a
//! layer above); both go through [`parse_endpoint`], so an endpoint accepted in one place is
//! accepted in the other. The rule itself is documented on [`parse_endpoint`].

use url::Url;

/// The longest host name accepted, in characters of its ASCII (punycode) form: the limit
/// of a DNS name.
pub const MAX_HOST_LENGTH: usize = 253;

/// The longest scheme an error quotes; a longer one is not quoted.
const QUOTED_SCHEME_LIMIT: usize = 16;

/// Why an endpoint was refused.
///
/// No variant quotes the endpoint beyond a short scheme: its path and user information are
/// never repeated, because text around an endpoint can hold a secret (in a connection
/// string with the `;` before `accesskey` missing, the "path" is the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// The endpoint is empty or only spaces.
    #[error("the endpoint is empty")]
    Empty,
    /// The endpoint starts with a byte order mark, as text read from a file saved as
    /// "UTF-8 with BOM" does.
    #[error(
        "the endpoint starts with a byte order mark (U+FEFF), as text from a file saved as \
         UTF-8 with BOM does; remove it"
    )]
    LeadingByteOrderMark,
    /// The endpoint contains a control character (C0, DEL or C1, e.g. NUL, tab, CR, LF).
    #[error(
        "the endpoint contains the control character U+{code_point:04X} at byte {position}; \
         an endpoint is a plain URL"
    )]
    ControlCharacter {
        /// The character's Unicode code point.
        code_point: u32,
        /// Its byte offset in the endpoint (after leading spaces).
        position: usize,
    },
    /// The endpoint contains an invisible formatting character (a byte order mark other
    /// than a leading one, a soft hyphen, a zero-width or a direction mark), which URL
    /// parsers drop from host names without a word.
    #[error("the endpoint contains the invisible character U+{code_point:04X} at byte {position}")]
    InvisibleCharacter {
        /// The character's Unicode code point.
        code_point: u32,
        /// Its byte offset in the endpoint (after leading spaces).
        position: usize,
    },
    /// The endpoint is not an absolute URL.
    #[error(
        "the endpoint is not a valid absolute URL ({reason}); expected \
         https://<resource>.communication.azure.com/"
    )]
    Malformed {
        /// What the URL parser objected to.
        reason: String,
    },
    /// The scheme is neither `https` nor `http`.
    #[error("the endpoint scheme must be https or http, not `{scheme}`")]
    UnsupportedScheme {
        /// The scheme found, or `…` when it is longer than 16 characters.
        scheme: String,
    },
    /// The URL has no host.
    #[error("the endpoint has no host")]
    MissingHost,
    /// The host is longer than [`MAX_HOST_LENGTH`].
    #[error("the endpoint host is {length} characters long; a host name has at most 253")]
    HostTooLong {
        /// The host's length in its ASCII form.
        length: usize,
    },
    /// The port is 0, which no server listens on.
    #[error("the endpoint port is 0, which no server listens on")]
    PortZero,
    /// The URL carries `user:password@`.
    #[error("the endpoint must not contain user credentials")]
    UserInfo,
    /// The URL has a path other than `/`. (In a connection string, a path holding `=` is
    /// often a missing `;` before the next setting.)
    #[error(
        "the endpoint must be the resource root, without a path (found a path of {length} \
         characters after the host)"
    )]
    Path {
        /// The length of the path found, in bytes of its encoded form.
        length: usize,
    },
    /// The URL has a query string.
    #[error("the endpoint must not have a query string")]
    Query,
    /// The URL has a fragment.
    #[error("the endpoint must not have a fragment")]
    Fragment,
}

/// Parses and checks a resource endpoint.
///
/// The rule is strict on purpose. URL parsers are forgiving: they drop tabs and line breaks
/// anywhere, ignore some invisible characters in host names and normalise what is left, so
/// a typo or a stray character from a file can silently address a different host or path.
/// Here only the spaces around the endpoint are ignored; anything that would be cleaned up
/// is refused with an [`EndpointError`] that names the problem:
///
/// - control characters (C0, DEL, C1: NUL, tab, CR, LF, …) anywhere;
/// - a byte order mark (U+FEFF), with its own error when it leads, and the other invisible
///   formatting characters (soft hyphen, zero-width and direction marks);
/// - anything but an absolute `https`/`http` URL with a host of at most
///   [`MAX_HOST_LENGTH`] characters (the longest DNS name) and a port other than 0;
/// - user credentials, a path other than `/`, a query or a fragment (a client adds each
///   operation's path and query itself, so a path given here would be silently replaced).
///
/// ```
/// use acs_core_auth::{EndpointError, parse_endpoint};
///
/// let endpoint = parse_endpoint(" https://contoso.communication.azure.com ")?;
/// assert_eq!(endpoint.as_str(), "https://contoso.communication.azure.com/");
///
/// assert_eq!(
///     parse_endpoint("https://con\ttoso.communication.azure.com/"),
///     Err(EndpointError::ControlCharacter { code_point: 0x09, position: 11 })
/// );
/// assert_eq!(parse_endpoint("https://contoso:0/"), Err(EndpointError::PortZero));
/// assert!(matches!(
///     parse_endpoint("https://contoso.communication.azure.com/identities"),
///     Err(EndpointError::Path { .. })
/// ));
/// # Ok::<(), EndpointError>(())
/// ```
///
/// # Errors
///
/// The [`EndpointError`] for the first problem found, checked in the order of the
/// variants.
pub fn parse_endpoint(input: &str) -> Result<Url, EndpointError> {
    let endpoint = input.trim_matches(' ');
    if endpoint.is_empty() {
        return Err(EndpointError::Empty);
    }
    if endpoint.starts_with('\u{feff}') {
        return Err(EndpointError::LeadingByteOrderMark);
    }
    check_characters(endpoint)?;

    let url = Url::parse(endpoint).map_err(|error| match error {
        url::ParseError::EmptyHost => EndpointError::MissingHost,
        other => EndpointError::Malformed {
            reason: other.to_string(),
        },
    })?;
    check_url(&url)?;
    Ok(url)
}

/// Refuses the characters a URL parser would silently remove or ignore.
fn check_characters(endpoint: &str) -> Result<(), EndpointError> {
    for (position, character) in endpoint.char_indices() {
        let code_point = u32::from(character);
        if character.is_control() {
            return Err(EndpointError::ControlCharacter {
                code_point,
                position,
            });
        }
        if is_invisible(character) {
            return Err(EndpointError::InvisibleCharacter {
                code_point,
                position,
            });
        }
    }
    Ok(())
}

/// Formatting characters that render as nothing: the soft hyphen, zero-width characters,
/// direction marks and embeddings, invisible operators and the byte order mark.
fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00ad}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
    )
}

fn check_url(url: &Url) -> Result<(), EndpointError> {
    if url.scheme() != "https" && url.scheme() != "http" {
        let scheme = url.scheme();
        return Err(EndpointError::UnsupportedScheme {
            scheme: if scheme.len() <= QUOTED_SCHEME_LIMIT {
                scheme.to_owned()
            } else {
                "…".to_owned()
            },
        });
    }
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
        return Err(EndpointError::MissingHost);
    };
    if host.len() > MAX_HOST_LENGTH {
        return Err(EndpointError::HostTooLong { length: host.len() });
    }
    if url.port() == Some(0) {
        return Err(EndpointError::PortZero);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::UserInfo);
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(EndpointError::Path {
            length: url.path().len(),
        });
    }
    if url.query().is_some() {
        return Err(EndpointError::Query);
    }
    if url.fragment().is_some() {
        return Err(EndpointError::Fragment);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "endpoint_tests.rs"]
mod tests;
