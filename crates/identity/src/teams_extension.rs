//! Teams Extension (Teams Phone extensibility) on [`CommunicationIdentityClient`]: the
//! token exchange of a Teams Phone user and the assignments that say which Entra
//! applications may act for a principal.
//!
//! All four operations need api-version 2025-06-30 or newer (or the preview
//! 2025-03-02-preview) and are refused before sending otherwise. The assignment calls go
//! through the client's own credential, with the tenant and object ids percent-encoded as
//! one path segment each, exactly like user ids ([`crate::endpoint`]). The exchange is
//! different: the caller's Entra *user* token is its only authorization, so it is sent as
//! `Authorization: Bearer <token>` through the client's second pipeline, which has no
//! authentication policy of its own (see the `client` module docs).

use acs_core_auth::Secret;
use acs_core_http::{Error, ErrorKind, HeaderValue, check_endpoint_scheme};
use acs_identity_models::{
    TeamsExtensionAssignmentCreateOrUpdateRequest, TeamsExtensionAssignmentResponse,
    TeamsExtensionExchangeTokenRequest,
};
use http::header::AUTHORIZATION;

use crate::client::{Auth, decode_json, decode_user_and_token, no_body};
use crate::operation::{Assignment, Operation};
use crate::{
    ApiVersion, CommunicationIdentityClient, CommunicationUserToken, TeamsExtensionAssignment,
    TeamsExtensionAssignmentOptions, TeamsExtensionAssignmentResult, WithResponse,
};

const FEATURE: &str = "Teams Extension";

impl CommunicationIdentityClient {
    /// Reads the Teams Extension assignment of the principal `object_id` in the Entra
    /// tenant `tenant_id`
    /// (`GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the api-version lacks Teams
    /// Extension (it needs 2025-06-30) or an id is empty, `.` or `..`.
    /// [`ErrorKind::HttpResponse`] for any status but 200, for example 404 when the
    /// principal has no assignment; [`ErrorKind::DataConversion`] when the body is not an
    /// assignment.
    pub async fn get_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<TeamsExtensionAssignment, Error> {
        self.get_teams_extension_assignment_with_response(tenant_id, object_id)
            .await
            .map(WithResponse::into_value)
    }

    /// [`get_teams_extension_assignment`](Self::get_teams_extension_assignment), also
    /// returning the response's status and headers.
    ///
    /// # Errors
    ///
    /// As [`get_teams_extension_assignment`](Self::get_teams_extension_assignment).
    pub async fn get_teams_extension_assignment_with_response(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<WithResponse<TeamsExtensionAssignment>, Error> {
        let operation = Operation::GetTeamsExtensionAssignment(Assignment {
            tenant_id,
            object_id,
        });
        self.require_teams_extension()?;

        let request = self.request(operation)?;
        self.call(operation, Auth::Client, request, |response, name| {
            decode_json::<TeamsExtensionAssignmentResponse, _>(response, name)
        })
        .await
    }

    /// Creates the Teams Extension assignment of the principal `object_id` in the tenant
    /// `tenant_id`, or replaces the one it has
    /// (`PUT /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`, body
    /// `{"principalType":…,"clientIds":[…]}`, `clientIds` left out when `None`).
    ///
    /// [`TeamsExtensionAssignmentResult::created`] tells a new assignment (201) from a
    /// replaced one (200). Repeating the call with the same options is harmless, so the
    /// pipeline retries it like a read.
    ///
    /// # Errors
    ///
    /// As [`get_teams_extension_assignment`](Self::get_teams_extension_assignment), with
    /// 200 and 201 as the success statuses (for example 400 for a principal type the
    /// service does not accept).
    pub async fn create_or_replace_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
        options: TeamsExtensionAssignmentOptions,
    ) -> Result<TeamsExtensionAssignmentResult, Error> {
        self.create_or_replace_teams_extension_assignment_with_response(
            tenant_id, object_id, options,
        )
        .await
        .map(WithResponse::into_value)
    }

    /// [`create_or_replace_teams_extension_assignment`], also returning the response's
    /// status and headers.
    ///
    /// # Errors
    ///
    /// As [`create_or_replace_teams_extension_assignment`].
    ///
    /// [`create_or_replace_teams_extension_assignment`]: Self::create_or_replace_teams_extension_assignment
    pub async fn create_or_replace_teams_extension_assignment_with_response(
        &self,
        tenant_id: &str,
        object_id: &str,
        options: TeamsExtensionAssignmentOptions,
    ) -> Result<WithResponse<TeamsExtensionAssignmentResult>, Error> {
        let operation = Operation::CreateOrReplaceTeamsExtensionAssignment(Assignment {
            tenant_id,
            object_id,
        });
        self.require_teams_extension()?;

        let mut request = self.request(operation)?;
        request.set_json(&TeamsExtensionAssignmentCreateOrUpdateRequest {
            principal_type: options.principal_type,
            client_ids: options.client_ids,
        })?;

        self.call(operation, Auth::Client, request, |response, name| {
            let assignment = decode_json::<TeamsExtensionAssignmentResponse, _>(response, name)?;
            Ok(TeamsExtensionAssignmentResult {
                assignment,
                created: response.status() == http::StatusCode::CREATED,
            })
        })
        .await
    }

