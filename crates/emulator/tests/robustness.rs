//! The emulator under hostile input: randomized garbage over raw TCP, oversized heads,
//! and clients too slow to send a request. Whatever arrives, the emulator answers or
//! closes, never panics, never answers 500, and keeps serving valid requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use acs_emulator::Emulator;
use common::{Call, LATEST, create_user, raw_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A generous bound on any single exchange, so a regression fails instead of hanging.
const GUARD: Duration = Duration::from_secs(20);
/// How many garbage requests to send.
const GARBAGE_REQUESTS: usize = 300;

/// Sends `bytes`, closes the sending side and reads whatever comes back until the
/// server closes. Errors on either side count as the server's choice to hang up.
async fn exchange(emulator: &Emulator, bytes: &[u8]) -> Vec<u8> {
    let run = async {
        let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
        let _ = stream.write_all(bytes).await;
        let _ = stream.shutdown().await;
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received).await;
        received
    };
    tokio::time::timeout(GUARD, run)
        .await
        .expect("the emulator neither answered nor closed")
}

/// The status code of the first response in `received`, if any.
fn status(received: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(received.get(..12)?).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.parse().ok()
}

fn pick<'a>(rng: &mut fastrand::Rng, choices: &[&'a str]) -> &'a str {
    choices[rng.usize(..choices.len())]
}

fn random_text(rng: &mut fastrand::Rng, max: usize) -> String {
    const ALPHABET: &[u8] = b"aZ09-_.~:/?#[]@!$&'()*+,;=% \"{}\\^`|<>\t\r\n";
    let len = rng.usize(..=max);
    (0..len)
        .map(|_| {
            if rng.u8(..10) == 0 {
                char::from_u32(rng.u32(0x80..0x2_0000)).unwrap_or('\u{fffd}')
            } else {
                char::from(ALPHABET[rng.usize(..ALPHABET.len())])
            }
        })
        .collect()
}

/// A random JSON value, biased towards the members and values the operations read.
fn random_json(rng: &mut fastrand::Rng, depth: u8) -> String {
    let leaf = |rng: &mut fastrand::Rng| {
        pick(
            rng,
            &[
                "null",
                "true",
                "0",
                "-1",
                "59",
                "60",
                "1440",
                "1441",
                "2147483648",
                "1e400",
                "-0.5",
                "\"chat\"",
                "\"voip\"",
                "\"chat.join\"",
                "\"\"",
                "\"\\u0000\"",
                "\"8:acs:x_y\"",
                "\"00000000-0000-0000-0000-000000000000\"",
                "\"a.b.c\"",
                "\"eyJhbGciOiJub25lIn0.eyJleHAiOjF9.\"",
            ],
        )
        .to_owned()
    };
    if depth == 0 {
        return leaf(rng);
    }
    match rng.u8(..4) {
        0 => leaf(rng),
        1 => {
            let items: Vec<String> = (0..rng.usize(..4))
                .map(|_| random_json(rng, depth - 1))
                .collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let members: Vec<String> = (0..rng.usize(..5))
                .map(|_| {
                    let key = pick(
                        rng,
                        &[
                            "createTokenWithScopes",
                            "scopes",
                            "Scopes",
                            "expiresInMinutes",
                            "token",
                            "appId",
                            "userId",
                            "other",
                        ],
                    );
                    format!("\"{key}\":{}", random_json(rng, depth - 1))
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
    }
}

/// One garbage request: raw bytes, broken request lines and headers, lying lengths,
/// broken chunking, hostile credentials and bodies on real routes, HTTP/2 nonsense.
fn garbage(rng: &mut fastrand::Rng, emulator: &Emulator, known_id: &str) -> Vec<u8> {
    let path = pick(
        rng,
        &[
            "/identities",
            "/identities/8%3Aacs%3Ax_y/:issueAccessToken",
            "/identities/8:acs:x_y/:revokeAccessTokens",
            "/teamsUser/:exchangeAccessToken",
            "/identities/%zz%",
            "*",
            "//",
        ],
    );
    let query = pick(
        rng,
        &["?api-version=2026-09-23", "?api-version=", "?%%%", ""],
    );
    match rng.u8(..8) {
        0 => {
            let len = rng.usize(..2048);
            std::iter::repeat_with(|| rng.u8(..)).take(len).collect()
        }
        1 => format!(
            "{} {} {}\r\n\r\n",
            random_text(rng, 12),
            random_text(rng, 64),
            pick(rng, &["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", ""])
        )
        .into_bytes(),
        2 => {
            let mut head = format!("POST {path}{query} HTTP/1.1\r\nhost: x\r\n");
            for _ in 0..rng.usize(..8) {
                head.push_str(&format!("{}: {}\r\n", random_text(rng, 16), random_text(rng, 64)));
            }
            head.push_str("\r\n");
            head.into_bytes()
        }
        3 => {
            let length = pick(rng, &["5", "-1", "99999999999999999999", "1, 2", "abc", "0"]);
            format!(
                "POST {path}{query} HTTP/1.1\r\nhost: x\r\ncontent-length: {length}\r\n\r\n{}",
                random_text(rng, 32)
            )
            .into_bytes()
        }
        4 => format!(
            "POST {path}{query} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n{}\r\n{}\r\n",
            pick(rng, &["zz", "ffffffffffffffffff", "3", "-1", "0"]),
            random_text(rng, 16)
        )
        .into_bytes(),
        5 => {
            let authorization = pick(
                rng,
                &[
                    "HMAC-SHA256 SignedHeaders=&Signature=",
                    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=%%%",
                    "HMAC-SHA256 Signature=a&Signature=b",
                    "Bearer a.b.c",
                    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOiJzb29uIn0.x",
                    "Bearer ....",
                    "Basic Zm9vOmJhcg==",
                ],
            );
            let body = pick(
                rng,
                &[
                    r#"{"createTokenWithScopes":[1,null,{}],"expiresInMinutes":1e400}"#,
                    r#"{"scopes":"chat","expiresInMinutes":-9223372036854775809}"#,
                    r#"{"token":{},"appId":[],"userId":"\u0000"}"#,
                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
                    "\u{feff}{}",
                ],
            );
            let mut target = format!("{path}{query}");
            if target.parse::<http::Uri>().is_err() || !target.starts_with('/') {
                target = format!("/identities{query}");
            }
            let mut call = Call::post(target)
                .body(body)
                .auth(common::Auth::None)
                .header("authorization", authorization);
            if rng.bool() {
                let date: String = random_text(rng, 40)
                    .chars()
                    .filter(|c| c.is_ascii_graphic() || *c == ' ')
                    .collect();
                call = call.header("x-ms-date", date);
            }
            raw_request(emulator.local_addr(), emulator.access_key(), &call)
        }
        6 => {
            // Correctly signed, so the operations themselves read the body.
            let mut body = random_json(rng, 3);
            if rng.u8(..4) == 0 {
                body.truncate(rng.usize(..=body.len()));
            }
            let id = common::encoded(known_id);
            let path = pick(
                rng,
                &[
                    "/identities".to_owned(),
                    format!("/identities/{id}/:issueAccessToken"),
                    format!("/identities/{id}/:revokeAccessTokens"),
                    "/teamsUser/:exchangeAccessToken".to_owned(),
                ]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            )
            .to_owned();
            let call = Call::post(format!("{path}?api-version={LATEST}")).body(body);
            raw_request(emulator.local_addr(), emulator.access_key(), &call)
        }
        _ => {
            let mut raw = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
            let len = rng.usize(..256);
            raw.extend(std::iter::repeat_with(|| rng.u8(..)).take(len));
            raw
        }
    }
}

/// Panics anywhere in this test binary, including in the emulator's connection tasks,
/// where Tokio would otherwise swallow them.
static PANICS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test]
async fn garbage_never_breaks_the_emulator() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let emulator = Emulator::start().await.unwrap();
    let mut rng = fastrand::Rng::with_seed(0x0ac5_e6a1);
    let known_id = create_user(&emulator).await;

    for round in 0..GARBAGE_REQUESTS {
        let bytes = garbage(&mut rng, &emulator, &known_id);
        let received = exchange(&emulator, &bytes).await;
        assert_ne!(
            status(&received),
            Some(500),
            "round {round}: {:?} got {:?}",
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&received)
        );
    }

    let id = create_user(&emulator).await;
    assert!(emulator.identity_exists(&id));
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the emulator panicked");
}

