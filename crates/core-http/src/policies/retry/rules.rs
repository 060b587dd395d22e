//! Which outcomes of an attempt may be retried.
//!
//! One function, [`may_retry`], holds the whole decision table documented on
//! [`crate::policies::retry`]; the policy around it only counts attempts and keeps time.
//! The table is written out once so that the documentation, the tests and the code cannot
//! drift apart.

use http::StatusCode;

use super::retry_after::has_retry_hint;
use crate::{Error, ErrorKind, Response, Result, SendState};

/// Whether `outcome` may be retried, for a call that is (or is not) `idempotent`, with the
/// retryable `status_codes` of the options.
pub(crate) fn may_retry(
    outcome: &Result<Response>,
    idempotent: bool,
    status_codes: &[StatusCode],
) -> bool {
    match outcome {
        Ok(response) => {
            let status = response.status();
            if !status_codes.contains(&status) {
                return false;
            }
            // A throttling answer that names a wait was turned away before the service
            // acted, so even a create may be repeated.
            idempotent || (is_throttling(status) && has_retry_hint(response.headers()))
        }
        Err(error) => {
            is_transport_failure(error) && (idempotent || error.send_state() == SendState::NotSent)
        }
    }
}

/// 429 and 503: the statuses whose wait headers the policy honours.
pub(crate) fn is_throttling(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
}

fn is_transport_failure(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Connection | ErrorKind::Io | ErrorKind::Timeout
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::RetryOptions;
    use http::{HeaderMap, HeaderValue};

    fn status(code: u16, hint: Option<(&'static str, &'static str)>) -> Result<Response> {
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = hint {
            headers.insert(name, HeaderValue::from_static(value));
        }
        Ok(Response::new(
            StatusCode::from_u16(code).unwrap(),
            headers,
            "",
        ))
    }

    fn failure(kind: ErrorKind, state: SendState) -> Result<Response> {
        Err(Error::new(kind, "scripted").with_send_state(state))
    }

    /// (idempotent, non-idempotent) verdicts with the default status list.
    fn verdicts(outcome: &Result<Response>) -> (bool, bool) {
        let codes = RetryOptions::default().status_codes;
        (
            may_retry(outcome, true, &codes),
            may_retry(outcome, false, &codes),
        )
    }

    #[test]
    fn statuses_follow_the_table() {
        for code in [408, 500, 502, 504] {
            assert_eq!(verdicts(&status(code, None)), (true, false), "{code}");
            let hinted = status(code, Some(("retry-after", "1")));
            assert_eq!(verdicts(&hinted), (true, false), "{code} with a hint");
        }
        for code in [429, 503] {
            assert_eq!(verdicts(&status(code, None)), (true, false), "{code}");
            for hint in [
                ("retry-after", "1"),
                ("retry-after", "abc"),
                ("retry-after-ms", "10"),
                ("x-ms-retry-after-ms", "10"),
            ] {
                assert_eq!(
                    verdicts(&status(code, Some(hint))),
                    (true, true),
                    "{code} {hint:?}"
                );
            }
        }
        for code in [200, 201, 204, 400, 401, 403, 404, 409, 501, 505] {
            let hinted = status(code, Some(("retry-after", "1")));
            assert_eq!(verdicts(&hinted), (false, false), "{code}");
        }
    }

    #[test]
    fn the_status_list_limits_both_kinds_of_call() {
        let only_500 = [StatusCode::INTERNAL_SERVER_ERROR];
        let throttled = status(503, Some(("retry-after", "1")));
        assert!(!may_retry(&throttled, true, &only_500));
        assert!(!may_retry(&throttled, false, &only_500));
        assert!(may_retry(&status(500, None), true, &only_500));
    }

    #[test]
    fn transport_failures_depend_on_whether_the_request_left() {
        for kind in [ErrorKind::Connection, ErrorKind::Io, ErrorKind::Timeout] {
            assert_eq!(
                verdicts(&failure(kind, SendState::NotSent)),
                (true, true),
                "{kind:?}"
            );
            assert_eq!(
                verdicts(&failure(kind, SendState::MaybeSent)),
                (true, false),
                "{kind:?}"
            );
        }
        for kind in [
            ErrorKind::HttpResponse,
            ErrorKind::Credential,
            ErrorKind::DataConversion,
            ErrorKind::InvalidInput,
            ErrorKind::ResponseTooLarge,
            ErrorKind::Other,
        ] {
            assert_eq!(
                verdicts(&failure(kind, SendState::NotSent)),
                (false, false),
                "{kind:?}"
            );
        }
    }
}
