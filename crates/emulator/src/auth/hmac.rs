//! HMAC-SHA256 access-key authentication, checked the way the service checks it.
//!
//! A signed request carries `Authorization: HMAC-SHA256 SignedHeaders=…&Signature=…`, where
//! `SignedHeaders` names a date header (`x-ms-date`, or `date` as older .NET clients send),
//! `host` and `x-ms-content-sha256`. The string to sign is the upper-case method, the
//! request target exactly as it arrived (path and query, still percent-encoded), and the
//! values of the signed headers joined by `;`:
//!
//! ```text
//! POST\n/identities?api-version=2023-10-01\nFri, 04 Dec 2026 14:09:42 GMT;host:port;<content hash>
//! ```
//!
//! The signature is base64(HMAC-SHA256(decoded access key, string to sign)). Checks run in
//! this order: the header's shape, the content hash against the received body, the date
//! against the clock-skew window, then the signature (compared in constant time).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use crate::http_date;

/// The `x-ms-content-sha256` header.
const CONTENT_HASH: &str = "x-ms-content-sha256";

/// The parts of a received request that the signature covers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SignedRequest<'a> {
    /// The method as received, e.g. `POST`.
    pub(crate) method: &'a str,
    /// The request target as received: path plus `?query` when there is one.
    pub(crate) path_and_query: &'a str,
    /// The `Host` header, or the `:authority` of an HTTP/2 request.
    pub(crate) host: Option<&'a str>,
    /// All request headers.
    pub(crate) headers: &'a HeaderMap,
    /// The received body bytes.
    pub(crate) body: &'a [u8],
}

/// Why an HMAC-signed request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HmacRefusal {
    /// The `Authorization` value is not `HMAC-SHA256 SignedHeaders=…&Signature=…`.
    MalformedAuthorization,
    /// `SignedHeaders` is not a date header, `host` and `x-ms-content-sha256`.
    UnsupportedSignedHeaders,
    /// No `x-ms-content-sha256` header.
    MissingContentHash,
    /// `x-ms-content-sha256` is not the hash of the body.
    ContentHashMismatch,
    /// The signed date header is absent.
    MissingDate,
    /// The signed date header is not an HTTP date.
    InvalidDate,
    /// The date is further from the emulator's clock than the allowed skew.
    DateOutsideWindow,
    /// No host to sign.
    MissingHost,
    /// The signature does not match.
    BadSignature,
}

impl HmacRefusal {
    /// The message of the 401 envelope.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::MalformedAuthorization => {
                "The Authorization header is not a valid HMAC-SHA256 credential."
            }
            Self::UnsupportedSignedHeaders => {
                "SignedHeaders must be x-ms-date (or date), host and x-ms-content-sha256."
            }
            Self::MissingContentHash => "Request is missing the 'x-ms-content-sha256' header.",
            Self::ContentHashMismatch => {
                "Request 'x-ms-content-sha256' differs from generated content hash."
            }
            Self::MissingDate => "Request is missing the signed date header.",
            Self::InvalidDate => "The signed date header is not a valid RFC 1123 date.",
            Self::DateOutsideWindow => "The request date is outside the allowed clock skew.",
            Self::MissingHost => "Request is missing the 'host' header.",
            Self::BadSignature => "Denied by the resource provider.",
        }
    }
}

/// Base64 of the SHA-256 of `body`, as `x-ms-content-sha256` carries it.
pub(crate) fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// Whether `authorization` uses the HMAC scheme (so it should be checked here).
pub(crate) fn is_hmac_scheme(authorization: &str) -> bool {
    scheme_rest(authorization).is_some()
}

