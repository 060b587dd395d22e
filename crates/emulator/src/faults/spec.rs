//! Reading a [`FaultRule`] from the `--fault` grammar.
//!
//! A spec is a comma-separated list of `key=value` pairs: conditions (`op`, `first`,
//! `fraction`) and the fault (`kind`, `status` and one retry hint). A value may be put in
//! double quotes to hold commas (`retry-after="81,120"`). The grammar is written out in the
//! [module docs](crate::faults); this file only parses it, and every refusal names the
//! offending pair.

use std::fmt;
use std::str::FromStr;

use http::HeaderValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::rule::{Fault, FaultRule, FaultWhen, RetryAfterHint};
use crate::envelope::truncate;
use crate::operation::Operation;

/// The keys the grammar knows, in the order the docs list them.
const KEYS: [&str; 9] = [
    "op",
    "first",
    "fraction",
    "kind",
    "status",
    "retry-after",
    "retry-after-date",
    "retry-after-ms",
    "x-ms-retry-after-ms",
];

/// The status of `kind=status` when none is given.
const DEFAULT_STATUS: u16 = 503;
/// The status of `kind=html` when none is given.
const DEFAULT_HTML_STATUS: u16 = 502;

/// Why a `--fault` spec was refused. The message names the pair at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpecError {
    message: String,
}

impl FaultSpecError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FaultSpecError {}

/// The fault keys of a spec, before they are combined.
#[derive(Default)]
struct FaultParts {
    kind: Option<Kind>,
    status: Option<u16>,
    hint: Option<RetryAfterHint>,
}

impl FromStr for FaultRule {
    type Err = FaultSpecError;

    /// Parses a spec such as `op=create,first=2,status=503,retry-after=0.941641`.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut when = FaultWhen::default();
        let mut parts = FaultParts::default();
        let mut seen: Vec<&'static str> = Vec::new();

        for item in split_items(spec)? {
            let (key, value) = item.split_once('=').ok_or_else(|| {
                FaultSpecError::new(format!(
                    "'{}' is not key=value (known keys: {})",
                    truncate(item.trim()),
                    KEYS.join(", ")
                ))
            })?;
            let key = known_key(key)?;
            if seen.contains(&key) {
                return Err(FaultSpecError::new(format!("'{key}' is given twice")));
            }
            seen.push(key);
            let value = unquote(key, value)?;
            apply(key, value, &mut when, &mut parts)?;
        }

        Ok(FaultRule::new(when, parts.into_fault()?))
    }
}

/// Splits on commas outside double quotes; refuses empty specs, empty items and an open
/// quote.
fn split_items(spec: &str) -> Result<Vec<&str>, FaultSpecError> {
    if spec.trim().is_empty() {
        return Err(FaultSpecError::new(
            "the fault spec is empty (e.g. status=503 or kind=reset)",
        ));
    }
    let mut items = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (index, ch) in spec.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                items.push(&spec[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(FaultSpecError::new("a double quote is not closed"));
    }
    items.push(&spec[start..]);
    if items.iter().any(|item| item.trim().is_empty()) {
        return Err(FaultSpecError::new(
            "the fault spec has an empty item (two commas in a row, or one at an end)",
        ));
    }
    Ok(items)
}

fn known_key(key: &str) -> Result<&'static str, FaultSpecError> {
    let key = key.trim();
    KEYS.into_iter()
        .find(|known| known.eq_ignore_ascii_case(key))
        .ok_or_else(|| {
            FaultSpecError::new(format!(
                "unknown key '{}' (known keys: {})",
                truncate(key),
                KEYS.join(", ")
            ))
        })
}

/// The value without surrounding whitespace and quotes; quotes only around a whole value.
fn unquote<'a>(key: &str, value: &'a str) -> Result<&'a str, FaultSpecError> {
    let value = value.trim();
    let inner = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'));
    match inner {
        Some(inner) if !inner.contains('"') => Ok(inner),
        None if !value.contains('"') => Ok(value),
        _ => Err(FaultSpecError::new(format!(
            "the value of '{key}' must be quoted as a whole (\"…\") or not at all"
        ))),
    }
}

