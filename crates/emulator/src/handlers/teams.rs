//! `POST /teamsUser/:exchangeAccessToken`: a Teams user's Entra token for an ACS token.
//!
//! The checks run in the service's order: first the Entra token (decodable as a JWT and not
//! expired, else 401 `InvalidAccessToken`), then `appId` (present, a GUID, equal to the
//! token's `appid` claim), then `userId` (present, a GUID, equal to the `oid` claim), each
//! failure a 400 `ValidationError` with the service's message and target. The signature of
//! the Entra token is not checked — the emulator cannot know Entra's keys — but its claims
//! are. The ACS token returned expires when the Entra token does.

use acs_identity_models::CommunicationIdentityAccessToken;
use http::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Call, Reply, json_object, member, whole_seconds};
use crate::envelope::ApiError;
use crate::jwt::{self, Claims};
use crate::tokens::TokenGrant;

/// The scopes of an exchanged Teams user token.
const TEAMS_SCOPES: [&str; 2] = ["chat", "voip"];

/// The exchange.
pub(crate) fn exchange(call: &Call<'_>) -> Result<Reply, ApiError> {
    let body = json_object(call.body)?;
    let text = |name| member(body.as_ref(), name);

    let token = text("token").and_then(Value::as_str).unwrap_or_default();
    let (claims, expires_on) = valid_entra_token(token, call.now)?;

    let app_id = guid_member(text("appId"), "AppId", "appId")?;
    if claim_guid(&claims, &["appid", "azp"]) != Some(app_id) {
        return Err(ApiError::validation(
            "AAD application is not the expected one.",
            "appId",
        ));
    }

    let user_id = guid_member(text("userId"), "UserId", "userId")?;
    if claim_guid(&claims, &["oid"]) != Some(user_id) {
        return Err(ApiError::validation(
            "Provided AAD token issued for unexpected user.",
            "userId",
        ));
    }

    let scopes = TEAMS_SCOPES.map(str::to_owned);
    let user = format!("8:orgid:{user_id}");
    let token = call.service.tokens.mint(&TokenGrant {
        user_id: &user,
        scopes: &scopes,
        issued_at: whole_seconds(call.now),
        expires_on,
        sequence: call.service.state.next_token(),
    });
    Reply::json(
        StatusCode::OK,
        &CommunicationIdentityAccessToken { token, expires_on },
    )
}

/// The claims and expiry of an Entra token that decodes and has not expired.
fn valid_entra_token(
    token: &str,
    now: OffsetDateTime,
) -> Result<(Claims, OffsetDateTime), ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAccessToken",
            "Provided access token is not valid.",
        )
    };
    let claims = jwt::decode_unverified(token).map_err(|_| invalid())?;
    let expires_on = jwt::expiry(&claims)
        .and_then(|exp| OffsetDateTime::from_unix_timestamp(exp).ok())
        .filter(|exp| *exp > now)
        .ok_or_else(invalid)?;
    Ok((claims, expires_on))
}

/// A required GUID member. Missing or empty: "`<Field>`: The `<Field>` field is required."
/// on `<Field>`; anything but a GUID: "Provided `<Field>` has invalid format." on `<field>`.
fn guid_member(
    value: Option<&Value>,
    field: &'static str,
    target: &'static str,
) -> Result<Uuid, ApiError> {
    let text = match value {
        None => "",
        Some(Value::String(text)) => text.as_str(),
        Some(_) => {
            return Err(ApiError::validation(
                format!("Provided {field} has invalid format."),
                target,
            ));
        }
    };
    if text.trim().is_empty() {
        return Err(ApiError::validation(
            format!("{field}: The {field} field is required."),
            field,
        ));
    }
    Uuid::try_parse(text.trim())
        .map_err(|_| ApiError::validation(format!("Provided {field} has invalid format."), target))
}

/// The first of `names` that is a GUID claim.
fn claim_guid(claims: &Claims, names: &[&str]) -> Option<Uuid> {
    names
        .iter()
        .find_map(|name| claims.get(*name).and_then(Value::as_str))
        .and_then(|text| Uuid::try_parse(text).ok())
}
