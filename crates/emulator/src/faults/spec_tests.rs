//! Tests of the `--fault` grammar: every key, the defaults, the refusals, and that a rule
//! printed with `Display` parses back to itself.

use time::macros::datetime;

use super::*;

fn parse(spec: &str) -> FaultRule {
    spec.parse()
        .unwrap_or_else(|e| panic!("{spec:?} did not parse: {e}"))
}

fn refusal(spec: &str) -> String {
    match spec.parse::<FaultRule>() {
        Ok(rule) => panic!("{spec:?} parsed as {rule:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn parses_the_documented_examples() {
    assert_eq!(
        parse("op=create,first=2,status=503,retry-after=0.941641"),
        FaultRule::new(
            FaultWhen::default().on(Operation::CreateIdentity).first(2),
            Fault::status_with_hint(503, RetryAfterHint::Seconds("0.941641".into())),
        )
    );
    assert_eq!(
        parse("fraction=0.05,kind=reset"),
        FaultRule::new(FaultWhen::default().fraction(0.05), Fault::ResetConnection)
    );
    assert_eq!(parse("kind=hang"), FaultRule::always(Fault::Hang));
    assert_eq!(
        parse("kind=truncate"),
        FaultRule::always(Fault::TruncatedBody)
    );
    assert_eq!(
        parse("kind=reset-after,op=create"),
        FaultRule::new(
            FaultWhen::default().on(Operation::CreateIdentity),
            Fault::ResetAfterProcessing
        )
    );
    assert_eq!(
        parse("kind=html,status=502"),
        FaultRule::always(Fault::HtmlErrorPage { status: 502 })
    );
    assert_eq!(
        parse("retry-after-ms=20"),
        FaultRule::always(Fault::status_with_hint(503, RetryAfterHint::Millis(20)))
    );
    assert_eq!(
        parse("status=429,x-ms-retry-after-ms=5"),
        FaultRule::always(Fault::status_with_hint(429, RetryAfterHint::XMsMillis(5)))
    );
}

#[test]
fn defaults_keys_case_whitespace_and_quotes() {
    assert_eq!(
        parse("kind=html"),
        FaultRule::always(Fault::HtmlErrorPage { status: 502 })
    );
    assert_eq!(
        parse(" OP = Issue , Status = 500 "),
        FaultRule::new(
            FaultWhen::default().on(Operation::IssueAccessToken),
            Fault::status(500)
        )
    );
    assert_eq!(
        parse("retry-after=\"81,120\""),
        FaultRule::always(Fault::status_with_hint(
            503,
            RetryAfterHint::Seconds("81,120".into())
        ))
    );
    assert_eq!(
        parse("retry-after=-1,status=429"),
        FaultRule::always(Fault::status_with_hint(
            429,
            RetryAfterHint::Seconds("-1".into())
        ))
    );
}

#[test]
fn dates_read_as_rfc_3339_or_quoted_http_dates() {
    let expected = FaultRule::always(Fault::status_with_hint(
        503,
        RetryAfterHint::HttpDate(datetime!(2015-10-21 07:28:00 UTC)),
    ));
    assert_eq!(parse("retry-after-date=2015-10-21T07:28:00Z"), expected);
    assert_eq!(
        parse("retry-after-date=\"Wed, 21 Oct 2015 07:28:00 GMT\""),
        expected
    );
}

#[test]
fn display_round_trips() {
    for spec in [
        "op=create,first=2,status=503,retry-after=0.941641",
        "fraction=0.05,kind=reset",
        "op=delete,fraction=1,kind=reset-after",
        "kind=hang",
        "first=0,kind=truncate",
        "op=exchange,kind=html,status=504",
        "status=429,retry-after=\"81,120\"",
        "status=503,retry-after-date=\"Wed, 21 Oct 2015 07:28:00 GMT\"",
        "op=revoke,status=500,retry-after-ms=20",
        "status=502,x-ms-retry-after-ms=7",
    ] {
        let rule = parse(spec);
        assert_eq!(rule.to_string(), spec);
        assert_eq!(parse(&rule.to_string()), rule);
    }
}

#[test]
fn refusals_name_the_problem() {
    let cases = [
        ("", "empty"),
        ("   ", "empty"),
        ("op=create", "names no fault"),
        ("first=2,,kind=reset", "empty item"),
        ("kind=reset,", "empty item"),
        ("kind", "not key=value"),
        ("colour=red,kind=reset", "unknown key 'colour'"),
        ("kind=explode", "unknown kind 'explode'"),
        ("op=list,kind=reset", "op=list"),
        ("first=-1,kind=reset", "first=-1"),
        ("first=x,kind=reset", "first=x"),
        ("fraction=1.5,kind=reset", "fraction=1.5"),
        ("fraction=NaN,kind=reset", "fraction=NaN"),
        ("status=200", "400 to 599"),
        ("status=600", "400 to 599"),
        ("status=abc", "status=abc"),
        ("kind=reset,status=503", "status= goes only"),
        ("kind=hang,retry-after=1", "retry hint goes only"),
        ("kind=html,retry-after-ms=1", "retry hint goes only"),
        ("retry-after=1,retry-after-ms=2", "at most one"),
        ("status=503,status=502", "given twice"),
        ("retry-after-ms=1.5", "whole milliseconds"),
        ("retry-after-date=yesterday", "RFC 3339"),
        ("retry-after=\"open", "not closed"),
        ("retry-after=a\"b\"", "quoted as a whole"),
    ];
    for (spec, expected) in cases {
        let message = refusal(spec);
        assert!(
            message.contains(expected),
            "{spec:?}: {message:?} lacks {expected:?}"
        );
    }
}

#[test]
fn long_values_are_cut_in_messages() {
    let spec = format!("kind={}", "x".repeat(500));
    assert!(refusal(&spec).len() < 200);
}