/// Verifies the HMAC signature of `request` under `key`, with `now` and `max_skew` deciding
/// whether its date is acceptable.
pub(crate) fn verify(
    request: &SignedRequest<'_>,
    authorization: &str,
    key: &[u8],
    now: OffsetDateTime,
    max_skew: Duration,
) -> Result<(), HmacRefusal> {
    let credential = parse_authorization(authorization)?;
    let date_header = signed_date_header(&credential.signed_headers)?;

    let claimed_hash =
        header(request.headers, CONTENT_HASH).ok_or(HmacRefusal::MissingContentHash)?;
    let actual_hash = content_hash(request.body);
    if !bool::from(claimed_hash.as_bytes().ct_eq(actual_hash.as_bytes())) {
        return Err(HmacRefusal::ContentHashMismatch);
    }

    let date = header(request.headers, date_header).ok_or(HmacRefusal::MissingDate)?;
    let signed_at = http_date::parse(date).ok_or(HmacRefusal::InvalidDate)?;
    if (now - signed_at).abs() > max_skew {
        return Err(HmacRefusal::DateOutsideWindow);
    }

    let host = request.host.ok_or(HmacRefusal::MissingHost)?;
    let values: Vec<&str> = credential
        .signed_headers
        .iter()
        .map(|name| match name.as_str() {
            "host" => host,
            CONTENT_HASH => claimed_hash,
            _ => date,
        })
        .collect();
    let string_to_sign = format!(
        "{}\n{}\n{}",
        request.method.to_ascii_uppercase(),
        request.path_and_query,
        values.join(";")
    );

    let given = STANDARD
        .decode(credential.signature)
        .map_err(|_| HmacRefusal::BadSignature)?;
    let expected = hmac_sha256(key, string_to_sign.as_bytes());
    if bool::from(expected.as_slice().ct_eq(given.as_slice())) {
        Ok(())
    } else {
        Err(HmacRefusal::BadSignature)
    }
}

/// HMAC-SHA256 of `message` under `key`; also what HS256 JWTs are signed with.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so keying cannot fail; an empty tag never matches.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The two parameters of an HMAC `Authorization` value.
struct HmacCredential<'a> {
    /// Lower-cased header names, in signing order.
    signed_headers: Vec<String>,
    signature: &'a str,
}

/// The text after `HMAC-SHA256 `, when the scheme matches (case-insensitively).
fn scheme_rest(authorization: &str) -> Option<&str> {
    let (scheme, rest) = authorization.trim().split_once(char::is_whitespace)?;
    scheme
        .eq_ignore_ascii_case("HMAC-SHA256")
        .then(|| rest.trim())
}

fn parse_authorization(authorization: &str) -> Result<HmacCredential<'_>, HmacRefusal> {
    let rest = scheme_rest(authorization).ok_or(HmacRefusal::MalformedAuthorization)?;

    let mut signed_headers = None;
    let mut signature = None;
    for parameter in rest.split('&') {
        let (name, value) = parameter
            .split_once('=')
            .ok_or(HmacRefusal::MalformedAuthorization)?;
        let slot = if name.trim().eq_ignore_ascii_case("SignedHeaders") {
            &mut signed_headers
        } else if name.trim().eq_ignore_ascii_case("Signature") {
            &mut signature
        } else {
            return Err(HmacRefusal::MalformedAuthorization);
        };
        if slot.replace(value.trim()).is_some() {
            return Err(HmacRefusal::MalformedAuthorization);
        }
    }

    match (signed_headers, signature) {
        (Some(headers), Some(signature)) if !signature.is_empty() => Ok(HmacCredential {
            signed_headers: headers
                .split(';')
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            signature,
        }),
        _ => Err(HmacRefusal::MalformedAuthorization),
    }
}

/// The date header `SignedHeaders` names, after checking it lists exactly a date header,
/// `host` and `x-ms-content-sha256`.
fn signed_date_header(signed: &[String]) -> Result<&'static str, HmacRefusal> {
    let count = |name: &str| signed.iter().filter(|h| *h == name).count();
    let date = match (count("x-ms-date"), count("date")) {
        (1, 0) => "x-ms-date",
        (0, 1) => "date",
        _ => return Err(HmacRefusal::UnsupportedSignedHeaders),
    };
    if signed.len() != 3 || count("host") != 1 || count(CONTENT_HASH) != 1 {
        return Err(HmacRefusal::UnsupportedSignedHeaders);
    }
    Ok(date)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

#[cfg(test)]
#[path = "hmac_tests.rs"]
mod tests;
