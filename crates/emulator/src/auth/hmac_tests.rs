//! Signature vectors from the official SDKs' tests and from captures of the published
//! JavaScript and Python SDKs, checked with a pinned clock.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;

const SKEW: Duration = Duration::minutes(15);
const EMPTY_HASH: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/// One captured request: what arrived and the `Authorization` it carried.
#[derive(Clone, Copy)]
struct Vector {
    key: &'static str,
    method: &'static str,
    path_and_query: &'static str,
    host: &'static str,
    date: &'static str,
    body: &'static str,
    signature: &'static str,
}

fn headers(date_header: &str, date: &str, content_hash: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::HeaderName::from_bytes(date_header.as_bytes()).unwrap(),
        HeaderValue::from_str(date).unwrap(),
    );
    headers.insert(CONTENT_HASH, HeaderValue::from_str(content_hash).unwrap());
    headers
}

fn check(vector: &Vector, now: OffsetDateTime) -> Result<(), HmacRefusal> {
    let key = STANDARD.decode(vector.key).unwrap();
    let headers = headers(
        "x-ms-date",
        vector.date,
        &content_hash(vector.body.as_bytes()),
    );
    let request = SignedRequest {
        method: vector.method,
        path_and_query: vector.path_and_query,
        host: Some(vector.host),
        headers: &headers,
        body: vector.body.as_bytes(),
    };
    let authorization = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
        vector.signature
    );
    verify(&request, &authorization, &key, now, SKEW)
}

const APRIL_2022: &str = "Wed, 13 Apr 2022 18:09:12 GMT";
const APRIL_2022_NOW: OffsetDateTime = datetime!(2022-04-13 18:09:12.451 UTC);

const OFFICIAL: &[Vector] = &[
    // JS common: path and query.
    Vector {
        key: "pw==",
        method: "GET",
        path_and_query: "/testPath?testQuery=test",
        host: "example.com",
        date: APRIL_2022,
        body: "",
        signature: "DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=",
    },
    // JS common: path without query.
    Vector {
        key: "pw==",
        method: "GET",
        path_and_query: "/testPath",
        host: "example.com",
        date: APRIL_2022,
        body: "",
        signature: "+6tWkg3lNKVjQHHmxkdGQcJjUgzclsWTMebnuCz1ngU=",
    },
    // Python test_hmac: root path.
    Vector {
        key: "pw==",
        method: "GET",
        path_and_query: "/",
        host: "contoso.communicationservices.azure.com",
        date: APRIL_2022,
        body: "",
        signature: "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4=",
    },
    // Python test_hmac: path.
    Vector {
        key: "pw==",
        method: "GET",
        path_and_query: "/testPath",
        host: "contoso.communicationservices.azure.com",
        date: APRIL_2022,
        body: "",
        signature: "RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38=",
    },
    // Python test_hmac: path and query.
    Vector {
        key: "pw==",
        method: "GET",
        path_and_query: "/testPath?testQuery=yes",
        host: "contoso.communicationservices.azure.com",
        date: APRIL_2022,
        body: "",
        signature: "il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=",
    },
];

const JS_CAPTURE_DATE: &str = "Fri, 04 Dec 2026 14:08:39 GMT";
const JS_CAPTURE_NOW: OffsetDateTime = datetime!(2026-12-04 14:08:39 UTC);

const JS_CAPTURED: &[Vector] = &[
    // createUser: no body.
    Vector {
        key: "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm",
        method: "POST",
        path_and_query: "/identities?api-version=2023-10-01",
        host: "contoso.communication.azure.com",
        date: JS_CAPTURE_DATE,
        body: "",
        signature: "VGKnlHqE8g6jN9opWZOIwX7l9N4tLNL5Et03dCd9U7s=",
    },
    // getToken: the id percent-encoded in the signed path.
    Vector {
        key: "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm",
        method: "POST",
        path_and_query: "/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01",
        host: "contoso.communication.azure.com",
        date: JS_CAPTURE_DATE,
        body: r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#,
        signature: "TKSxEl07hpZ5DAtT6TesnEQBo3aUm9fpM2mzCwBBK5Y=",
    },
];

#[test]
fn accepts_the_official_vectors() {
    for vector in OFFICIAL {
        assert_eq!(
            check(vector, APRIL_2022_NOW),
            Ok(()),
            "{}",
            vector.path_and_query
        );
    }
}

#[test]
fn accepts_the_vectors_captured_from_the_js_sdk() {
    for vector in JS_CAPTURED {
        assert_eq!(
            check(vector, JS_CAPTURE_NOW),
            Ok(()),
            "{}",
            vector.path_and_query
        );
    }
}

