//! HMAC-SHA256 request signing with a Communication Services access key.
//!
//! The pieces of the scheme, public so that other services' clients, the emulator's
//! verifier and tests can reuse them; [`crate::policies::HmacAuthenticationPolicy`] puts them
//! together on every attempt:
//!
//! 1. [`content_hash`]: base64 SHA-256 of the body bytes as sent (empty body included);
//! 2. [`format_date`]: the request time in IMF-fixdate, `Fri, 04 Dec 2026 14:08:39 GMT`;
//! 3. [`string_to_sign`]: `METHOD\npath_and_query\ndate;host;content_hash`, where
//!    `path_and_query` is the percent-encoded path plus `?query` exactly as sent and `host` is
//!    the URL authority (with the port only when it is not the scheme's default);
//! 4. [`sign`]: base64 HMAC-SHA256 of that string keyed with the decoded access key;
//! 5. [`authorization`]: the `Authorization` header value naming the signed headers.

use std::fmt::Write as _;

use ::hmac::{Hmac, KeyInit, Mac};
use acs_core_auth::AzureKeyCredential;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};
use url::Url;
use zeroize::Zeroizing;

/// The headers the signature covers, in the order they appear in the string to sign.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";

/// What an `Authorization` value holds before the signature.
const AUTHORIZATION_PREFIX: &str =
    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";

/// Length of the base64 text of a 32-byte SHA-256 or HMAC-SHA256 output, padding included.
const DIGEST_BASE64_LEN: usize = 44;

/// RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. Used to read HTTP-dates; writing
/// one is done by hand in [`format_date`], which the tests check against this description.
pub(crate) const IMF_FIXDATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Length of an IMF-fixdate.
const IMF_FIXDATE_LEN: usize = 29;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Base64 (standard alphabet) SHA-256 of `body`.
///
/// ```
/// assert_eq!(
///     acs_core_http::hmac::content_hash(b""),
///     "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
/// );
/// ```
pub fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// Formats `at` (converted to UTC) as an IMF-fixdate for `x-ms-date`.
///
/// ```
/// use time::macros::datetime;
///
/// let date = acs_core_http::hmac::format_date(datetime!(2026-12-04 14:08:39.75 UTC));
/// assert_eq!(date, "Fri, 04 Dec 2026 14:08:39 GMT");
/// ```
///
/// An IMF-fixdate has a four-digit year, so an instant whose UTC date falls outside the
/// years 0000 to 9999 (or cannot be converted to UTC at all) has none and gives an empty
/// string, which the signing policy refuses; it never panics.
pub fn format_date(at: OffsetDateTime) -> String {
    let Some(utc) = at.checked_to_offset(UtcOffset::UTC) else {
        return String::new();
    };
    let Ok(year) = u16::try_from(utc.year()) else {
        return String::new();
    };
    if year > 9999 {
        return String::new();
    }
    // This runs for every signed attempt; writing the fixed layout directly is several
    // times cheaper than interpreting the format description.
    let mut text = String::with_capacity(IMF_FIXDATE_LEN);
    text.push_str(WEEKDAYS[usize::from(utc.weekday().number_days_from_monday())]);
    text.push_str(", ");
    push_digits(&mut text, u16::from(utc.day()), 2);
    text.push(' ');
    text.push_str(MONTHS[usize::from(u8::from(utc.month()) - 1)]);
    text.push(' ');
    push_digits(&mut text, year, 4);
    text.push(' ');
    push_digits(&mut text, u16::from(utc.hour()), 2);
    text.push(':');
    push_digits(&mut text, u16::from(utc.minute()), 2);
    text.push(':');
    push_digits(&mut text, u16::from(utc.second()), 2);
    text.push_str(" GMT");
    text
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u16, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u16.pow(place)) % 10;
        text.push(char::from_digit(u32::from(digit), 10).unwrap_or('0'));
    }
}

/// The signed host: the URL's host, plus `:port` when the port is not the scheme default.
pub fn host(url: &Url) -> String {
    let mut text = String::new();
    push_host(&mut text, url);
    text
}

