//! The text form of token inputs, and an independent reading of a token's expiry.
//!
//! The `jwt_expiry` and `token_credential` targets take the same inputs, so one seed
//! corpus serves both and seeds stay readable:
//!
//! - one line: the token, verbatim;
//! - more lines: the header JSON, the claims JSON and the signature part, then optionally
//!   an `appId` and a `userId` for the Teams exchange body (default [`APP_ID`] and
//!   [`USER_ID`]; a line `-` leaves the member out). Header and claims are base64url-encoded
//!   unless the line starts with `=`, which passes the rest verbatim.
//!
//! [`strict_expiry`] is the oracle: it reads `exp` only from a token that is unambiguously
//! well formed, so whenever it answers, every decoder under test must give the same
//! instant.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use time::OffsetDateTime;

/// The application id an exchange body carries unless the input says otherwise.
pub const APP_ID: &str = "4a1f0b2c-1111-4a6b-9c3d-2e5f6a7b8c9d";
/// The user object id an exchange body carries unless the input says otherwise.
pub const USER_ID: &str = "7d3e2c1b-2222-4f5e-8a9b-0c1d2e3f4a5b";

/// A token and the exchange body members that go with it.
#[derive(Clone, Debug)]
pub struct TokenInput {
    /// The token, as a client would hold it.
    pub token: String,
    /// `appId` of the exchange body; `None` leaves it out.
    pub app_id: Option<String>,
    /// `userId` of the exchange body; `None` leaves it out.
    pub user_id: Option<String>,
}

impl TokenInput {
    /// Reads the text form described in the [module documentation](self).
    pub fn parse(text: &str) -> Self {
        let lines: Vec<&str> = text.split('\n').collect();
        if lines.len() == 1 {
            return Self {
                token: text.to_owned(),
                app_id: Some(APP_ID.to_owned()),
                user_id: Some(USER_ID.to_owned()),
            };
        }
        let part = |index: usize| {
            let line = lines.get(index).copied().unwrap_or_default();
            match line.strip_prefix('=') {
                Some(verbatim) => verbatim.to_owned(),
                None => URL_SAFE_NO_PAD.encode(line),
            }
        };
        let member = |index: usize, default: &str| match lines.get(index).copied() {
            None => Some(default.to_owned()),
            Some("-") => None,
            Some(value) => Some(value.to_owned()),
        };
        let signature = lines.get(2).copied().unwrap_or_default();
        Self {
            token: format!("{}.{}.{signature}", part(0), part(1)),
            app_id: member(3, APP_ID),
            user_id: member(4, USER_ID),
        }
    }
}

/// The claims the oracle reads; a duplicate of any of them makes the token ambiguous
/// (RFC 7519 lets a reader refuse it or take the last), so the oracle gives no answer.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Unambiguous {
    exp: Option<IgnoredAny>,
    appid: Option<IgnoredAny>,
    azp: Option<IgnoredAny>,
    oid: Option<IgnoredAny>,
}

/// The claims of a token with exactly three parts whose header and claims are
/// base64url (no padding) of JSON objects, with no duplicated `exp`, `appid`, `azp` or `oid`.
pub fn strict_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, _] = parts.as_slice() else {
        return None;
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    let header = decode(header)?;
    let claims = decode(claims)?;
    if !matches!(serde_json::from_slice(&header).ok()?, Value::Object(_)) {
        return None;
    }
    serde_json::from_slice::<Unambiguous>(&claims).ok()?;
    match serde_json::from_slice(&claims).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// `exp` of a [`strict_claims`] token in whole seconds (a fraction rounded down), when it
/// is a number within `time`'s range (years -9999 to 9999).
pub fn strict_expiry(token: &str) -> Option<i64> {
    let claims = strict_claims(token)?;
    let exp = claims.get("exp")?;
    let seconds = exp.as_i64().or_else(|| {
        exp.as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            .map(|f| f.floor() as i64)
    })?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    Some(seconds)
}