#[test]
fn accepts_the_js_vector_with_an_explicit_port() {
    let vector = Vector {
        key: "aw==",
        method: "POST",
        path_and_query: "/identities?api-version=2022-10-01",
        host: "localhost:8443",
        date: "Fri, 04 Dec 2026 14:09:18 GMT",
        body: "",
        signature: "16dcLUBlmTHf3gZdjJk8zXekTHSCHNkfx82LiW8/p7I=",
    };
    assert_eq!(check(&vector, datetime!(2026-12-04 14:09:18 UTC)), Ok(()));
}

#[test]
fn accepts_the_locally_computed_service_vectors() {
    let create = Vector {
        key: "ZW11bGF0b3ItdGVzdC1hY2Nlc3Mta2V5LTAxMjM0NTY3ODk=",
        method: "POST",
        path_and_query: "/identities?api-version=2026-09-23",
        host: "my-resource.communication.azure.com",
        date: "Fri, 08 Apr 2015 03:52:31 GMT",
        body: r#"{"createTokenWithScopes":["chat"]}"#,
        signature: "mPMphWfIcWKJnjrXdH6yzy2pOOH9vN4cYFEWh/exha4=",
    };
    let delete = Vector {
        method: "DELETE",
        path_and_query: "/identities/8:acs:r_u?api-version=2026-09-23",
        body: "",
        signature: "VApV7Fp1wNCLHDtikzycduGBlwHNxfS+Vh0KhqCyR1Y=",
        ..create
    };
    let now = datetime!(2015-04-08 03:52:31 UTC);

    assert_eq!(
        content_hash(create.body.as_bytes()),
        "WTRvgEjjVd+bvyKw3WgXgDkU81aV8FWq+4/BE+he0+A="
    );
    assert_eq!(check(&create, now), Ok(()));
    assert_eq!(check(&delete, now), Ok(()));
}

#[test]
fn hashes_like_the_other_sdks() {
    assert_eq!(content_hash(b""), EMPTY_HASH);
    assert_eq!(
        content_hash(b"banana"),
        "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4="
    );
    assert_eq!(
        content_hash("\u{1F600}".as_bytes()),
        "8EQ6NCxe9UeDoRG1G6Vsk45HTDIyTZDDpgycjjo34tk="
    );
    assert_eq!(
        STANDARD.encode(hmac_sha256(&STANDARD.decode("pw==").unwrap(), b"banana")),
        "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8="
    );
}

#[test]
fn the_signed_path_must_be_the_one_received() {
    // The JS SDK signed the encoded id; the same request decoded on arrival must fail.
    let decoded = Vector {
        path_and_query: "/identities/8:acs:res_user1/:issueAccessToken?api-version=2023-10-01",
        ..JS_CAPTURED[1]
    };
    assert_eq!(
        check(&decoded, JS_CAPTURE_NOW),
        Err(HmacRefusal::BadSignature)
    );
}

#[test]
fn refuses_a_changed_method_host_or_key() {
    let vector = &OFFICIAL[0];
    for changed in [
        Vector {
            method: "POST",
            ..*vector
        },
        Vector {
            host: "example.com:443",
            ..*vector
        },
        Vector {
            key: "cHc=",
            ..*vector
        },
        Vector {
            signature: "DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tV=",
            ..*vector
        },
        Vector {
            signature: "not base64!",
            ..*vector
        },
    ] {
        assert_eq!(
            check(&changed, APRIL_2022_NOW),
            Err(HmacRefusal::BadSignature)
        );
    }
}

#[test]
fn enforces_the_clock_skew_window_both_ways() {
    let vector = &OFFICIAL[0];
    let signed_at = datetime!(2022-04-13 18:09:12 UTC);

    assert_eq!(check(vector, signed_at + SKEW), Ok(()));
    assert_eq!(check(vector, signed_at - SKEW), Ok(()));
    assert_eq!(
        check(vector, signed_at + SKEW + Duration::seconds(1)),
        Err(HmacRefusal::DateOutsideWindow)
    );
    assert_eq!(
        check(vector, signed_at - SKEW - Duration::seconds(1)),
        Err(HmacRefusal::DateOutsideWindow)
    );
}

#[test]
fn refuses_a_content_hash_that_is_not_the_body_hash() {
    let key = STANDARD.decode("pw==").unwrap();
    let headers = headers("x-ms-date", APRIL_2022, EMPTY_HASH);
    let request = SignedRequest {
        method: "POST",
        path_and_query: "/identities",
        host: Some("example.com"),
        headers: &headers,
        body: b"{}",
    };
    let authorization = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=x";

    let refusal = verify(&request, authorization, &key, APRIL_2022_NOW, SKEW).unwrap_err();
    assert_eq!(refusal, HmacRefusal::ContentHashMismatch);
    assert_eq!(
        refusal.message(),
        "Request 'x-ms-content-sha256' differs from generated content hash."
    );
}

