use super::*;
use http::{HeaderMap, HeaderValue};

fn response(status: u16, content_type: Option<&'static str>, body: &str) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
    }
    Response::new(
        StatusCode::from_u16(status).unwrap(),
        headers,
        body.to_owned(),
    )
}

#[test]
fn reads_the_service_envelope() {
    let body = r#"{"error":{"code":"ValidationError","message":"ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.","target":"ExpiresInMinutes"}}"#;
    let error = Error::from_response(&response(400, Some("application/json"), body));
    assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    let service = error.service_error().unwrap();
    assert_eq!(service.target.as_deref(), Some("ExpiresInMinutes"));
    assert_eq!(
        error.to_string(),
        "HTTP 400 Bad Request: ValidationError: ExpiresInMinutes value 59 is invalid. \
         Value must be within the [60, 1440] interval. (target: ExpiresInMinutes)"
    );
}

#[test]
fn reads_details_and_both_inner_error_spellings() {
    let body = r#"{"error":{"code":"Outer","message":"m","details":[{"code":"D1","message":"d"},7],
        "innererror":{"code":"Inner","innerError":{"code":"Deepest"}}}}"#;
    let error = Error::from_response(&response(409, None, body));
    let service = error.service_error().unwrap();
    assert_eq!(service.details.len(), 1);
    assert_eq!(service.details[0].code, "D1");
    let inner = service.inner_error.as_ref().unwrap();
    assert_eq!(inner.code, "Inner");
    assert_eq!(inner.inner_error.as_ref().unwrap().code, "Deepest");
    assert_eq!(error.to_string(), "HTTP 409 Conflict: Outer: m");
}

#[test]
fn tolerates_mistyped_members() {
    let body = r#"{"error":{"code":"Denied","message":5,"target":null,"details":"x"}}"#;
    let error = Error::from_response(&response(401, None, body));
    assert_eq!(error.to_string(), "HTTP 401 Unauthorized: Denied");
    assert!(error.service_error().unwrap().details.is_empty());
}

#[test]
fn non_envelope_bodies_keep_the_status_without_the_content() {
    let html = "<html><body>Bad Gateway secret-looking-text</body></html>";
    let error = Error::from_response(&response(502, Some("text/html"), html));
    assert_eq!(error.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(error.service_error().is_none());
    assert_eq!(
        error.to_string(),
        format!(
            "HTTP 502 Bad Gateway: response body is not a service error (text/html, {} bytes)",
            html.len()
        )
    );

    for body in [
        r#"{"message":"x"}"#,
        r#"{"error":"text"}"#,
        r#"{"error":{}}"#,
        "[1]",
    ] {
        let error = Error::from_response(&response(500, None, body));
        assert!(error.service_error().is_none(), "{body}");
        assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    }
    let empty = Error::from_response(&response(429, None, ""));
    assert_eq!(
        empty.to_string(),
        "HTTP 429 Too Many Requests: empty response body"
    );
}

#[test]
fn keeps_the_echoed_request_id() {
    let mut response = response(404, None, "");
    response.headers_mut().insert(
        crate::headers::CLIENT_REQUEST_ID,
        HeaderValue::from_static("11111111-2222-4333-8444-555555555555"),
    );
    let error = Error::from_response(&response);
    assert_eq!(
        error.client_request_id(),
        Some("11111111-2222-4333-8444-555555555555")
    );
}

#[test]
fn plain_errors_display_kind_and_message_and_keep_source() {
    let io = std::io::Error::other("reset by peer");
    let error = Error::with_source(ErrorKind::Io, "reading the response failed", io);
    assert_eq!(error.to_string(), "I/O error: reading the response failed");
    assert_eq!(error.source().unwrap().to_string(), "reset by peer");
    assert!(error.status().is_none());
}

#[test]
fn core_auth_errors_convert_without_the_key() {
    let error: Error = acs_core_auth::AzureKeyCredential::new("@@@")
        .unwrap_err()
        .into();
    assert_eq!(error.kind(), &ErrorKind::Credential);
    assert!(!error.to_string().contains("@@@"));
    let error: Error = acs_core_auth::ConnectionString::parse("")
        .unwrap_err()
        .into();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
}

#[test]
fn errors_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
    assert!(std::mem::size_of::<Result<()>>() <= 16);
}

