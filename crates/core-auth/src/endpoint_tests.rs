use super::*;
use proptest::prelude::*;

type E = EndpointError;

#[test]
fn accepts_resource_roots() {
    for (input, expected) in [
        (
            "https://contoso.communication.azure.com/",
            "https://contoso.communication.azure.com/",
        ),
        (
            "https://contoso.communication.azure.com",
            "https://contoso.communication.azure.com/",
        ),
        ("  http://127.0.0.1:8080  ", "http://127.0.0.1:8080/"),
        ("http://[::1]:65535/", "http://[::1]:65535/"),
        ("HTTPS://Contoso.Example/", "https://contoso.example/"),
    ] {
        assert_eq!(parse_endpoint(input).unwrap().as_str(), expected, "{input}");
    }
}

#[test]
fn control_characters_are_refused_anywhere() {
    for (input, code_point, position) in [
        ("https://con\ttoso.example/", 0x09, 11),
        ("https://contoso.example/\n", 0x0a, 24),
        ("\rhttps://contoso.example/", 0x0d, 0),
        ("https://contoso\0.example/", 0x00, 15),
        ("https://contoso.example:80\x1b/", 0x1b, 26),
        ("https://contoso\u{7f}.example/", 0x7f, 15),
        ("https://contoso\u{85}.example/", 0x85, 15),
        ("https://contoso\u{9f}.example/", 0x9f, 15),
    ] {
        assert_eq!(
            parse_endpoint(input),
            Err(E::ControlCharacter {
                code_point,
                position
            }),
            "{input:?}"
        );
    }
    let message = parse_endpoint("https://a\tb/").unwrap_err().to_string();
    assert!(message.contains("U+0009"), "{message}");
}

#[test]
fn byte_order_marks_and_invisible_characters_are_named() {
    assert_eq!(
        parse_endpoint("\u{feff}https://contoso.example/"),
        Err(E::LeadingByteOrderMark)
    );
    assert!(
        E::LeadingByteOrderMark
            .to_string()
            .contains("byte order mark")
    );
    for (input, code_point) in [
        ("https://contoso\u{feff}.example/", 0xfeff),
        ("https://con\u{ad}toso.example/", 0xad),
        ("https://con\u{200b}toso.example/", 0x200b),
        ("https://contoso.example\u{202e}/", 0x202e),
    ] {
        assert!(
            matches!(
                parse_endpoint(input),
                Err(E::InvisibleCharacter { code_point: found, .. }) if found == code_point
            ),
            "{input:?}"
        );
    }
}

#[test]
fn ports_hosts_and_shapes() {
    assert_eq!(parse_endpoint("https://contoso:0/"), Err(E::PortZero));
    assert_eq!(parse_endpoint("http://127.0.0.1:0"), Err(E::PortZero));
    assert!(parse_endpoint("https://contoso:1/").is_ok());

    let label = "a".repeat(63);
    let longest = format!("{label}.{label}.{label}.{}", "b".repeat(61));
    assert_eq!(longest.len(), 253);
    assert!(parse_endpoint(&format!("https://{longest}/")).is_ok());
    assert_eq!(
        parse_endpoint(&format!("https://{longest}c/")),
        Err(E::HostTooLong { length: 254 })
    );
    assert_eq!(
        parse_endpoint(&format!("https://{}/", "x".repeat(100_000))),
        Err(E::HostTooLong { length: 100_000 })
    );

    for (input, expected) in [
        ("", E::Empty),
        ("   ", E::Empty),
        ("https://", E::MissingHost),
        ("https://user:pw@contoso/", E::UserInfo),
        ("https://user@contoso/", E::UserInfo),
        ("https://contoso/?", E::Query),
        ("https://contoso/?a=b", E::Query),
        ("https://contoso/#", E::Fragment),
        ("https://contoso/identities", E::Path { length: 11 }),
        ("https://contoso//", E::Path { length: 2 }),
    ] {
        assert_eq!(parse_endpoint(input), Err(expected), "{input:?}");
    }
    for input in ["not a url", "/relative", "contoso.communication.azure.com"] {
        let error = parse_endpoint(input).unwrap_err();
        assert!(matches!(error, E::Malformed { .. }), "{input}: {error:?}");
        assert!(error.to_string().contains("absolute URL"), "{error}");
    }
    for input in ["ftp://contoso/", "mailto:someone@example.com", "data:,x"] {
        let error = parse_endpoint(input).unwrap_err();
        assert!(
            matches!(error, E::UnsupportedScheme { .. }),
            "{input}: {error:?}"
        );
    }
}

#[test]
fn errors_never_repeat_credentials_paths_or_long_schemes() {
    let error = parse_endpoint("https://user:hunter2@contoso/").unwrap_err();
    assert!(!format!("{error} {error:?}").contains("hunter2"));

    // A key pasted after the endpoint without its `;` lands in the path.
    let error = parse_endpoint("https://contoso/accesskey=c2VjcmV0").unwrap_err();
    assert!(
        !format!("{error} {error:?}").contains("c2VjcmV0"),
        "{error}"
    );
    assert!(error.to_string().contains("without a path"), "{error}");

    let long = "s".repeat(17);
    let error = parse_endpoint(&format!("{long}://contoso/")).unwrap_err();
    assert_eq!(
        error,
        E::UnsupportedScheme {
            scheme: "…".to_owned()
        }
    );
    assert!(
        parse_endpoint("ftp://x/")
            .unwrap_err()
            .to_string()
            .contains("`ftp`")
    );
}

proptest! {
    #[test]
    fn never_panics(input in any::<String>()) {
        let _ = parse_endpoint(&input);
    }

    #[test]
    fn accepted_endpoints_are_stable(input in "[ -~\u{80}-\u{3000}]{0,40}") {
        // Whatever is accepted parses back to itself from its serialised form, so
        // the rule holds for the URL a client keeps as well as for what the user typed.
        if let Ok(url) = parse_endpoint(&input) {
            prop_assert_eq!(parse_endpoint(url.as_str()), Ok(url.clone()));
        }
    }
}