#[tokio::test]
async fn oversized_heads_get_431() {
    let emulator = Emulator::start().await.unwrap();
    let many_headers: String = (0..150).map(|i| format!("x-h{i}: v\r\n")).collect();
    let cases = [
        format!("POST /identities HTTP/1.1\r\nhost: x\r\n{many_headers}\r\n"),
        format!(
            "POST /identities HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
            "a".repeat(40 * 1024)
        ),
        format!(
            "POST /{} HTTP/1.1\r\nhost: x\r\n\r\n",
            "a".repeat(40 * 1024)
        ),
    ];
    for case in cases {
        let received = exchange(&emulator, case.as_bytes()).await;
        assert_eq!(status(&received), Some(431), "{:?}", &case[..60]);
    }
    create_user(&emulator).await;
}

#[tokio::test]
async fn a_declared_oversized_body_gets_413_without_being_read() {
    let emulator = Emulator::start().await.unwrap();
    let head = format!(
        "POST /identities?api-version={LATEST} HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000000\r\n\r\n"
    );
    let received = exchange(&emulator, head.as_bytes()).await;
    assert_eq!(status(&received), Some(413));
    assert!(String::from_utf8_lossy(&received).contains("RequestEntityTooLarge"));
}

#[tokio::test(start_paused = true)]
async fn slow_clients_are_cut_off() {
    // Paused time: the emulator's own deadline is the next timer, so the runtime jumps to
    // it as soon as both sides wait.
    let emulator = Emulator::builder()
        .header_read_timeout(Duration::from_secs(10))
        .start()
        .await
        .unwrap();

    for partial in [
        &b""[..],
        b"POS",
        b"POST /identities HTTP/1.1\r\nhost: x\r\n",
    ] {
        let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
        stream.write_all(partial).await.unwrap();
        let mut received = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(3600), stream.read_to_end(&mut received));
        read.await
            .expect("the slow connection was never closed")
            .ok();
        assert_ne!(status(&received), Some(201), "{partial:?}");
    }
    create_user(&emulator).await;
}

#[tokio::test]
async fn zero_limits_are_refused() {
    let zero_timeout = Emulator::builder()
        .header_read_timeout(Duration::ZERO)
        .start()
        .await;
    assert!(matches!(
        zero_timeout,
        Err(acs_emulator::Error::InvalidConfig(_))
    ));
    let zero_connections = Emulator::builder().max_connections(0).start().await;
    assert!(matches!(
        zero_connections,
        Err(acs_emulator::Error::InvalidConfig(_))
    ));
}