fn push_host(text: &mut String, url: &Url) {
    text.push_str(url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        // Writing to a `String` cannot fail.
        let _ = write!(text, ":{port}");
    }
}

/// The signed path and query: the encoded path, then `?` and the query when there is one.
pub fn path_and_query(url: &Url) -> String {
    let mut text = String::new();
    push_path_and_query(&mut text, url);
    text
}

fn push_path_and_query(text: &mut String, url: &Url) {
    text.push_str(url.path());
    if let Some(query) = url.query() {
        text.push('?');
        text.push_str(query);
    }
}

/// Builds `METHOD\npath_and_query\ndate;host;content_hash`. The method is upper-cased.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    content_hash: &str,
) -> String {
    let mut text = String::with_capacity(
        method.len() + path_and_query.len() + date.len() + host.len() + content_hash.len() + 4,
    );
    push_upper(&mut text, method);
    text.push('\n');
    text.push_str(path_and_query);
    text.push('\n');
    text.push_str(date);
    text.push(';');
    text.push_str(host);
    text.push(';');
    text.push_str(content_hash);
    text
}

/// [`string_to_sign`] for a request to `url`, in one buffer: the same text as
/// `string_to_sign(method, &path_and_query(url), date, &host(url), content_hash)`.
pub(crate) fn string_to_sign_for(
    method: &str,
    url: &Url,
    date: &str,
    content_hash: &str,
) -> String {
    // The host with a port and the query are bounded by the serialization's length.
    let mut text = String::with_capacity(
        method.len() + url.as_str().len() + date.len() + content_hash.len() + 8,
    );
    push_upper(&mut text, method);
    text.push('\n');
    push_path_and_query(&mut text, url);
    text.push('\n');
    text.push_str(date);
    text.push(';');
    push_host(&mut text, url);
    text.push(';');
    text.push_str(content_hash);
    text
}

fn push_upper(text: &mut String, method: &str) {
    text.extend(method.chars().map(|c| c.to_ascii_uppercase()));
}

/// Base64 HMAC-SHA256 of `string_to_sign`, keyed with the credential's decoded key.
pub fn sign(key: &AzureKeyCredential, string_to_sign: &str) -> String {
    key.with_decoded_key(|key| sign_with_bytes(key, string_to_sign.as_bytes()))
}

/// Base64 HMAC-SHA256 of `message` keyed with raw `key` bytes.
pub fn sign_with_bytes(key: &[u8], message: &[u8]) -> String {
    let signature = signature_base64(key, message);
    // The buffer holds base64 text only, so it is always UTF-8.
    std::str::from_utf8(&signature[..])
        .unwrap_or_default()
        .to_owned()
}

/// The base64 HMAC-SHA256 of `message` keyed with `key`, in a buffer wiped on drop.
fn signature_base64(key: &[u8], message: &[u8]) -> Zeroizing<[u8; DIGEST_BASE64_LEN]> {
    // HMAC is defined for keys of any length (long keys are hashed first), so building the
    // MAC cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    // `finalize` consumes the keyed state, which wipes itself when dropped (the `zeroize`
    // feature of `sha2`); the output wrapper wipes the raw digest likewise.
    let digest = mac.finalize();
    let mut text = Zeroizing::new([0u8; DIGEST_BASE64_LEN]);
    // 32 bytes always encode to exactly 44 base64 characters.
    let written = STANDARD
        .encode_slice(digest.as_bytes(), &mut text[..])
        .unwrap_or(0);
    debug_assert_eq!(written, DIGEST_BASE64_LEN);
    text
}

/// The `Authorization` header value for `signature`.
pub fn authorization(signature: &str) -> String {
    let mut text = String::with_capacity(AUTHORIZATION_PREFIX.len() + signature.len());
    text.push_str(AUTHORIZATION_PREFIX);
    text.push_str(signature);
    text
}