#[test]
fn accepts_the_older_dotnet_variant_signed_with_date() {
    let key = STANDARD.decode("pw==").unwrap();
    let string_to_sign =
        format!("GET\n/testPath?testQuery=test\n{APRIL_2022};example.com;{EMPTY_HASH}");
    let signature = STANDARD.encode(hmac_sha256(&key, string_to_sign.as_bytes()));
    let headers = headers("date", APRIL_2022, EMPTY_HASH);
    let request = SignedRequest {
        method: "GET",
        path_and_query: "/testPath?testQuery=test",
        host: Some("example.com"),
        headers: &headers,
        body: b"",
    };

    let authorization =
        format!("HMAC-SHA256 SignedHeaders=date;host;x-ms-content-sha256&Signature={signature}");
    assert_eq!(
        verify(&request, &authorization, &key, APRIL_2022_NOW, SKEW),
        Ok(())
    );

    // Naming x-ms-date while only Date is present fails: the named header is the one read.
    let authorization = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    );
    assert_eq!(
        verify(&request, &authorization, &key, APRIL_2022_NOW, SKEW),
        Err(HmacRefusal::MissingDate)
    );
}

#[test]
fn refuses_malformed_authorization_values() {
    let key = STANDARD.decode("pw==").unwrap();
    let headers = headers("x-ms-date", APRIL_2022, EMPTY_HASH);
    let request = SignedRequest {
        method: "GET",
        path_and_query: "/",
        host: Some("example.com"),
        headers: &headers,
        body: b"",
    };
    let cases = [
        ("", HmacRefusal::MalformedAuthorization),
        ("HMAC-SHA256", HmacRefusal::MalformedAuthorization),
        ("Basic abc", HmacRefusal::MalformedAuthorization),
        (
            "HMAC-SHA256 Signature=abc",
            HmacRefusal::MalformedAuthorization,
        ),
        (
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256",
            HmacRefusal::MalformedAuthorization,
        ),
        (
            "HMAC-SHA256 SignedHeaders=a&Signature=b&Signature=c",
            HmacRefusal::MalformedAuthorization,
        ),
        (
            "HMAC-SHA256 SignedHeaders=a&Extra=1&Signature=b",
            HmacRefusal::MalformedAuthorization,
        ),
        (
            "HMAC-SHA256 SignedHeaders=host;x-ms-content-sha256&Signature=b",
            HmacRefusal::UnsupportedSignedHeaders,
        ),
        (
            "HMAC-SHA256 SignedHeaders=date;x-ms-date;host;x-ms-content-sha256&Signature=b",
            HmacRefusal::UnsupportedSignedHeaders,
        ),
        (
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;host&Signature=b",
            HmacRefusal::UnsupportedSignedHeaders,
        ),
    ];
    for (authorization, expected) in cases {
        assert_eq!(
            verify(&request, authorization, &key, APRIL_2022_NOW, SKEW),
            Err(expected),
            "{authorization:?}"
        );
    }
}

#[test]
fn refuses_missing_or_invalid_dates_and_hosts() {
    let key = STANDARD.decode("pw==").unwrap();
    let authorization = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=b";

    let mut bad_date = headers("x-ms-date", "yesterday", EMPTY_HASH);
    fn request<'a>(headers: &'a HeaderMap, host: Option<&'a str>) -> SignedRequest<'a> {
        SignedRequest {
            method: "GET",
            path_and_query: "/",
            host,
            headers,
            body: b"",
        }
    }
    assert_eq!(
        verify(
            &request(&bad_date, Some("h")),
            authorization,
            &key,
            APRIL_2022_NOW,
            SKEW
        ),
        Err(HmacRefusal::InvalidDate)
    );

    bad_date.remove(CONTENT_HASH);
    assert_eq!(
        verify(
            &request(&bad_date, Some("h")),
            authorization,
            &key,
            APRIL_2022_NOW,
            SKEW
        ),
        Err(HmacRefusal::MissingContentHash)
    );

    let good = headers("x-ms-date", APRIL_2022, EMPTY_HASH);
    assert_eq!(
        verify(
            &request(&good, None),
            authorization,
            &key,
            APRIL_2022_NOW,
            SKEW
        ),
        Err(HmacRefusal::MissingHost)
    );
}
