//! Create, get, issue, revoke and delete: the `/identities` operations.
//!
//! In 2025-03-02-preview, create also reads `customId` (a string of 1 to 256 characters,
//! else a 400 `ValidationError` on `CustomId`): the same custom id gives the same identity,
//! with 201 each time, until that identity is deleted. The stable versions ignore the
//! member, as the service ignores members its model lacks. Identities in preview answers
//! carry `customId` and `lastTokenIssuedAt` (the issue time of the newest token, set by
//! issue and by create with scopes); `GET /identities/{id}` exists in the preview only.
//!
//! Validation follows the service's observed answers: `expiresInMinutes` outside
//! [60, 1440] is a `ValidationError` on `ExpiresInMinutes` (read from 2022-10-01 only, and
//! ignored before); missing or `null` scopes are "The Scopes field is required." on
//! `Scopes`; an empty list is "Invalid scopes - Scopes field is required." on `scopes`; a
//! scope the api-version does not know is a `ValidationError` on `Scopes`. Ids of other
//! resources answer 401 `IdentityNotOwned`, unknown or deleted ids of this resource 404.

use acs_identity_models::{
    CommunicationIdentityAccessToken, CommunicationIdentityTokenScope as Scope,
};
use http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::{Call, Reply, json_object, member, whole_seconds};
use crate::envelope::{ApiError, truncate};
use crate::identifiers;
use crate::tokens::TokenGrant;

/// Token lifetime when `expiresInMinutes` is absent or not read.
const DEFAULT_MINUTES: i64 = 1440;
/// The interval `expiresInMinutes` must fall in.
const MINUTES: std::ops::RangeInclusive<i64> = 60..=1440;
/// The length of a `customId`, in characters.
const CUSTOM_ID_LENGTH: std::ops::RangeInclusive<usize> = 1..=256;

/// `CommunicationIdentity` as each api-version words it: `customId` and
/// `lastTokenIssuedAt` appear in the preview only.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentityBody {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "acs_identity_models::datetime::option"
    )]
    last_token_issued_at: Option<OffsetDateTime>,
}

impl IdentityBody {
    /// The identity `id` as `call`'s api-version shows it.
    pub(crate) fn of(call: &Call<'_>, id: String) -> Self {
        let detail = call
            .version
            .has_custom_id()
            .then(|| call.service.state.identity_detail(&id))
            .flatten();
        Self {
            id,
            custom_id: detail.as_ref().and_then(|d| d.custom_id.clone()),
            last_token_issued_at: detail.and_then(|d| d.last_token_issued_at),
        }
    }
}

/// `CommunicationIdentityAccessTokenResult`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentityWithToken {
    pub(crate) identity: IdentityBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) access_token: Option<CommunicationIdentityAccessToken>,
}

/// `POST /identities`: a new identity, and a token when scopes are given.
pub(crate) fn create(call: &Call<'_>) -> Result<Reply, ApiError> {
    let body = json_object(call.body)?;
    let scopes = match member(body.as_ref(), "createTokenWithScopes") {
        None => Vec::new(),
        Some(Value::Array(items)) => scopes(items, call)?,
        Some(_) => return Err(scopes_not_a_list()),
    };
    let minutes = expires_in_minutes(body.as_ref(), call)?;
    let custom_id = custom_id(body.as_ref(), call)?;

    let resource_id = &call.service.config.resource_id;
    let id = match custom_id {
        Some(custom_id) => call
            .service
            .state
            .identity_for_custom_id(custom_id, || identifiers::new_user_id(resource_id)),
        None => {
            let id = identifiers::new_user_id(resource_id);
            call.service.state.create_identity(id.clone());
            id
        }
    };
    let access_token = if scopes.is_empty() {
        None
    } else {
        Some(issue_for(call, &id, &scopes, minutes)?)
    };

    let result = IdentityWithToken {
        identity: IdentityBody::of(call, id),
        access_token,
    };
    Reply::json(StatusCode::CREATED, &result)
}

/// `GET /identities/{id}` (preview): the identity with its custom id and last token time.
pub(crate) fn get(call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    owned(call, id)?;
    if !call.service.state.identity_exists(id) {
        return Err(ApiError::identity_not_found());
    }
    Reply::json(StatusCode::OK, &IdentityBody::of(call, id.to_owned()))
}

/// The `customId` of a create request, in the versions that have it.
fn custom_id<'a>(
    body: Option<&'a Map<String, Value>>,
    call: &Call<'_>,
) -> Result<Option<&'a str>, ApiError> {
    if !call.version.has_custom_id() {
        return Ok(None);
    }
    match member(body, "customId") {
        None => Ok(None),
        Some(Value::String(text)) if CUSTOM_ID_LENGTH.contains(&text.chars().count()) => {
            Ok(Some(text.as_str()))
        }
        Some(_) => Err(ApiError::validation(
            "CustomId: The field CustomId must be a string with a minimum length of 1 and a maximum length of 256.",
            "CustomId",
        )),
    }
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
    let issued_at = whole_seconds(call.now);
    let sequence = call
        .service
        .state
        .next_token_for(id, issued_at)
        .ok_or_else(ApiError::identity_not_found)?;
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
