use super::*;
use crate::EndpointError;
use base64::Engine as _;
use proptest::prelude::*;

type E = ConnectionStringError;

#[test]
fn parses_the_documented_forms() {
    let parsed =
        ConnectionString::parse("endpoint=https://contoso.communication.azure.com/;accesskey=ab==")
            .unwrap();
    assert_eq!(
        parsed.endpoint().as_str(),
        "https://contoso.communication.azure.com/"
    );
    assert_eq!(parsed.access_key().expose(), "ab==");

    let parsed =
        ConnectionString::parse("Endpoint=https://x.communication.azure.com;AccessKey=YWJj;")
            .unwrap();
    assert_eq!(
        parsed.endpoint().host_str(),
        Some("x.communication.azure.com")
    );
    assert_eq!(parsed.credential().decoded_key().as_slice(), b"abc");

    let parsed = ConnectionString::parse("accesskey=YWJj;endpoint=https://x/").unwrap();
    assert_eq!(parsed.endpoint().as_str(), "https://x/");
}

#[test]
fn trims_ignores_unknown_and_empty_segments() {
    let parsed = ConnectionString::parse(
        " ;ENDPOINT = http://127.0.0.1:8080/ ; other=1;; accessKey = YWI= ; ",
    )
    .unwrap();
    assert_eq!(parsed.endpoint().as_str(), "http://127.0.0.1:8080/");
    assert_eq!(parsed.access_key().expose(), "YWI=");
    let parsed: ConnectionString = "endpoint=https://x/;accesskey=a2V5PXZhbA=="
        .parse()
        .unwrap();
    assert_eq!(parsed.access_key().expose(), "a2V5PXZhbA==");
}

#[test]
fn each_problem_has_its_own_error() {
    let cases = [
        ("", E::Empty),
        ("   ", E::Empty),
        ("endpoint=https://x/", E::MissingAccessKey),
        ("accesskey=YWJj", E::MissingEndpoint),
        ("endpoint=https://x/;accesskey=@@@", E::AccessKeyNotBase64),
        ("endpoint=https://x/;accesskey=", E::EmptyAccessKey),
        (
            "endpoint=https://x/;accesskey=YWJj;accesskey=YWJj",
            E::Duplicate { name: "accesskey" },
        ),
        (
            "endpoint=https://x/;Endpoint=https://y/;accesskey=YWJj",
            E::Duplicate { name: "endpoint" },
        ),
        (
            "endpoint=https://x/;YWJj",
            E::SegmentWithoutEquals { index: 1 },
        ),
        (
            "=YWJj;endpoint=https://x/",
            E::SegmentWithoutName { index: 0 },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            ConnectionString::parse(input).unwrap_err(),
            expected,
            "{input:?}"
        );
    }
}

#[test]
fn invalid_endpoints_are_named() {
    for endpoint in [
        "not a url",
        "",
        "ftp://x/",
        "https://user:pw@x/",
        "https://x/?a=b",
        "mailto:someone@example.com",
        "/relative",
    ] {
        let input = format!("endpoint={endpoint};accesskey=YWJj");
        let err = ConnectionString::parse(&input).unwrap_err();
        assert!(
            matches!(err, E::InvalidEndpoint { .. }),
            "{endpoint:?}: {err:?}"
        );
    }
}

#[test]
fn the_endpoint_follows_the_shared_rule() {
    let endpoint_error = |endpoint: &str| match ConnectionString::parse(&format!(
        "endpoint={endpoint};accesskey=YWJj"
    )) {
        Err(E::InvalidEndpoint { reason }) => reason,
        other => panic!("{endpoint:?}: {other:?}"),
    };
    for endpoint in [
        "https://x/identities",
        "https://x/\t",
        "https://x/\n",
        "https://x/\r",
        "https://x\0/",
        "https://x:0/",
        "https://x\u{feff}/",
        "\u{feff}https://x/",
    ] {
        let reason = endpoint_error(endpoint);
        assert_eq!(Err(reason), crate::parse_endpoint(endpoint), "{endpoint:?}");
    }
    assert!(matches!(
        endpoint_error("https://x/identities"),
        EndpointError::Path { .. }
    ));
    assert!(matches!(
        endpoint_error("https://x/\n"),
        EndpointError::ControlCharacter {
            code_point: 0x0a,
            ..
        }
    ));
    assert_eq!(endpoint_error("https://x:0/"), EndpointError::PortZero);
    assert_eq!(
        endpoint_error(&format!("https://{}/", "h".repeat(254))),
        EndpointError::HostTooLong { length: 254 }
    );
    let message = ConnectionString::parse("endpoint=https://x/a;accesskey=YWJj")
        .unwrap_err()
        .to_string();
    assert!(message.contains("without a path"), "{message}");
}

