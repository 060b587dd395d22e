//! The user and token operations of [`CommunicationIdentityClient`]: creating users (with
//! or without a first token), issuing and revoking tokens, deleting users, and the Teams
//! user token exchange.
//!
//! Each method checks its input ([`crate::checks`]), builds its one request and hands it to
//! the client's shared send-check-decode step, whose `_with_response` result the plain
//! method unwraps. All of them are authorized by the client's own credential.

use acs_core_http::Error;
use acs_identity_models::{
    CommunicationIdentityAccessTokenRequest, CommunicationIdentityCreateRequest,
    CommunicationIdentityTokenScope, TeamsUserExchangeTokenRequest,
};
use http::header::CONTENT_TYPE;

#[cfg(doc)]
use crate::ErrorKind;
use crate::checks::{check_lifetime, check_scopes};
use crate::client::{Auth, JSON, decode_token, decode_user, decode_user_and_token, no_body};
use crate::operation::Operation;
use crate::{
    ApiVersion, CommunicationAccessToken, CommunicationIdentityClient, CommunicationUserIdentifier,
    CommunicationUserToken, CreateUserAndTokenOptions, GetTokenForTeamsUserOptions,
    GetTokenOptions, WithResponse,
};

impl CommunicationIdentityClient {
    /// Creates a new user (`POST /identities`, no body).
    ///
    /// Not idempotent: the pipeline repeats it only when the service cannot have acted (no
    /// connection, or a 429/503 naming a wait), so a retry never creates a second user.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::HttpResponse`] when the service answers with anything but 201 (with its
    /// status, code and message); [`ErrorKind::DataConversion`] when the 201 body is not an
    /// identity; transport and credential errors from the pipeline.
    pub async fn create_user(&self) -> Result<CommunicationUserIdentifier, Error> {
        self.create_user_with_response()
            .await
            .map(WithResponse::into_value)
    }

    /// [`create_user`](Self::create_user), also returning the response's status and
    /// headers.
    ///
    /// # Errors
    ///
    /// As [`create_user`](Self::create_user).
    pub async fn create_user_with_response(
        &self,
    ) -> Result<WithResponse<CommunicationUserIdentifier>, Error> {
        let operation = Operation::CreateUser;

        let mut request = self.request(operation)?;
        // No body, but the same Content-Type as the other official SDKs send (Content-Length 0).
        request.insert_header(CONTENT_TYPE, JSON);

        self.call(operation, Auth::Client, request, decode_user)
            .await
    }

    /// Creates a new user and issues it an access token for `scopes` in one request.
    /// Retried only as [`create_user`](Self::create_user) is.
    ///
    /// With the `preview` feature, `options.custom_id` creates the user under an id of the
    /// caller's choosing, or returns the user created with it before.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when `scopes` is empty, or when the
    /// lifetime or a scope needs a newer api-version than the client's (a lifetime needs
    /// 2022-10-01, the join scopes 2023-10-01; a custom id needs 2025-03-02-preview and 1
    /// to 256 characters). Otherwise as [`create_user`](Self::create_user); a 201 without a
    /// token is [`ErrorKind::DataConversion`].
    pub async fn create_user_and_token(
        &self,
        scopes: &[CommunicationIdentityTokenScope],
        options: CreateUserAndTokenOptions,
    ) -> Result<CommunicationUserToken, Error> {
        self.create_user_and_token_with_response(scopes, options)
            .await
            .map(WithResponse::into_value)
    }

    /// [`create_user_and_token`](Self::create_user_and_token), also returning the
    /// response's status and headers.
    ///
    /// # Errors
    ///
    /// As [`create_user_and_token`](Self::create_user_and_token).
    pub async fn create_user_and_token_with_response(
        &self,
        scopes: &[CommunicationIdentityTokenScope],
        options: CreateUserAndTokenOptions,
    ) -> Result<WithResponse<CommunicationUserToken>, Error> {
        let operation = Operation::CreateUserAndToken;

        check_scopes(self.api_version(), scopes)?;
        let expires_in_minutes = check_lifetime(self.api_version(), options.expires_in)?;
        #[cfg(feature = "preview")]
        let custom_id = crate::checks::check_custom_id(self.api_version(), options.custom_id)?;

        let mut request = self.request(operation)?;
        // The models may have preview members even when this crate's feature is off (cargo
        // unifies features), so the remaining members are filled from `Default`.
        #[allow(clippy::needless_update)]
        let body = CommunicationIdentityCreateRequest {
            create_token_with_scopes: Some(scopes.to_vec()),
            expires_in_minutes,
            #[cfg(feature = "preview")]
            custom_id,
            ..Default::default()
        };
        request.set_json(&body)?;

        self.call(operation, Auth::Client, request, decode_user_and_token)
            .await
    }

