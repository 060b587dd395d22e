//! Property tests of the emulator's request handling: arbitrary bodies to every route.
//!
//! One emulator serves every case over loopback. Each case sends one request on a fresh
//! HTTP/1.1 connection to one of the API's routes — mostly with the route's method, at
//! times another — with a chosen api-version, signed or not, and a body that is arbitrary
//! bytes, arbitrary JSON, or an object of the members the handlers read holding arbitrary
//! JSON. Whatever the request, the emulator must answer (no dropped connection, no hang)
//! with a success or the service's JSON error envelope: `application/json` and
//! `{"error":{"code":"…","message":"…"}}`. The case count is bounded (64 per route).
//!
//! The signer here is written from the documented scheme, independently of the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;
use std::time::Duration;

use acs_emulator::Emulator;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::runtime::Runtime;

/// One request's budget; an emulator that takes longer has hung.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The emulator every case talks to, and the runtime that serves it.
struct Harness {
    runtime: Runtime,
    emulator: Emulator,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime.block_on(Emulator::start()).unwrap();
        Harness { runtime, emulator }
    })
}

/// The API's routes; identity routes take an id.
#[derive(Clone, Copy, Debug)]
enum Route {
    Create,
    Issue,
    Revoke,
    Delete,
    TeamsExchange,
}

impl Route {
    fn method(self) -> Method {
        match self {
            Self::Delete => Method::DELETE,
            _ => Method::POST,
        }
    }

    fn path(self, id: &str) -> String {
        match self {
            Self::Create => "/identities".to_owned(),
            Self::Issue => format!("/identities/{id}/:issueAccessToken"),
            Self::Revoke => format!("/identities/{id}/:revokeAccessTokens"),
            Self::Delete => format!("/identities/{id}"),
            Self::TeamsExchange => "/teamsUser/:exchangeAccessToken".to_owned(),
        }
    }
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec!["chat", "voip", "chat.join", "voip.join", "x"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            hash_map("[a-zA-Z]{0,8}", inner, 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// A body: raw bytes, any JSON, or an object of the members the handlers read.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let member = prop::sample::select(vec![
        "createTokenWithScopes",
        "scopes",
        "expiresInMinutes",
        "token",
        "appId",
        "userId",
        "ExpiresInMinutes",
    ]);
    prop_oneof![
        vec(any::<u8>(), 0..256),
        json().prop_map(|value| value.to_string().into_bytes()),
        hash_map(member, json(), 0..4).prop_map(|members| {
            let object: serde_json::Map<String, Value> = members
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
            Value::Object(object).to_string().into_bytes()
        }),
    ]
}

/// The route's own method most of the time, another one at times.
fn method(route: Route) -> impl Strategy<Value = Method> {
    prop_oneof![
        6 => Just(route.method()),
        1 => prop::sample::select(vec![
            Method::GET,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::POST,
            Method::OPTIONS,
        ]),
    ]
}

/// An api-version query: a served one, an unserved one, none, or any text.
fn version() -> impl Strategy<Value = String> {
    let served = acs_identity_models::api_versions::STABLE;
    prop_oneof![
        4 => prop::sample::select(served).prop_map(|v| format!("?api-version={v}")),
        1 => Just("?api-version=2025-03-02-preview".to_owned()),
        1 => Just(String::new()),
        1 => "[0-9a-z-]{0,12}".prop_map(|v| format!("?api-version={v}")),
    ]
}

/// The id of an identity route: a fresh identity of the emulator (`None`) or any text.
fn id() -> impl Strategy<Value = Option<String>> {
    prop_oneof![3 => Just(None), 1 => any::<String>().prop_map(Some)]
}

/// `text` percent-encoded as one path segment.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Sends one request on a fresh connection and checks the answer's shape.
fn check(method: Method, target: String, body: Vec<u8>, signed: bool) -> Result<(), TestCaseError> {
    let (parts, body) = send(method, target, body, signed)?;
    check_shape(&parts, &body)
}

