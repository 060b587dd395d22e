//! Create, issue, revoke and delete: the `/identities` operations.
//!
//! Validation follows the service's observed answers: `expiresInMinutes` outside
//! [60, 1440] is a `ValidationError` on `ExpiresInMinutes` (read from 2022-10-01 only, and
//! ignored before); missing or `null` scopes are "The Scopes field is required." on
//! `Scopes`; an empty list is "Invalid scopes - Scopes field is required." on `scopes`; a
//! scope the api-version does not know is a `ValidationError` on `Scopes`. Ids of other
//! resources answer 401 `IdentityNotOwned`, unknown or deleted ids of this resource 404.

use acs_identity_models::{
    CommunicationIdentity, CommunicationIdentityAccessToken,
    CommunicationIdentityAccessTokenResult, CommunicationIdentityTokenScope as Scope,
};
use http::StatusCode;
use serde_json::{Map, Value};
use time::Duration;

use super::{Call, Reply, json_object, member, whole_seconds};
use crate::envelope::{ApiError, truncate};
use crate::identifiers;
use crate::tokens::TokenGrant;

/// Token lifetime when `expiresInMinutes` is absent or not read.
const DEFAULT_MINUTES: i64 = 1440;
/// The interval `expiresInMinutes` must fall in.
const MINUTES: std::ops::RangeInclusive<i64> = 60..=1440;

/// `POST /identities`: a new identity, and a token when scopes are given.
pub(crate) fn create(call: &Call<'_>) -> Result<Reply, ApiError> {
    let body = json_object(call.body)?;
    let scopes = match member(body.as_ref(), "createTokenWithScopes") {
        None => Vec::new(),
        Some(Value::Array(items)) => scopes(items, call)?,
        Some(_) => return Err(scopes_not_a_list()),
    };
    let minutes = expires_in_minutes(body.as_ref(), call)?;

    let id = identifiers::new_user_id(&call.service.config.resource_id);
    call.service.state.create_identity(id.clone());
    let access_token = if scopes.is_empty() {
        None
    } else {
        Some(issue_for(call, &id, &scopes, minutes)?)
    };

    let result = CommunicationIdentityAccessTokenResult {
        identity: CommunicationIdentity { id },
        access_token,
    };
    Reply::json(StatusCode::CREATED, &result)
}

/// `POST /identities/{id}/:issueAccessToken`
pub(crate) fn issue_access_token(call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    owned(call, id)?;

    let body = json_object(call.body)?;
    let scopes = match member(body.as_ref(), "scopes") {
        None => {
            return Err(ApiError::validation(
                "Scopes: The Scopes field is required.",
                "Scopes",
            ));
        }
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(ApiError::validation(
                "Invalid scopes - Scopes field is required.",
                "scopes",
            ));
        }
        Some(Value::Array(items)) => scopes(items, call)?,
        Some(_) => return Err(scopes_not_a_list()),
    };
    let minutes = expires_in_minutes(body.as_ref(), call)?;

    let token = issue_for(call, id, &scopes, minutes)?;
    Reply::json(StatusCode::OK, &token)
}

/// `POST /identities/{id}/:revokeAccessTokens`
pub(crate) fn revoke_access_tokens(call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    owned(call, id)?;
    if call.service.state.revoke_tokens(id) {
        Ok(Reply::NoContent)
    } else {
        Err(ApiError::identity_not_found())
    }
}

/// `DELETE /identities/{id}`
pub(crate) fn delete(call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    owned(call, id)?;
    if call.service.state.delete_identity(id) {
        Ok(Reply::NoContent)
    } else {
        Err(ApiError::identity_not_found())
    }
}

/// Refuses ids that are not ACS ids of this emulator's resource.
fn owned(call: &Call<'_>, id: &str) -> Result<(), ApiError> {
    if identifiers::belongs_to(id, &call.service.config.resource_id) {
        Ok(())
    } else {
        Err(ApiError::identity_not_owned())
    }
}

/// Mints a token for an existing identity; 404 when it does not exist.
fn issue_for(
    call: &Call<'_>,
    id: &str,
    scopes: &[String],
    minutes: i64,
) -> Result<CommunicationIdentityAccessToken, ApiError> {
    let sequence = call
        .service
        .state
        .next_token_for(id)
        .ok_or_else(ApiError::identity_not_found)?;
    let issued_at = whole_seconds(call.now);
    let expires_on = issued_at + Duration::minutes(minutes);

    let token = call.service.tokens.mint(&TokenGrant {
        user_id: id,
        scopes,
        issued_at,
        expires_on,
        sequence,
    });
    Ok(CommunicationIdentityAccessToken { token, expires_on })
}

/// The scopes of a non-empty list, checked against what the api-version knows. Duplicates
/// are dropped, keeping the first occurrence.
fn scopes(items: &[Value], call: &Call<'_>) -> Result<Vec<String>, ApiError> {
    let mut scopes: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Some(text) = item.as_str() else {
            return Err(ApiError::validation(
                "Invalid scopes - Scopes must be strings.",
                "Scopes",
            ));
        };
        let known = match Scope::from(text) {
            Scope::Other(_) => false,
            Scope::ChatJoin | Scope::ChatJoinLimited | Scope::VoipJoin => {
                call.version.has_join_scopes()
            }
            _ => true,
        };
        if !known {
            return Err(ApiError::validation(
                format!(
                    "Invalid scopes - '{}' is not a supported scope in API version {}.",
                    truncate(text),
                    call.version
                ),
                "Scopes",
            ));
        }
        if !scopes.iter().any(|s| s == text) {
            scopes.push(text.to_owned());
        }
    }
    Ok(scopes)
}

fn scopes_not_a_list() -> ApiError {
    ApiError::validation(
        "Invalid scopes - Scopes must be a list of strings.",
        "Scopes",
    )
}

/// The requested lifetime in minutes: the default when absent or when the api-version
/// predates custom lifetimes; an error outside [60, 1440].
fn expires_in_minutes(body: Option<&Map<String, Value>>, call: &Call<'_>) -> Result<i64, ApiError> {
    if !call.version.honours_expires_in() {
        return Ok(DEFAULT_MINUTES);
    }
    let Some(value) = member(body, "expiresInMinutes") else {
        return Ok(DEFAULT_MINUTES);
    };

    let minutes = value
        .as_i64()
        .filter(|m| i32::try_from(*m).is_ok())
        .ok_or_else(|| {
            ApiError::validation(
                "ExpiresInMinutes: The value is not a valid 32-bit integer.",
                "ExpiresInMinutes",
            )
        })?;
    if !MINUTES.contains(&minutes) {
        return Err(ApiError::validation(
            format!(
                "ExpiresInMinutes value {minutes} is invalid. Value must be within the [60, 1440] interval."
            ),
            "ExpiresInMinutes",
        ));
    }
    Ok(minutes)
}