/// The `Authorization` value signing `string_to_sign` with `credential`, as bytes: built
/// once, with the signature itself only ever in a wiped buffer.
pub(crate) fn authorization_bytes(
    credential: &AzureKeyCredential,
    string_to_sign: &str,
) -> Vec<u8> {
    let signature =
        credential.with_decoded_key(|key| signature_base64(key, string_to_sign.as_bytes()));
    let mut value = Vec::with_capacity(AUTHORIZATION_PREFIX.len() + DIGEST_BASE64_LEN);
    value.extend_from_slice(AUTHORIZATION_PREFIX.as_bytes());
    value.extend_from_slice(&signature[..]);
    value
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Every vector of the shared HMAC reference set, written out as constants.

    use super::*;
    use time::macros::datetime;

    const EMPTY_BODY_HASH: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    const APRIL_2022: &str = "Wed, 13 Apr 2022 18:09:12 GMT";

    struct Vector {
        access_key: &'static str,
        method: &'static str,
        url: &'static str,
        body: &'static str,
        date: &'static str,
        host: &'static str,
        content_hash: &'static str,
        signature: &'static str,
    }

    const VECTORS: &[Vector] = &[
        // JS communication-common: path and query.
        Vector {
            access_key: "pw==",
            method: "GET",
            url: "https://example.com/testPath?testQuery=test",
            body: "",
            date: APRIL_2022,
            host: "example.com",
            content_hash: EMPTY_BODY_HASH,
            signature: "DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=",
        },
        // JS communication-common: path, no query.
        Vector {
            access_key: "pw==",
            method: "GET",
            url: "https://example.com/testPath",
            body: "",
            date: APRIL_2022,
            host: "example.com",
            content_hash: EMPTY_BODY_HASH,
            signature: "+6tWkg3lNKVjQHHmxkdGQcJjUgzclsWTMebnuCz1ngU=",
        },
        // Python test_hmac: root path.
        Vector {
            access_key: "pw==",
            method: "GET",
            url: "https://contoso.communicationservices.azure.com/",
            body: "",
            date: APRIL_2022,
            host: "contoso.communicationservices.azure.com",
            content_hash: EMPTY_BODY_HASH,
            signature: "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4=",
        },
        // Python test_hmac: with path.
        Vector {
            access_key: "pw==",
            method: "GET",
            url: "https://contoso.communicationservices.azure.com/testPath",
            body: "",
            date: APRIL_2022,
            host: "contoso.communicationservices.azure.com",
            content_hash: EMPTY_BODY_HASH,
            signature: "RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38=",
        },
        // Python test_hmac: with path and query.
        Vector {
            access_key: "pw==",
            method: "GET",
            url: "https://contoso.communicationservices.azure.com/testPath?testQuery=yes",
            body: "",
            date: APRIL_2022,
            host: "contoso.communicationservices.azure.com",
            content_hash: EMPTY_BODY_HASH,
            signature: "il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=",
        },
        // Captured from the published JS identity SDK: createUser, no body.
        Vector {
            access_key: "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm",
            method: "POST",
            url: "https://contoso.communication.azure.com/identities?api-version=2023-10-01",
            body: "",
            date: "Fri, 04 Dec 2026 14:08:39 GMT",
            host: "contoso.communication.azure.com",
            content_hash: EMPTY_BODY_HASH,
            signature: "VGKnlHqE8g6jN9opWZOIwX7l9N4tLNL5Et03dCd9U7s=",
        },
        // Same capture: getToken, percent-encoded id in the signed path.
        Vector {
            access_key: "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm",
            method: "POST",
            url: "https://contoso.communication.azure.com/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01",
            body: r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#,
            date: "Fri, 04 Dec 2026 14:08:39 GMT",
            host: "contoso.communication.azure.com",
            content_hash: "TtMKKuiyP9/F1jOI7OfDBSJ5n4DKqURVFZodx8I86YE=",
            signature: "TKSxEl07hpZ5DAtT6TesnEQBo3aUm9fpM2mzCwBBK5Y=",
        },
        // Same SDK, endpoint with an explicit non-default port: host is host:port.
        Vector {
            access_key: "aw==",
            method: "POST",
            url: "https://localhost:8443/identities?api-version=2022-10-01",
            body: "",
            date: "Fri, 04 Dec 2026 14:09:18 GMT",
            host: "localhost:8443",
            content_hash: EMPTY_BODY_HASH,
            signature: "16dcLUBlmTHf3gZdjJk8zXekTHSCHNkfx82LiW8/p7I=",
        },
    ];

    #[test]
    fn every_signing_vector_matches() {
        for vector in VECTORS {
            let url: Url = vector.url.parse().unwrap();
            assert_eq!(host(&url), vector.host, "{}", vector.url);
            let hash = content_hash(vector.body.as_bytes());
            assert_eq!(hash, vector.content_hash, "{}", vector.url);

            let key = AzureKeyCredential::new(vector.access_key).unwrap();
            let to_sign = string_to_sign(
                vector.method,
                &path_and_query(&url),
                vector.date,
                &host(&url),
                &hash,
            );
            let signature = sign(&key, &to_sign);
            assert_eq!(signature, vector.signature, "{}", vector.url);
            assert_eq!(
                authorization(&signature),
                format!(
                    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
                    vector.signature
                )
            );
        }
    }

    #[test]
    fn raw_hmac_vectors_match() {
        let key = AzureKeyCredential::new("pw==").unwrap();
        assert_eq!(
            sign(&key, "banana"),
            "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8="
        );
        // U+1F600, signed as its UTF-8 bytes.
        assert_eq!(
            sign(&key, "\u{1F600}"),
            "1rudJKjn2Zi+3hRrBG29wIF6pD6YyAeQR1ZcFtXoKAU="
        );
    }

    #[test]
    fn content_hash_vectors_match() {
        assert_eq!(content_hash(b""), EMPTY_BODY_HASH);
        assert_eq!(
            content_hash(b"banana"),
            "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4="
        );
        assert_eq!(
            content_hash("\u{1F600}".as_bytes()),
            "8EQ6NCxe9UeDoRG1G6Vsk45HTDIyTZDDpgycjjo34tk="
        );
    }

    #[test]
    fn documented_emulator_vectors_match() {
        let key =
            AzureKeyCredential::new("ZW11bGF0b3ItdGVzdC1hY2Nlc3Mta2V5LTAxMjM0NTY3ODk=").unwrap();
        let date = "Fri, 08 Apr 2015 03:52:31 GMT";
        let host = "my-resource.communication.azure.com";
        let hash = content_hash(br#"{"createTokenWithScopes":["chat"]}"#);
        assert_eq!(hash, "WTRvgEjjVd+bvyKw3WgXgDkU81aV8FWq+4/BE+he0+A=");
        let to_sign = string_to_sign(
            "post",
            "/identities?api-version=2026-09-23",
            date,
            host,
            &hash,
        );
        assert_eq!(
            sign(&key, &to_sign),
            "mPMphWfIcWKJnjrXdH6yzy2pOOH9vN4cYFEWh/exha4="
        );
        let to_sign = string_to_sign(
            "DELETE",
            "/identities/8:acs:r_u?api-version=2026-09-23",
            date,
            host,
            EMPTY_BODY_HASH,
        );
        assert_eq!(
            sign(&key, &to_sign),
            "VApV7Fp1wNCLHDtikzycduGBlwHNxfS+Vh0KhqCyR1Y="
        );
    }

    #[test]
    fn dates_are_imf_fixdate_in_utc() {
        assert_eq!(
            format_date(datetime!(2022-04-13 18:09:12.451 UTC)),
            APRIL_2022
        );
        assert_eq!(
            format_date(datetime!(2026-12-04 15:08:39 +01:00)),
            "Fri, 04 Dec 2026 14:08:39 GMT"
        );
        assert_eq!(
            format_date(datetime!(2027-01-03 00:00:00 UTC)),
            "Sun, 03 Jan 2027 00:00:00 GMT"
        );
    }

    #[test]
    fn host_and_path_follow_the_wire_form() {
        let url: Url = "https://x.example:443/a%20b/".parse().unwrap();
        assert_eq!(host(&url), "x.example");
        assert_eq!(path_and_query(&url), "/a%20b/");
        let url: Url = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(host(&url), "127.0.0.1:8080");
        assert_eq!(path_and_query(&url), "/");
        let url: Url = "http://[::1]:80/p?q=a+b&r=%2F".parse().unwrap();
        assert_eq!(host(&url), "[::1]");
        assert_eq!(path_and_query(&url), "/p?q=a+b&r=%2F");
    }

    #[test]
    fn the_header_prefix_names_the_signed_headers() {
        assert_eq!(
            AUTHORIZATION_PREFIX,
            format!("HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature=")
        );
    }

    #[test]
    fn one_buffer_signing_matches_the_public_steps() {
        for vector in VECTORS {
            let url: Url = vector.url.parse().unwrap();
            let key = AzureKeyCredential::new(vector.access_key).unwrap();
            let to_sign = string_to_sign_for(vector.method, &url, vector.date, vector.content_hash);
            assert_eq!(
                to_sign,
                string_to_sign(
                    vector.method,
                    &path_and_query(&url),
                    vector.date,
                    &host(&url),
                    vector.content_hash
                )
            );
            assert_eq!(
                authorization_bytes(&key, &to_sign),
                authorization(vector.signature).into_bytes(),
                "{}",
                vector.url
            );
        }
    }

    #[test]
    fn dates_outside_four_digit_years_are_empty() {
        assert_eq!(format_date(datetime!(-0001-12-31 23:59:59 UTC)), "");
        assert_eq!(
            format_date(datetime!(0000-01-01 00:00:00 UTC)),
            "Sat, 01 Jan 0000 00:00:00 GMT"
        );
        assert_eq!(
            format_date(datetime!(9999-12-31 23:59:59 UTC)),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
        // 9999-12-31 23:00 at -01:00 is in the year 10000 in UTC.
        assert_eq!(format_date(datetime!(9999-12-31 23:00:00 -01:00)), "");
    }

    proptest::proptest! {
        #[test]
        fn hand_written_dates_match_the_format_description(
            seconds in OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT)
                .unix_timestamp()..=datetime!(9999-12-31 23:59:59 UTC).unix_timestamp(),
            offset_hours in -23i8..=23,
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds)
                .unwrap()
                .to_offset(UtcOffset::from_hms(offset_hours, 0, 0).unwrap());
            let utc = at.to_offset(UtcOffset::UTC);
            let expected = if utc.year() < 0 {
                String::new()
            } else {
                utc.format(IMF_FIXDATE).unwrap()
            };
            proptest::prop_assert_eq!(format_date(at), expected);
        }

        #[test]
        fn one_buffer_string_to_sign_matches_for_any_url(
            method in "[A-Za-z]{1,7}",
            host_name in "[a-z][a-z0-9]{0,10}(\\.[a-z]{2,5})?",
            port in proptest::option::of(1u16..),
            path in "(/[A-Za-z0-9%:._-]{0,8}){0,4}",
            query in proptest::option::of("[a-z0-9=&%-]{0,12}"),
        ) {
            let port = port.map(|port| format!(":{port}")).unwrap_or_default();
            let query = query.map(|query| format!("?{query}")).unwrap_or_default();
            let url: Url = format!("https://{host_name}{port}{path}{query}").parse().unwrap();
            let date = "Fri, 04 Dec 2026 14:08:39 GMT";
            proptest::prop_assert_eq!(
                string_to_sign_for(&method, &url, date, EMPTY_BODY_HASH),
                string_to_sign(&method, &path_and_query(&url), date, &host(&url), EMPTY_BODY_HASH)
            );
        }
    }

    /// What can be checked without `unsafe`: the types holding key-derived state wipe
    /// themselves when dropped. (Whether memory really reads zero afterwards is zeroize's
    /// promise and is not re-tested here.)
    #[test]
    fn keyed_hmac_state_and_output_wipe_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<sha2::block_api::Sha256VarCore>();
        wiped_on_drop::<::hmac::digest::CtOutput<Hmac<Sha256>>>();
        wiped_on_drop::<acs_core_auth::Zeroizing<Vec<u8>>>();
    }
}