/// Sends one request on a fresh connection; a failure if no complete answer comes.
fn send(
    method: Method,
    target: String,
    body: Vec<u8>,
    signed: bool,
) -> Result<(http::response::Parts, Bytes), TestCaseError> {
    let harness = harness();
    let emulator = &harness.emulator;
    let host = emulator.local_addr().to_string();
    let mut request = Request::builder()
        .method(method.clone())
        .uri(target.as_str())
        .header("host", &host)
        .header("content-type", "application/json");
    if signed {
        let date = OffsetDateTime::now_utc()
            .format(format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            ))
            .unwrap();
        let hash = STANDARD.encode(Sha256::digest(&body));
        let key = STANDARD.decode(emulator.access_key()).unwrap();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(format!("{method}\n{target}\n{date};{host};{hash}").as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        request = request
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", hash)
            .header(
                "authorization",
                format!(
                    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
                ),
            );
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();

    let answer = harness.runtime.block_on(async {
        tokio::time::timeout(ANSWER_TIMEOUT, async {
            let stream = tokio::net::TcpStream::connect(emulator.local_addr())
                .await
                .unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, hyper::Error>((parts, body))
        })
        .await
    });
    emulator.clear_requests();
    let Ok(answer) = answer else {
        return Err(TestCaseError::fail(format!(
            "no answer to {method} {target} in time"
        )));
    };
    answer.map_err(|error| TestCaseError::fail(format!("{method} {target}: dropped: {error}")))
}

/// A success with a JSON object (or 204 and nothing), or an error with the envelope.
fn check_shape(parts: &http::response::Parts, body: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(body);
    if parts.status == StatusCode::NO_CONTENT {
        prop_assert!(body.is_empty(), "204 with a body: {text}");
        return Ok(());
    }
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| TestCaseError::fail(format!("{} not JSON ({e}): {text}", parts.status)))?;
    if parts.status.is_success() {
        prop_assert!(json.is_object(), "{}: {text}", parts.status);
        return Ok(());
    }
    prop_assert!(
        parts.status.is_client_error() || parts.status.is_server_error(),
        "status {}",
        parts.status
    );
    let content_type = parts
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap());
    prop_assert!(
        content_type.is_some_and(|v| v.starts_with("application/json")),
        "{content_type:?}"
    );
    prop_assert!(
        json["error"]["code"]
            .as_str()
            .is_some_and(|code| !code.is_empty()),
        "{text}"
    );
    prop_assert!(json["error"]["message"].is_string(), "{text}");
    Ok(())
}

/// Runs one case against `route`.
fn case(
    route: Route,
    method: Method,
    id: Option<String>,
    version: String,
    body: Vec<u8>,
    signed: bool,
) -> Result<(), TestCaseError> {
    let id = id.unwrap_or_else(|| harness().emulator.create_identity());
    let target = format!("{}{version}", route.path(&encode(&id)));
    check(method, target, body, signed)
}

/// Without this the properties below could hold vacuously, every signed case a 401.
#[test]
fn the_signer_gets_past_authentication() {
    let target = format!(
        "/identities?api-version={}",
        acs_identity_models::api_versions::DEFAULT
    );
    let (parts, body) = send(Method::POST, target, b"{}".to_vec(), true).unwrap();
    assert_eq!(
        parts.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn create_answers_every_body(
        method in method(Route::Create), version in version(), body in body(), signed in any::<bool>(),
    ) {
        case(Route::Create, method, None, version, body, signed)?;
    }

    #[test]
    fn issue_answers_every_body(
        method in method(Route::Issue), id in id(), version in version(), body in body(),
        signed in any::<bool>(),
    ) {
        case(Route::Issue, method, id, version, body, signed)?;
    }

    #[test]
    fn revoke_answers_every_body(
        method in method(Route::Revoke), id in id(), version in version(), body in body(),
        signed in any::<bool>(),
    ) {
        case(Route::Revoke, method, id, version, body, signed)?;
    }

    #[test]
    fn delete_answers_every_body(
        method in method(Route::Delete), id in id(), version in version(), body in body(),
        signed in any::<bool>(),
    ) {
        case(Route::Delete, method, id, version, body, signed)?;
    }

    #[test]
    fn teams_exchange_answers_every_body(
        method in method(Route::TeamsExchange), version in version(), body in body(),
        signed in any::<bool>(),
    ) {
        case(Route::TeamsExchange, method, None, version, body, signed)?;
    }

    #[test]
    fn unknown_paths_answer_with_the_envelope(
        path in "/[a-zA-Z0-9:._~%-]{0,24}(/[a-zA-Z0-9:._~%-]{0,12}){0,3}",
        method in method(Route::Create), version in version(), body in body(),
        signed in any::<bool>(),
    ) {
        check(method, format!("{path}{version}"), body, signed)?;
    }
}
