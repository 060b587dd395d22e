//! The resource endpoint and the request URLs built from it.
//!
//! An endpoint is the root URL of a Communication Services resource
//! (`https://<resource>.communication.azure.com/`). Each operation appends its path and the
//! `api-version` query. A user id goes into the path as ONE percent-encoded segment, encoded
//! the way the other official SDKs encode it (every byte except ASCII letters, digits and
//! `-_.!~*'()`), so `8:acs:a b/c?d` becomes `8%3Aacs%3Aa%20b%2Fc%3Fd`. The HMAC signature is
//! computed over exactly this encoded path by the signing policy in `acs-core-http`.

use acs_core_http::{Error, ErrorKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::ApiVersion;

/// Bytes that stay literal in a path segment: the unreserved set of JavaScript's
/// `encodeURIComponent`. Everything else, including `:` `/` `?` `#` `%` and space, is encoded.
/// (`url`'s own path-segment encoding leaves `:` alone, which is why it is not used here.)
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encodes `raw` as a single path segment.
pub(crate) fn encode_segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

/// Checks that `endpoint` is the root URL of a resource: absolute `http` or `https`, with a
/// host, and without credentials, a path, a query or a fragment.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<Url, Error> {
    let trimmed = endpoint.trim();
    if trimmed.is_empty() {
        return Err(invalid("the endpoint is empty".to_owned()));
    }

    // The endpoint is not secret, but it may have been pasted with credentials in it; name the
    // problem without echoing the whole string.
    let url = Url::parse(trimmed).map_err(|e| {
        invalid(format!(
            "the endpoint is not an absolute URL ({e}); expected \
             https://<resource>.communication.azure.com/"
        ))
    })?;
    validate_endpoint(url)
}

/// The checks of [`parse_endpoint`] for an already parsed URL (for example the one from a
/// connection string).
pub(crate) fn validate_endpoint(url: Url) -> Result<Url, Error> {
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(invalid(format!(
            "the endpoint scheme must be https or http, not `{}`",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the endpoint has no host".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "the endpoint must not contain user credentials".to_owned(),
        ));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(invalid(format!(
            "the endpoint must be the resource root, without a path (found `{}`)",
            url.path()
        )));
    }
    if url.query().is_some() {
        return Err(invalid(
            "the endpoint must not have a query string".to_owned(),
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid("the endpoint must not have a fragment".to_owned()));
    }
    Ok(url)
}

/// The URL of `path` (already encoded, starting with `/`) on `endpoint`, with the
/// `api-version` query.
pub(crate) fn operation_url(endpoint: &Url, path: &str, api_version: ApiVersion) -> Url {
    let mut url = endpoint.clone();

    // `set_path` keeps existing `%XX` escapes and the literal `:` of `/:issueAccessToken`.
    url.set_path(path);
    url.set_query(Some(&format!("api-version={}", api_version.as_str())));
    url
}

fn invalid(message: String) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("invalid endpoint: {message}"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(encode_segment("8:acs:a b/c?d"), "8%3Aacs%3Aa%20b%2Fc%3Fd");
        assert_eq!(encode_segment("a-b_c.d!e~f*g'h(i)j"), "a-b_c.d!e~f*g'h(i)j");
        assert_eq!(
            encode_segment("%#&=+;,@$[]"),
            "%25%23%26%3D%2B%3B%2C%40%24%5B%5D"
        );
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn operation_url_keeps_the_encoded_segment() {
        let endpoint = parse_endpoint("https://contoso.communication.azure.com/").unwrap();
        let path = format!(
            "/identities/{}/:issueAccessToken",
            encode_segment("8:acs:a b/c?d")
        );
        let url = operation_url(&endpoint, &path, ApiVersion::V2023_10_01);
        assert_eq!(
            url.as_str(),
            "https://contoso.communication.azure.com/identities/8%3Aacs%3Aa%20b%2Fc%3Fd/\
             :issueAccessToken?api-version=2023-10-01"
        );
    }

    #[test]
    fn endpoint_without_trailing_slash_and_with_port() {
        let endpoint = parse_endpoint(" http://127.0.0.1:8080 ").unwrap();
        let url = operation_url(&endpoint, "/identities", ApiVersion::V2026_09_23);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/identities?api-version=2026-09-23"
        );
    }

    #[test]
    fn bad_endpoints_name_the_problem() {
        let cases = [
            ("", "empty"),
            ("contoso.communication.azure.com", "absolute URL"),
            ("ftp://contoso/", "scheme"),
            ("https://user:pw@contoso/", "credentials"),
            ("https://contoso/identities", "path"),
            ("https://contoso/?a=b", "query"),
            ("https://contoso/#x", "fragment"),
        ];
        for (input, problem) in cases {
            let err = parse_endpoint(input).unwrap_err();
            assert_eq!(*err.kind(), ErrorKind::InvalidInput, "{input}");
            assert!(err.to_string().contains(problem), "{input}: {err}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }
}
