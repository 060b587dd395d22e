//! The Teams Extension (Teams Phone extensibility): assignments, and the exchange of a
//! Teams user's Entra token for an ACS token.
//!
//! Assignments are kept per tenant and object id, both GUIDs compared regardless of case
//! (anything else in the path is a 400 `ValidationError` on `tenantId` / `objectId`) and
//! answered in lower case. `PUT` takes `{principalType, clientIds?}`: `principalType` is
//! an open enum, so any non-empty string is kept as sent (a missing or empty one is a 400
//! `ValidationError` on `PrincipalType`); `clientIds` is absent or a list of non-empty
//! strings (else a 400 on `ClientIds`). It answers 201 when it created the assignment and
//! 200 when it replaced one. `GET` answers 200 or 404 `AssignmentNotFound`; `DELETE` 204
//! or 404 `AssignmentNotFound`.
//!
//! The exchange is authenticated by the bearer Entra user token itself (checked before
//! this handler runs: minted by the emulator, audience
//! `https://auth.msft.communication.azure.com`, `TeamsExtension.ManageCalls` in `scp`, not
//! expired). Then its `tid` and `oid` must be GUIDs (else 401 `InvalidAccessToken`), an
//! assignment must exist for them (else 403 `Forbidden`), and when the assignment lists
//! `clientIds` the token's `appid` (or `azp`) must be one of them (else 403 `Forbidden`);
//! an assignment without `clientIds`, or with an empty list, admits every application.
//! The body is `{}` (an empty body is accepted too; other JSON objects are ignored). The
//! answer is 200 with the identity `8:acs:<resourceId>_<tid>_<oid>` — created on its first
//! exchange, then an identity like any other, which can be revoked, deleted or read — and
//! an ACS token with scope `voip` that expires when the Entra token does.

use acs_identity_models::{
    CommunicationIdentityAccessToken, TeamsExtensionAssignmentResponse, TeamsExtensionPrincipalType,
};
use http::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::identities::{IdentityBody, IdentityWithToken};
use super::{Call, Reply, json_object, member, whole_seconds};
use crate::envelope::ApiError;
use crate::jwt;
use crate::router::AssignmentKey;
use crate::state::Assignment;
use crate::tokens::TokenGrant;

/// The scopes of an exchanged Teams Extension token.
const EXTENSION_SCOPES: [&str; 1] = ["voip"];

/// `POST /access/teamsExtension/:exchangeAccessToken`
pub(crate) fn exchange(call: &Call<'_>) -> Result<Reply, ApiError> {
    json_object(call.body)?;

    let invalid = |message: &str| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAccessToken",
            format!("Provided access token is not valid. {message}"),
        )
    };
    let token = call
        .bearer_token
        .ok_or_else(|| invalid("The user's Entra token is required as a Bearer credential."))?;
    let claims = call
        .service
        .entra
        .verify_teams_extension(token, call.now)
        .map_err(invalid)?;
    let guid_claim = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .and_then(|text| Uuid::try_parse(text).ok())
    };
    let (Some(tenant_id), Some(object_id)) = (guid_claim("tid"), guid_claim("oid")) else {
        return Err(invalid("The token's tid and oid claims must be GUIDs."));
    };

    let forbidden =
        |message: &'static str| ApiError::new(StatusCode::FORBIDDEN, "Forbidden", message);
    let assignment = call
        .service
        .state
        .assignment(&tenant_id.to_string(), &object_id.to_string())
        .ok_or_else(|| {
            forbidden("No Teams Extension assignment exists for the token's tenant and user.")
        })?;
    if let Some(client_ids) = assignment.client_ids.filter(|ids| !ids.is_empty()) {
        let app_id = ["appid", "azp"]
            .iter()
            .find_map(|name| claims.get(*name).and_then(Value::as_str))
            .unwrap_or_default();
        if !client_ids.iter().any(|id| id.eq_ignore_ascii_case(app_id)) {
            return Err(forbidden(
                "The token's application is not among the assignment's clientIds.",
            ));
        }
    }

    let expires_on = jwt::expiry(&claims)
        .and_then(|exp| OffsetDateTime::from_unix_timestamp(exp).ok())
        .ok_or_else(|| invalid("The token has no expiry."))?;
    let id = format!(
        "8:acs:{}_{tenant_id}_{object_id}",
        call.service.config.resource_id
    );
    let issued_at = whole_seconds(call.now);
    let sequence = call.service.state.next_token_creating(&id, issued_at);
    let scopes = EXTENSION_SCOPES.map(str::to_owned);
    let token = call.service.tokens.mint(&TokenGrant {
        user_id: &id,
        scopes: &scopes,
        issued_at,
        expires_on,
        sequence,
    });

    let result = IdentityWithToken {
        identity: IdentityBody::of(call, id),
        access_token: Some(CommunicationIdentityAccessToken { token, expires_on }),
    };
    Reply::json(StatusCode::OK, &result)
}