fn apply(
    key: &'static str,
    value: &str,
    when: &mut FaultWhen,
    parts: &mut FaultParts,
) -> Result<(), FaultSpecError> {
    let invalid = |expected: &str| {
        FaultSpecError::new(format!("{key}={}: expected {expected}", truncate(value)))
    };
    let set_hint = |parts: &mut FaultParts, hint| {
        if parts.hint.replace(hint).is_some() {
            return Err(FaultSpecError::new(
                "give at most one of retry-after, retry-after-date, retry-after-ms and x-ms-retry-after-ms",
            ));
        }
        Ok(())
    };

    match key {
        "op" => {
            let op = value.parse::<Operation>().map_err(|_| {
                invalid(
                    "create, delete, issue, revoke, exchange, get, extension-exchange, \
                         assignment-get, assignment-put or assignment-delete",
                )
            })?;
            when.operation = Some(op);
        }
        "first" => {
            when.first = Some(value.parse().map_err(|_| invalid("a whole number"))?);
        }
        "fraction" => {
            let fraction: f64 = value
                .parse()
                .ok()
                .filter(|f: &f64| (0.0..=1.0).contains(f))
                .ok_or_else(|| invalid("a number from 0 to 1"))?;
            when.fraction = Some(fraction);
        }
        "kind" => parts.kind = Some(Kind::parse(value)?),
        "status" => {
            let status = value
                .parse()
                .ok()
                .filter(|s: &u16| (400..=599).contains(s))
                .ok_or_else(|| invalid("a status code from 400 to 599"))?;
            parts.status = Some(status);
        }
        "retry-after" => {
            HeaderValue::from_str(value).map_err(|_| invalid("text allowed in a header"))?;
            set_hint(parts, RetryAfterHint::Seconds(value.to_owned()))?;
        }
        "retry-after-date" => {
            let at = OffsetDateTime::parse(value, &Rfc3339)
                .ok()
                .or_else(|| crate::http_date::parse(value))
                .ok_or_else(|| {
                    invalid("an RFC 3339 time or a quoted HTTP date (\"Wed, 21 Oct 2015 07:28:00 GMT\")")
                })?;
            set_hint(parts, RetryAfterHint::HttpDate(at))?;
        }
        "retry-after-ms" => {
            let ms = value.parse().map_err(|_| invalid("whole milliseconds"))?;
            set_hint(parts, RetryAfterHint::Millis(ms))?;
        }
        _ => {
            let ms = value.parse().map_err(|_| invalid("whole milliseconds"))?;
            set_hint(parts, RetryAfterHint::XMsMillis(ms))?;
        }
    }
    Ok(())
}

/// The value of `kind`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Reset,
    ResetAfter,
    Hang,
    Truncate,
    Html,
}

impl Kind {
    const ALL: [(Kind, &'static str); 6] = [
        (Kind::Status, "status"),
        (Kind::Reset, "reset"),
        (Kind::ResetAfter, "reset-after"),
        (Kind::Hang, "hang"),
        (Kind::Truncate, "truncate"),
        (Kind::Html, "html"),
    ];

    fn parse(text: &str) -> Result<Self, FaultSpecError> {
        Self::ALL
            .into_iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
            .map(|(kind, _)| kind)
            .ok_or_else(|| {
                FaultSpecError::new(format!(
                    "unknown kind '{}' (expected status, reset, reset-after, hang, truncate or html)",
                    truncate(text)
                ))
            })
    }

    fn name(self) -> &'static str {
        Self::ALL
            .into_iter()
            .find(|(kind, _)| *kind == self)
            .map_or("status", |(_, name)| name)
    }
}

impl FaultParts {
    /// The fault the keys describe: `kind` when given, else a status answer when a status
    /// or a retry hint is given.
    fn into_fault(self) -> Result<Fault, FaultSpecError> {
        let kind = match (self.kind, &self.status, &self.hint) {
            (Some(kind), _, _) => kind,
            (None, None, None) => {
                return Err(FaultSpecError::new(
                    "the spec names no fault: add kind=… (status, reset, reset-after, hang, truncate, html) or status=…",
                ));
            }
            (None, _, _) => Kind::Status,
        };
        if kind != Kind::Status && self.hint.is_some() {
            return Err(FaultSpecError::new(format!(
                "a retry hint goes only with kind=status, not kind={}",
                kind.name()
            )));
        }
        if !matches!(kind, Kind::Status | Kind::Html) && self.status.is_some() {
            return Err(FaultSpecError::new(format!(
                "status= goes only with kind=status or kind=html, not kind={}",
                kind.name()
            )));
        }

        Ok(match kind {
            Kind::Status => Fault::Status {
                status: self.status.unwrap_or(DEFAULT_STATUS),
                retry_after: self.hint,
            },
            Kind::Html => Fault::HtmlErrorPage {
                status: self.status.unwrap_or(DEFAULT_HTML_STATUS),
            },
            Kind::Reset => Fault::ResetConnection,
            Kind::ResetAfter => Fault::ResetAfterProcessing,
            Kind::Hang => Fault::Hang,
            Kind::Truncate => Fault::TruncatedBody,
        })
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
