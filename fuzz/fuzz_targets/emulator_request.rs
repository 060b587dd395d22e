//! Fuzzes the emulator's request handling over loopback: method, path, query, headers,
//! authentication and body.
//!
//! The input is a request written like HTTP/1.1, so seeds are readable recorded requests:
//!
//! ```text
//! POST /identities/{id}/:issueAccessToken?api-version=2026-09-23
//! content-type: application/json
//!
//! {"scopes":["chat"]}
//! ```
//!
//! The first line is the method and the request target (bytes a URI cannot hold are
//! percent-encoded); `{id}` becomes the raw id of an identity created for this input and
//! `{eid}` the same id percent-encoded. Header lines follow up to an empty line; framing
//! headers are dropped (see `FRAMING_HEADERS`). Without an `authorization` header the
//! request is signed with the emulator's key, at the emulator's time plus the seconds of an
//! optional `x-fuzz-skew` line; `x-fuzz-unsigned` sends it unsigned. The rest is the body.
//!
//! For every input the emulator must answer, completely and within the harness timeout,
//! with a success or the service's JSON error envelope ([`acs_fuzz::envelope::check`]). A
//! dropped connection or a hang is a crash.

#![no_main]

use acs_fuzz::envelope;
use acs_fuzz::loopback::{Outgoing, harness, may_send_header, request_target};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use time::{Duration, OffsetDateTime};

/// At most this many headers are taken from an input.
const MAX_HEADERS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let emulator = harness.emulator();

    let (head, body) = match find(data, b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &b""[..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n').map(|line| line.trim_end_matches('\r'));
    let request_line = lines.next().unwrap_or_default();
    let (method, target) = request_line.split_once(' ').unwrap_or((request_line, "/"));
    let method = match Method::from_bytes(method.as_bytes()) {
        Ok(method) if method != Method::CONNECT => method,
        _ => return,
    };
    let target = if target.contains("{id}") || target.contains("{eid}") {
        let id = emulator.create_identity();
        target.replace("{id}", &id).replace("{eid}", &encode(&id))
    } else {
        target.to_owned()
    };

    let mut outgoing = Outgoing {
        method,
        target: request_target(&target),
        headers: Vec::new(),
        body: Bytes::copy_from_slice(body),
    };
    let (mut skew, mut unsigned) = (0_i64, false);
    for line in lines.take(MAX_HEADERS) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim_start();
        match name.to_ascii_lowercase().as_str() {
            "x-fuzz-skew" => skew = value.trim().parse().unwrap_or_default(),
            "x-fuzz-unsigned" => unsigned = true,
            _ => {
                let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) else {
                    continue;
                };
                if may_send_header(&name) {
                    unsigned |= name == http::header::AUTHORIZATION;
                    outgoing.headers.push((name, value));
                }
            }
        }
    }
    if !unsigned {
        // Clamped to a day either way: far enough to cover every clock-skew answer.
        let skew = Duration::seconds(skew.clamp(-86_400, 86_400));
        harness.sign(&mut outgoing, OffsetDateTime::now_utc() + skew);
    }

    let answer = harness.send(&outgoing);
    emulator.clear_requests();
    if let Err(problem) = envelope::check(&outgoing.method, &answer) {
        panic!("{} {:?}: {problem}", outgoing.method, outgoing.target);
    }
});

/// The position of the first `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `text` percent-encoded as one path segment, as the SDKs send ids.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}
