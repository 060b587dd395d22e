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