/// `GET` on an assignment.
pub(crate) fn get_assignment(call: &Call<'_>, key: &AssignmentKey) -> Result<Reply, ApiError> {
    let (tenant_id, object_id) = guids(key)?;
    let assignment = call
        .service
        .state
        .assignment(&tenant_id, &object_id)
        .ok_or_else(not_found)?;
    Reply::json(StatusCode::OK, &response(tenant_id, object_id, assignment))
}

/// `PUT` on an assignment: 201 created, 200 replaced.
pub(crate) fn put_assignment(call: &Call<'_>, key: &AssignmentKey) -> Result<Reply, ApiError> {
    let (tenant_id, object_id) = guids(key)?;
    let body = json_object(call.body)?
        .ok_or_else(|| ApiError::malformed_body("a JSON object is required"))?;

    let principal_type = match member(Some(&body), "principalType") {
        Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
        Some(Value::String(_)) | None => {
            return Err(ApiError::validation(
                "PrincipalType: The PrincipalType field is required.",
                "PrincipalType",
            ));
        }
        Some(_) => {
            return Err(ApiError::validation(
                "Provided PrincipalType has invalid format.",
                "PrincipalType",
            ));
        }
    };
    let client_ids = match member(Some(&body), "clientIds") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| match item {
                    Value::String(text) if !text.trim().is_empty() => Ok(text.clone()),
                    _ => Err(ApiError::validation(
                        "ClientIds must be a list of non-empty strings.",
                        "ClientIds",
                    )),
                })
                .collect::<Result<Vec<String>, ApiError>>()?,
        ),
        Some(_) => {
            return Err(ApiError::validation(
                "ClientIds must be a list of non-empty strings.",
                "ClientIds",
            ));
        }
    };

    let assignment = Assignment {
        principal_type,
        client_ids,
    };
    let created = call
        .service
        .state
        .put_assignment(&tenant_id, &object_id, assignment.clone());
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Reply::json(status, &response(tenant_id, object_id, assignment))
}

/// `DELETE` on an assignment: 204, or 404 when there is none.
pub(crate) fn delete_assignment(call: &Call<'_>, key: &AssignmentKey) -> Result<Reply, ApiError> {
    let (tenant_id, object_id) = guids(key)?;
    if call.service.state.delete_assignment(&tenant_id, &object_id) {
        Ok(Reply::NoContent)
    } else {
        Err(not_found())
    }
}

/// The path's tenant and object ids as lower-case GUIDs.
fn guids(key: &AssignmentKey) -> Result<(String, String), ApiError> {
    let parse = |text: &str, field: &str, target: &'static str| {
        Uuid::try_parse(text.trim())
            .map(|id| id.to_string())
            .map_err(|_| {
                ApiError::validation(format!("Provided {field} has invalid format."), target)
            })
    };
    Ok((
        parse(&key.tenant_id, "TenantId", "tenantId")?,
        parse(&key.object_id, "ObjectId", "objectId")?,
    ))
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "AssignmentNotFound",
        "The Teams Extension assignment doesn't exist.",
    )
}

fn response(
    tenant_id: String,
    object_id: String,
    assignment: Assignment,
) -> TeamsExtensionAssignmentResponse {
    TeamsExtensionAssignmentResponse {
        object_id,
        tenant_id,
        principal_type: TeamsExtensionPrincipalType::from(assignment.principal_type),
        client_ids: assignment.client_ids,
    }
}
