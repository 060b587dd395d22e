//! The resource endpoint and the request URLs built from it.
//!
//! An endpoint is the root URL of a Communication Services resource
//! (`https://<resource>.communication.azure.com/`), checked by
//! [`acs_core_auth::parse_endpoint`], the same rule a connection string's endpoint follows.
//! Each operation appends its path and the `api-version` query ([`operation_url`]).
//!
//! A user id (and likewise the tenant and object ids of a Teams Extension assignment) goes
//! into the path as ONE percent-encoded segment, encoded the way the other official SDKs
//! encode it (every byte except ASCII letters, digits and `-_.!~*'()`), so
//! `8:acs:a b/c?d` becomes `8%3Aacs%3Aa%20b%2Fc%3Fd`. Since `/`, `\`, `?`, `#`, `%` and
//! every control character are encoded, no id can add a segment, end the path or smuggle
//! in an escape. Three ids cannot be a segment at all and are refused with
//! [`ErrorKind::InvalidInput`] before a URL exists: the empty id (the path would name the
//! collection or an empty segment) and `.` and `..`, which URL normalisation removes, so
//! the signed request would go to another resource. As a last guard, a URL whose path is
//! not exactly the one built is refused rather than sent. The HMAC signature is computed
//! over this encoded path by the signing policy in `acs-core-http`.

use acs_core_http::{Error, ErrorKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::ApiVersion;
use crate::operation::{Assignment, Operation, Route};

/// Bytes that stay literal in a path segment: the unreserved set of JavaScript's
/// `encodeURIComponent`. Everything else, including `:` `/` `\` `?` `#` `%` and space, is
/// encoded. (`url`'s own path-segment encoding leaves `:` alone, which is why it is not
/// used here.)
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

/// Appends `raw`, percent-encoded as a single path segment, to `text`.
fn push_encoded_segment(text: &mut String, raw: &str) {
    text.extend(utf8_percent_encode(raw, SEGMENT));
}

/// Parses `endpoint` by the shared endpoint rule.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<Url, Error> {
    acs_core_auth::parse_endpoint(endpoint).map_err(Error::from)
}

/// The URL of `operation` on `endpoint` (a URL accepted by [`parse_endpoint`]), with the
/// `api-version` query.
///
/// # Errors
///
/// [`ErrorKind::InvalidInput`] when the operation names a user, tenant or object whose id is
/// empty, `.` or `..`, or (which the encoding rules out) when the URL's path would differ
/// from the one built.
pub(crate) fn operation_url(
    endpoint: &Url,
    operation: Operation<'_>,
    api_version: ApiVersion,
) -> Result<Url, Error> {
    // One buffer for the path and then the query: this runs for every call.
    let mut text = String::with_capacity(128);
    match operation.route() {
        Route::Fixed(path) => text.push_str(path),
        Route::User { user_id, suffix } => {
            check_segment(user_id, "user id", operation)?;
            text.push_str("/identities/");
            push_encoded_segment(&mut text, user_id);
            text.push_str(suffix);
        }
        Route::Assignment(Assignment {
            tenant_id,
            object_id,
        }) => {
            check_segment(tenant_id, "tenant id", operation)?;
            check_segment(object_id, "object id", operation)?;
            text.push_str("/access/teamsExtension/tenants/");
            push_encoded_segment(&mut text, tenant_id);
            text.push_str("/assignments/");
            push_encoded_segment(&mut text, object_id);
        }
    }

    let mut url = endpoint.clone();
    // `set_path` keeps the `%XX` escapes and the literal `:` of `/:issueAccessToken`; it
    // would resolve dot segments, which `check_segment` keeps out.
    url.set_path(&text);
    if url.path() != text {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "the {} request path changed when it was made a URL, so it would address \
                 another resource; nothing was sent",
                operation.name()
            ),
        ));
    }
    text.clear();
    text.push_str("api-version=");
    text.push_str(api_version.as_str());
    url.set_query(Some(&text));
    Ok(url)
}