fn envelope(code: &str, message: &str, target: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": message, "target": target}}).to_string()
}

#[test]
fn a_huge_service_message_is_shortened_in_display_and_debug_but_kept_whole() {
    let message = "m".repeat(5 * 1024 * 1024);
    let body = envelope("Big", &message, "t");
    let error = Error::from_response(&response(400, Some("application/json"), &body));

    let shown = error.to_string();
    assert!(
        shown.len() < 2 * ServiceError::DISPLAY_LIMIT,
        "{}",
        shown.len()
    );
    assert!(
        shown.starts_with(&format!(
            "HTTP 400 Bad Request: Big: {}",
            "m".repeat(ServiceError::DISPLAY_LIMIT)
        )),
        "{shown:.80}"
    );
    assert!(
        shown.ends_with("… (5242880 bytes in all) (target: t)"),
        "{}",
        &shown[shown.len() - 60..]
    );
    let debug = format!("{error:?}");
    assert!(
        debug.len() < 3 * ServiceError::DISPLAY_LIMIT,
        "{}",
        debug.len()
    );
    assert!(debug.contains("5242880 bytes in all"), "{debug:.80}");

    // The whole text stays available.
    assert_eq!(error.service_error().unwrap().message, message);
}

#[test]
fn shortening_cuts_on_a_character_boundary_and_covers_code_and_target() {
    // 3-byte characters: 1024 is not a multiple of 3, so the cut must step back.
    let message = "€".repeat(1000);
    let code = "C".repeat(5000);
    let target = "T".repeat(5000);
    let error = Error::from_response(&response(409, None, &envelope(&code, &message, &target)));
    let shown = error.to_string();
    let expected_message = "€".repeat(ServiceError::DISPLAY_LIMIT / 3);
    assert!(
        shown.contains(&format!("{expected_message}… (3000 bytes in all)")),
        "{shown}"
    );
    assert!(shown.contains("… (5000 bytes in all): "), "{shown}");
    assert!(shown.ends_with("… (5000 bytes in all))"), "{shown}");
    assert!(shown.len() < 4 * ServiceError::DISPLAY_LIMIT);

    // Exactly at the limit nothing is cut.
    let message = "x".repeat(ServiceError::DISPLAY_LIMIT);
    let error = Error::from_response(&response(400, None, &envelope("C", &message, "t")));
    assert_eq!(
        error.to_string(),
        format!("HTTP 400 Bad Request: C: {message} (target: t)")
    );
}

#[test]
fn an_unexpected_success_status_names_the_operation_and_both_statuses() {
    let mut answer = response(
        202,
        Some("application/json"),
        r#"{"identity":{"id":"8:acs:u"}}"#,
    );
    answer.headers_mut().insert(
        crate::headers::CLIENT_REQUEST_ID,
        HeaderValue::from_static("11111111-2222-4333-8444-555555555555"),
    );
    let error = Error::unexpected_status(&answer, "create_user", StatusCode::CREATED);
    assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    assert_eq!(error.status(), Some(StatusCode::ACCEPTED));
    assert_eq!(
        error.to_string(),
        "unexpected status 202 Accepted from create_user (expected 201 Created)"
    );
    assert_eq!(
        error.client_request_id(),
        Some("11111111-2222-4333-8444-555555555555")
    );
    assert!(format!("{error:?}").contains("202"));
}

#[test]
fn endpoint_errors_are_invalid_input() {
    let error: Error = acs_core_auth::parse_endpoint("https://x:0/")
        .unwrap_err()
        .into();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    assert!(error.to_string().contains("port is 0"), "{error}");
}