    /// Removes the Teams Extension assignment of the principal `object_id` in the tenant
    /// `tenant_id` (`DELETE` on the assignment's path, 204).
    ///
    /// # Errors
    ///
    /// As [`get_teams_extension_assignment`](Self::get_teams_extension_assignment), with
    /// 204 as the success status (404 when there is no such assignment).
    pub async fn delete_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<(), Error> {
        self.delete_teams_extension_assignment_with_response(tenant_id, object_id)
            .await
            .map(WithResponse::into_value)
    }

    /// [`delete_teams_extension_assignment`](Self::delete_teams_extension_assignment), also
    /// returning the response's status and headers.
    ///
    /// # Errors
    ///
    /// As [`delete_teams_extension_assignment`](Self::delete_teams_extension_assignment).
    pub async fn delete_teams_extension_assignment_with_response(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<WithResponse<()>, Error> {
        let operation = Operation::DeleteTeamsExtensionAssignment(Assignment {
            tenant_id,
            object_id,
        });
        self.require_teams_extension()?;

        let request = self.request(operation)?;
        self.call(operation, Auth::Client, request, no_body).await
    }

    /// Exchanges the Entra ID access token of a Teams Phone user (for example one with the
    /// scope `https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls`) for a
    /// Communication Services user and access token
    /// (`POST /access/teamsExtension/:exchangeAccessToken`, body `{}`).
    ///
    /// The request carries `Authorization: Bearer <entra_user_token>` and nothing of the
    /// client's own credential (no HMAC signature, no bearer token of the client). The
    /// token is never logged; it leaves the [`Secret`] only to become the header value,
    /// which is marked sensitive.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the api-version lacks Teams
    /// Extension (it needs 2025-06-30), when the token is empty or not a valid header value
    /// (the message never quotes it), or when the endpoint is plain `http` to a host that
    /// is not loopback (a bearer token never crosses a network in clear text, whatever
    /// `allow_insecure_http` says). [`ErrorKind::HttpResponse`] for any status but 200 (401
    /// for a token the service rejects); [`ErrorKind::DataConversion`] when the body has no
    /// user or token.
    pub async fn exchange_teams_extension_token(
        &self,
        entra_user_token: &Secret,
    ) -> Result<CommunicationUserToken, Error> {
        self.exchange_teams_extension_token_with_response(entra_user_token)
            .await
            .map(WithResponse::into_value)
    }

    /// [`exchange_teams_extension_token`](Self::exchange_teams_extension_token), also
    /// returning the response's status and headers.
    ///
    /// # Errors
    ///
    /// As [`exchange_teams_extension_token`](Self::exchange_teams_extension_token).
    pub async fn exchange_teams_extension_token_with_response(
        &self,
        entra_user_token: &Secret,
    ) -> Result<WithResponse<CommunicationUserToken>, Error> {
        let operation = Operation::ExchangeTeamsExtensionToken;
        self.require_teams_extension()?;
        check_endpoint_scheme(self.endpoint(), false)?;
        let authorization = bearer_header(entra_user_token)?;

        let mut request = self.request(operation)?;
        request.set_json(&TeamsExtensionExchangeTokenRequest {})?;
        request.insert_header(AUTHORIZATION, authorization);

        self.call(
            operation,
            Auth::CallerAuthorization,
            request,
            decode_user_and_token,
        )
        .await
    }

    fn require_teams_extension(&self) -> Result<(), Error> {
        self.api_version().require(ApiVersion::V2025_06_30, FEATURE)
    }
}

/// `Bearer <token>` as a sensitive header value; an empty token or one that cannot be a
/// header value is refused without quoting it.
fn bearer_header(token: &Secret) -> Result<HeaderValue, Error> {
    let token = token.expose();
    if token.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the Entra user token is empty; nothing was sent",
        ));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::new(
            ErrorKind::InvalidInput,
            "the Entra user token contains characters a header cannot carry (it must be \
             visible ASCII); nothing was sent",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_is_sensitive_and_errors_do_not_quote_the_token() {
        let value = bearer_header(&Secret::new("eyJ.user.token")).unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer eyJ.user.token");
        assert!(value.is_sensitive());

        for bad in ["", "  ", "eyJ\nsecret-part"] {
            let error = bearer_header(&Secret::new(bad)).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput);
            let text = format!("{error} {error:?}");
            assert!(!text.contains("secret-part"), "{text}");
        }
    }
}
