//! Property tests of `ConnectionString::parse`, through the public API only.
//!
//! The unit tests beside the parser pin the documented forms one by one; these generate the
//! forms instead. Valid strings are written with the two settings in either order, names in
//! any mix of case, whitespace around names, values and separators, unknown settings and
//! empty segments mixed in, and an optional trailing `;`: all must parse to the same
//! endpoint and key. Arbitrary text must never panic the parser, and an error (or the
//! `Debug` of a success) must never show the access key — checked with a random key planted
//! among arbitrary segments, so no message can contain it by coincidence.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use acs_core_auth::ConnectionString;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::collection::vec;
use proptest::prelude::*;
use url::Url;

/// An absolute http(s) URL with a host and no path but `/`, as resources and emulators
/// publish them.
fn endpoint() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        "[a-z][a-z0-9-]{0,15}(\\.[a-z][a-z0-9-]{0,8}){0,3}"
            .prop_filter("no IDNA labels", |host| !host.contains("xn--")),
        Just("127.0.0.1".to_owned()),
        Just("[::1]".to_owned()),
    ];
    let path = prop_oneof![Just(String::new()), Just("/".to_owned())];
    (
        prop_oneof![Just("https"), Just("http")],
        host,
        proptest::option::of(1u16..),
        path,
    )
        .prop_map(|(scheme, host, port, path)| match port {
            Some(port) => format!("{scheme}://{host}:{port}{path}"),
            None => format!("{scheme}://{host}{path}"),
        })
}

/// `name` with each letter in upper or lower case.
fn any_case(name: &'static str) -> impl Strategy<Value = String> {
    vec(any::<bool>(), name.len()).prop_map(move |upper| {
        name.chars()
            .zip(upper)
            .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

/// Blanks the parser trims around names and keys: spaces and tabs.
fn blank() -> impl Strategy<Value = String> + Clone {
    "[ \t]{0,3}"
}

/// Blanks the parser trims around an endpoint: spaces only (a tab there is refused, as
/// anywhere in an endpoint).
fn spaces() -> impl Strategy<Value = String> + Clone {
    " {0,3}"
}

/// `name=value` with blanks around the name and `around_value` around the value.
fn setting<B: Strategy<Value = String> + Clone>(
    name: impl Strategy<Value = String>,
    value: impl Strategy<Value = String>,
    around_value: B,
) -> impl Strategy<Value = String> {
    (
        blank(),
        name,
        blank(),
        around_value.clone(),
        value,
        around_value,
    )
        .prop_map(|(a, name, b, c, value, d)| format!("{a}{name}{b}={c}{value}{d}"))
}

/// A setting the parser does not know, or an empty segment.
fn noise() -> impl Strategy<Value = String> {
    let unknown = "[a-z]{1,10}".prop_filter("not a known name", |name| {
        !name.eq_ignore_ascii_case("endpoint") && !name.eq_ignore_ascii_case("accesskey")
    });
    prop_oneof![setting(unknown, "[a-zA-Z0-9=/+]{0,10}", blank()), blank()]
}

/// A connection string in any order, case and spacing, with the endpoint and key it holds.
fn valid() -> impl Strategy<Value = (String, String, Vec<u8>)> {
    (endpoint(), vec(any::<u8>(), 1..64)).prop_flat_map(|(endpoint, key)| {
        let encoded = STANDARD.encode(&key);
        let segments = (
            setting(any_case("endpoint"), Just(endpoint.clone()), spaces()),
            setting(any_case("accesskey"), Just(encoded), blank()),
            vec(noise(), 0..3),
        )
            .prop_map(|(endpoint, key, mut noise)| {
                noise.push(endpoint);
                noise.push(key);
                noise
            })
            .prop_shuffle();
        (segments, any::<bool>(), Just(endpoint), Just(key)).prop_map(
            |(segments, trailing, endpoint, key)| {
                let mut text = segments.join(";");
                if trailing {
                    text.push(';');
                }
                (text, endpoint, key)
            },
        )
    })
}

/// Arbitrary segments with `accesskey=<key>` planted among them; the key is random base64,
/// or that with a character base64 refuses.
fn planted_key() -> impl Strategy<Value = (String, String)> {
    (
        vec("[^;]{0,20}", 0..4),
        vec(any::<u8>(), 18..30),
        any::<bool>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut segments, key, valid, at)| {
            let mut key = STANDARD.encode(key);
            if !valid {
                key.insert(key.len() / 2, '!');
            }
            let at = at.index(segments.len() + 1);
            segments.insert(at, format!("accesskey={key}"));
            (segments.join(";"), key)
        })
}

/// A valid endpoint and key whose `;` between them is missing or mistyped, the way a
/// hand-edited connection string goes wrong: `endpoint=https://x/accesskey=…`.
fn missing_separator() -> impl Strategy<Value = (String, String)> {
    (
        endpoint(),
        prop_oneof![Just(""), Just(" "), Just(","), Just("/")],
        vec(any::<u8>(), 18..30),
    )
        .prop_map(|(endpoint, separator, key)| {
            let key = STANDARD.encode(key);
            (
                format!("endpoint={endpoint}{separator}accesskey={key}"),
                key,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_strings_parse_in_any_order_case_and_spacing((text, endpoint, key) in valid()) {
        let parsed = ConnectionString::parse(&text)
            .unwrap_or_else(|error| panic!("{text:?} was refused: {error}"));
        prop_assert_eq!(parsed.endpoint(), &Url::parse(&endpoint).unwrap());
        prop_assert_eq!(parsed.access_key().expose(), STANDARD.encode(&key));
        let decoded = parsed.credential().decoded_key();
        prop_assert_eq!(decoded.as_slice(), key.as_slice());
        prop_assert_eq!(text.parse::<ConnectionString>().unwrap(), parsed);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = ConnectionString::parse(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        let _ = ConnectionString::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn the_key_never_shows((text, key) in planted_key()) {
        match ConnectionString::parse(&text) {
            Err(error) => {
                prop_assert!(!error.to_string().contains(&key), "{error}");
                prop_assert!(!format!("{error:?}").contains(&key), "{error:?}");
            }
            Ok(parsed) => {
                let debug = format!("{parsed:?}");
                prop_assert!(!debug.contains(&key), "{debug}");
            }
        }
    }

    #[test]
    fn a_planted_key_is_found_when_the_rest_is_valid(
        (text, endpoint, key) in valid(),
        prefix in vec(noise(), 0..2),
    ) {
        // Unknown settings before a valid string change nothing.
        let text = format!("{};{text}", prefix.join(";"));
        let parsed = ConnectionString::parse(&text).unwrap();
        prop_assert_eq!(parsed.endpoint(), &Url::parse(&endpoint).unwrap());
        let decoded = parsed.credential().decoded_key();
        prop_assert_eq!(decoded.as_slice(), key.as_slice());
    }

    #[test]
    fn the_key_never_shows_even_without_a_separator((text, key) in missing_separator()) {
        let error = ConnectionString::parse(&text).unwrap_err();
        prop_assert!(!error.to_string().contains(&key), "{error}");
        prop_assert!(!format!("{error:?}").contains(&key), "{error:?}");
    }
}