/// Refuses a `raw` id (a `what`, such as "user id") that cannot be a path segment.
fn check_segment(raw: &str, what: &str, operation: Operation<'_>) -> Result<(), Error> {
    let problem = match raw {
        "" => "is empty",
        "." | ".." => "is a dot segment (`.` or `..`), which a URL path resolves away",
        _ => return Ok(()),
    };
    let hint = if what == "user id" {
        "use the id the service returned when the user was created"
    } else {
        "use the id Microsoft Entra ID assigned"
    };
    Err(Error::new(
        ErrorKind::InvalidInput,
        format!(
            "the {what} for {} {problem}, so the request would address another resource; \
             {hint}; nothing was sent",
            operation.name()
        ),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;

    use super::*;

    fn encode_segment(raw: &str) -> String {
        let mut text = String::new();
        push_encoded_segment(&mut text, raw);
        text
    }

    fn url_of(operation: Operation<'_>) -> Result<Url, Error> {
        let endpoint = parse_endpoint("https://contoso.communication.azure.com/").unwrap();
        operation_url(&endpoint, operation, ApiVersion::V2023_10_01)
    }

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(encode_segment("8:acs:a b/c?d"), "8%3Aacs%3Aa%20b%2Fc%3Fd");
        assert_eq!(encode_segment("a-b_c.d!e~f*g'h(i)j"), "a-b_c.d!e~f*g'h(i)j");
        assert_eq!(
            encode_segment("%#&=+;,@$[]\\"),
            "%25%23%26%3D%2B%3B%2C%40%24%5B%5D%5C"
        );
        assert_eq!(encode_segment("é\t\n\0"), "%C3%A9%09%0A%00");
    }

    #[test]
    fn every_operation_has_its_path() {
        let assignment = "/access/teamsExtension/tenants/8%3Aacs%3Aa%20b%2Fc%3Fd/assignments/8%3Aacs%3Aa%20b%2Fc%3Fd";
        let expected = [
            "/identities",
            "/identities",
            #[cfg(feature = "preview")]
            "/identities",
            #[cfg(feature = "preview")]
            "/identities/8%3Aacs%3Aa%20b%2Fc%3Fd",
            "/identities/8%3Aacs%3Aa%20b%2Fc%3Fd/:issueAccessToken",
            "/identities/8%3Aacs%3Aa%20b%2Fc%3Fd/:revokeAccessTokens",
            "/identities/8%3Aacs%3Aa%20b%2Fc%3Fd",
            "/teamsUser/:exchangeAccessToken",
            "/access/teamsExtension/:exchangeAccessToken",
            assignment,
            assignment,
            assignment,
        ];
        assert_eq!(Operation::all("x").len(), expected.len());
        for (operation, path) in Operation::all("8:acs:a b/c?d").into_iter().zip(expected) {
            let url = url_of(operation).unwrap();
            assert_eq!(
                url.as_str(),
                format!("https://contoso.communication.azure.com{path}?api-version=2023-10-01")
            );
        }
    }

    #[test]
    fn endpoint_without_trailing_slash_and_with_port() {
        let endpoint = parse_endpoint(" http://127.0.0.1:8080 ").unwrap();
        let url = operation_url(&endpoint, Operation::CreateUser, ApiVersion::V2026_09_23);
        assert_eq!(
            url.unwrap().as_str(),
            "http://127.0.0.1:8080/identities?api-version=2026-09-23"
        );
    }

    #[test]
    fn empty_and_dot_ids_are_refused_for_every_operation_that_names_a_user() {
        for user_id in ["", ".", ".."] {
            for operation in Operation::all(user_id) {
                let outcome = url_of(operation);
                if matches!(operation.route(), Route::Fixed(_)) {
                    outcome.unwrap();
                    continue;
                }
                let error = outcome.unwrap_err();
                assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{user_id:?}");
                let text = error.to_string();
                assert!(text.contains(operation.name()), "{text}");
                let problem = if user_id.is_empty() {
                    "is empty"
                } else {
                    "dot segment"
                };
                assert!(text.contains(problem), "{text}");
            }
        }
    }

    #[test]
    fn tenant_and_object_ids_are_checked_separately() {
        let operation = |tenant_id, object_id| {
            Operation::DeleteTeamsExtensionAssignment(Assignment {
                tenant_id,
                object_id,
            })
        };
        let text = url_of(operation("t", "..")).unwrap_err().to_string();
        assert!(
            text.contains("object id") && text.contains("dot segment"),
            "{text}"
        );
        let text = url_of(operation("", "o")).unwrap_err().to_string();
        assert!(
            text.contains("tenant id") && text.contains("is empty"),
            "{text}"
        );

        let url = url_of(operation("a/b", "c?d")).unwrap();
        let segments: Vec<&str> = url.path_segments().unwrap().collect();
        assert_eq!(
            segments,
            [
                "access",
                "teamsExtension",
                "tenants",
                "a%2Fb",
                "assignments",
                "c%3Fd"
            ]
        );
    }

    #[test]
    fn ids_that_look_like_paths_stay_one_segment() {
        for user_id in [
            "%2E%2E", "%2e", ".%2E", "...", "./..", "../x", "a/../b", "\\..", "..\\", "?", "#",
            "%", " .. ", ".\t.", "..;", "%00", "/",
        ] {
            let url = url_of(Operation::DeleteUser { user_id }).unwrap();
            let segments: Vec<&str> = url.path_segments().unwrap().collect();
            assert_eq!(segments.len(), 2, "{user_id:?}: {url}");
            let decoded = percent_decode_str(segments[1]).decode_utf8().unwrap();
            assert_eq!(decoded, user_id, "{url}");
        }
    }

    proptest! {
        #[test]
        fn an_accepted_id_is_exactly_one_segment_that_decodes_back(user_id in any::<String>()) {
            check_one_segment(&user_id)?;
        }

        #[test]
        fn dotted_and_escaped_ids_are_one_segment(user_id in "[./\\\\%2eE?#;: \t]{0,8}") {
            check_one_segment(&user_id)?;
        }
    }

    fn check_one_segment(user_id: &str) -> std::result::Result<(), TestCaseError> {
        for operation in Operation::all(user_id) {
            let Route::User { suffix, .. } = operation.route() else {
                continue;
            };
            let url = match url_of(operation) {
                Ok(url) => url,
                Err(_) => {
                    prop_assert!(matches!(user_id, "" | "." | ".."), "{:?} refused", user_id);
                    continue;
                }
            };
            let segments: Vec<&str> = url.path_segments().unwrap().collect();
            let expected = if suffix.is_empty() { 2 } else { 3 };
            prop_assert_eq!(segments.len(), expected, "{}", url);
            prop_assert_eq!(segments[0], "identities");
            if !suffix.is_empty() {
                prop_assert_eq!(format!("/{}", segments[2]), suffix);
            }
            let decoded = percent_decode_str(segments[1]).decode_utf8().unwrap();
            prop_assert_eq!(decoded.as_ref(), user_id);

            // What the transport sends is this URL's text: it parses back to the same path,
            // both as a URL and as the request target hyper writes.
            let reparsed = Url::parse(url.as_str()).unwrap();
            prop_assert_eq!(reparsed.path(), url.path());
            let uri: http::Uri = url.as_str().parse().unwrap();
            prop_assert_eq!(uri.path(), url.path());
        }
        Ok(())
    }
}