    /// Issues an access token for `scopes` to an existing `user`
    /// (`POST /identities/{id}/:issueAccessToken`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending, as for
    /// [`create_user_and_token`](Self::create_user_and_token), and when the user's id is
    /// empty, `.` or `..` (no URL path can name such a user; see
    /// [`CommunicationUserIdentifier`]). [`ErrorKind::HttpResponse`] for any status but 200
    /// (for example 404 for an unknown user); [`ErrorKind::DataConversion`] when the 200
    /// body is not a token.
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[CommunicationIdentityTokenScope],
        options: GetTokenOptions,
    ) -> Result<CommunicationAccessToken, Error> {
        self.get_token_with_response(user, scopes, options)
            .await
            .map(WithResponse::into_value)
    }

    /// [`get_token`](Self::get_token), also returning the response's status and headers.
    ///
    /// # Errors
    ///
    /// As [`get_token`](Self::get_token).
    pub async fn get_token_with_response(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[CommunicationIdentityTokenScope],
        options: GetTokenOptions,
    ) -> Result<WithResponse<CommunicationAccessToken>, Error> {
        let operation = Operation::GetToken { user_id: user.id() };

        check_scopes(self.api_version(), scopes)?;
        let expires_in_minutes = check_lifetime(self.api_version(), options.expires_in)?;

        let mut request = self.request(operation)?;
        request.set_json(&CommunicationIdentityAccessTokenRequest {
            scopes: scopes.to_vec(),
            expires_in_minutes,
        })?;

        self.call(operation, Auth::Client, request, decode_token)
            .await
    }

    /// Revokes every access token issued to `user` so far
    /// (`POST /identities/{id}/:revokeAccessTokens`, no body).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the user's id is empty, `.` or `..`.
    /// [`ErrorKind::HttpResponse`] for any status but 204; transport and credential errors
    /// from the pipeline.
    pub async fn revoke_tokens(&self, user: &CommunicationUserIdentifier) -> Result<(), Error> {
        self.revoke_tokens_with_response(user)
            .await
            .map(WithResponse::into_value)
    }

    /// [`revoke_tokens`](Self::revoke_tokens), also returning the response's status and
    /// headers.
    ///
    /// # Errors
    ///
    /// As [`revoke_tokens`](Self::revoke_tokens).
    pub async fn revoke_tokens_with_response(
        &self,
        user: &CommunicationUserIdentifier,
    ) -> Result<WithResponse<()>, Error> {
        let operation = Operation::RevokeTokens { user_id: user.id() };
        let request = self.request(operation)?;
        self.call(operation, Auth::Client, request, no_body).await
    }

    /// Deletes `user` and revokes all of its tokens (`DELETE /identities/{id}`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the user's id is empty, `.` or `..`.
    /// [`ErrorKind::HttpResponse`] for any status but 204; transport and credential errors
    /// from the pipeline.
    pub async fn delete_user(&self, user: &CommunicationUserIdentifier) -> Result<(), Error> {
        self.delete_user_with_response(user)
            .await
            .map(WithResponse::into_value)
    }

    /// [`delete_user`](Self::delete_user), also returning the response's status and
    /// headers.
    ///
    /// # Errors
    ///
    /// As [`delete_user`](Self::delete_user).
    pub async fn delete_user_with_response(
        &self,
        user: &CommunicationUserIdentifier,
    ) -> Result<WithResponse<()>, Error> {
        let operation = Operation::DeleteUser { user_id: user.id() };
        let request = self.request(operation)?;
        self.call(operation, Auth::Client, request, no_body).await
    }

    /// Exchanges a Teams user's Entra ID access token for a Communication Services access
    /// token with the same expiry (`POST /teamsUser/:exchangeAccessToken`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the client's api-version is older than
    /// 2022-06-01. [`ErrorKind::HttpResponse`] for any status but 200: 401 for an invalid or
    /// expired Entra token, 400 when `client_id` or `user_object_id` do not match it.
    /// [`ErrorKind::DataConversion`] when the 200 body is not a token.
    pub async fn get_token_for_teams_user(
        &self,
        options: GetTokenForTeamsUserOptions,
    ) -> Result<CommunicationAccessToken, Error> {
        self.get_token_for_teams_user_with_response(options)
            .await
            .map(WithResponse::into_value)
    }

    /// [`get_token_for_teams_user`](Self::get_token_for_teams_user), also returning the
    /// response's status and headers.
    ///
    /// # Errors
    ///
    /// As [`get_token_for_teams_user`](Self::get_token_for_teams_user).
    pub async fn get_token_for_teams_user_with_response(
        &self,
        options: GetTokenForTeamsUserOptions,
    ) -> Result<WithResponse<CommunicationAccessToken>, Error> {
        let operation = Operation::GetTokenForTeamsUser;

        self.api_version()
            .require(ApiVersion::V2022_06_01, "the Teams user token exchange")?;

        let mut request = self.request(operation)?;
        request.set_json(&TeamsUserExchangeTokenRequest {
            token: options.teams_user_aad_token.expose().to_owned(),
            app_id: options.client_id,
            user_id: options.user_object_id,
        })?;

        self.call(operation, Auth::Client, request, decode_token)
            .await
    }
}