#[test]
fn a_leading_byte_order_mark_has_its_own_error() {
    for input in [
        "\u{feff}endpoint=https://x/;accesskey=YWJj",
        " \u{feff}endpoint=https://x/;accesskey=YWJj",
        "\u{feff}",
    ] {
        assert_eq!(
            ConnectionString::parse(input),
            Err(E::LeadingByteOrderMark),
            "{input:?}"
        );
    }
    let error = ConnectionString::parse("endpoint=\u{feff}https://x/;accesskey=YWJj");
    assert_eq!(
        error,
        Err(E::InvalidEndpoint {
            reason: EndpointError::LeadingByteOrderMark
        })
    );
}

#[test]
fn spaces_around_the_endpoint_are_trimmed_but_control_characters_are_not() {
    let parsed = ConnectionString::parse("endpoint=  https://x/  ;accesskey=\tYWJj\r\n").unwrap();
    assert_eq!(parsed.endpoint().as_str(), "https://x/");
    assert_eq!(parsed.access_key().expose(), "YWJj");
    assert!(ConnectionString::parse("endpoint=\thttps://x/;accesskey=YWJj").is_err());
}

#[test]
fn errors_and_debug_never_show_the_key() {
    let key = "c2VjcmV0LWtleS12YWx1ZQ==";
    for input in [
        format!("accesskey={key}"),
        format!("endpoint=nope;accesskey={key}"),
        format!("endpoint=https://x/;accesskey={key};accesskey={key}"),
        format!("endpoint=https://x/;accesskey={key}!"),
        format!("endpoint=https://x/;{key}"),
    ] {
        let err = ConnectionString::parse(&input).unwrap_err();
        assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
        assert!(!format!("{err:?}").contains("c2VjcmV0"), "{err:?}");
    }
    let parsed = ConnectionString::parse(&format!("endpoint=https://x/;accesskey={key}")).unwrap();
    assert!(!format!("{parsed:?}").contains("c2VjcmV0"));
}

proptest! {
    #[test]
    fn the_endpoint_rule_is_the_shared_one(endpoint in "[ -:<-~\t\n\r\u{0}\u{feff}\u{a0}-\u{3000}]{0,40}") {
        // `;` is left out: it would end the setting.
        let input = format!("endpoint={endpoint};accesskey=YWJj");
        match (ConnectionString::parse(&input), crate::parse_endpoint(&endpoint)) {
            (Ok(parsed), Ok(url)) => prop_assert_eq!(parsed.endpoint(), &url),
            (Err(E::InvalidEndpoint { reason }), Err(expected)) => {
                prop_assert_eq!(reason, expected);
            }
            (left, right) => prop_assert!(false, "{:?} vs {:?}", left, right),
        }
    }

    #[test]
    fn parse_never_panics(input in any::<String>()) {
        let _ = ConnectionString::parse(&input);
    }

    #[test]
    fn parse_never_panics_on_near_misses(
        input in "(endpoint|accesskey|Endpoint|x)?=?[a-zA-Z0-9:/.=+@ ;]{0,40}"
    ) {
        let _ = ConnectionString::parse(&input);
    }

    #[test]
    fn valid_pairs_round_trip(
        host in "[a-z][a-z0-9-]{0,20}(\\.[a-z][a-z0-9]{0,10}){0,3}",
        port in proptest::option::of(1u16..),
        key in proptest::collection::vec(any::<u8>(), 1..64),
        key_first in any::<bool>(),
    ) {
        // A label with `--` in its third and fourth place (`xn--…`) is an IDNA name that the
        // URL parser rightly refuses when it is not valid punycode; those are not "valid
        // pairs", so they are left to the tests of invalid endpoints.
        prop_assume!(!host.split('.').any(|label| label.get(2..4) == Some("--")));
        let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
        let endpoint = match port {
            Some(port) => format!("https://{host}:{port}/"),
            None => format!("https://{host}/"),
        };
        let input = if key_first {
            format!("accesskey={encoded};endpoint={endpoint}")
        } else {
            format!("endpoint={endpoint};accesskey={encoded}")
        };
        let parsed = ConnectionString::parse(&input).unwrap();
        prop_assert_eq!(parsed.endpoint().host_str(), Some(host.as_str()));
        prop_assert_eq!(parsed.access_key().expose(), encoded.as_str());
        let decoded = parsed.credential().decoded_key();
        prop_assert_eq!(decoded.as_slice(), key.as_slice());
    }
}
