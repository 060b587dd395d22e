//! The operations of the preview api-version 2025-03-02-preview on
//! [`CommunicationIdentityClient`] (feature `preview`): creating a user under a custom id
//! and reading a user's details back.
//!
//! Both need the client to be configured for [`ApiVersion::V2025_03_02_Preview`] and are
//! refused before sending otherwise, as is a custom id outside 1..=256 characters
//! ([`crate::checks`]). `create_user_and_token` takes a custom id as well, through
//! [`CreateUserAndTokenOptions::custom_id`](crate::CreateUserAndTokenOptions::custom_id).

use acs_core_http::Error;
use acs_identity_models::{CommunicationIdentity, CommunicationIdentityCreateRequest};

use crate::checks::check_custom_id;
use crate::client::{Auth, decode_json, decode_user};
use crate::operation::Operation;
use crate::{
    ApiVersion, CommunicationIdentityClient, CommunicationUserDetail, CommunicationUserIdentifier,
    CreateUserOptions, WithResponse,
};

impl CommunicationIdentityClient {
    /// Creates a new user (`POST /identities`); with `options.custom_id`, under that id of
    /// the caller's choosing, so that creating again with the same custom id returns the
    /// same user instead of a new one. Without a custom id it is
    /// [`create_user`](Self::create_user).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending when a
    /// custom id is given and the api-version is not 2025-03-02-preview, or the custom id is
    /// not 1 to 256 characters long. Otherwise as [`create_user`](Self::create_user).
    pub async fn create_user_with(
        &self,
        options: CreateUserOptions,
    ) -> Result<CommunicationUserIdentifier, Error> {
        self.create_user_with_with_response(options)
            .await
            .map(WithResponse::into_value)
    }

    /// [`create_user_with`](Self::create_user_with), also returning the response's status
    /// and headers.
    ///
    /// # Errors
    ///
    /// As [`create_user_with`](Self::create_user_with).
    pub async fn create_user_with_with_response(
        &self,
        options: CreateUserOptions,
    ) -> Result<WithResponse<CommunicationUserIdentifier>, Error> {
        let Some(custom_id) = check_custom_id(self.api_version(), options.custom_id)? else {
            return self.create_user_with_response().await;
        };
        let operation = Operation::CreateUserWith;

        let mut request = self.request(operation)?;
        request.set_json(&CommunicationIdentityCreateRequest {
            custom_id: Some(custom_id),
            ..Default::default()
        })?;

        self.call(operation, Auth::Client, request, decode_user)
            .await
    }

    /// Reads `user` back (`GET /identities/{id}`): its custom id and when it last got a
    /// token.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending when the
    /// api-version is not 2025-03-02-preview or the user's id is empty, `.` or `..`.
    /// [`ErrorKind::HttpResponse`](crate::ErrorKind::HttpResponse) for any status but 200
    /// (404 for an unknown user); [`ErrorKind::DataConversion`](crate::ErrorKind::DataConversion)
    /// when the body is not a user.
    pub async fn get_user_detail(
        &self,
        user: &CommunicationUserIdentifier,
    ) -> Result<CommunicationUserDetail, Error> {
        self.get_user_detail_with_response(user)
            .await
            .map(WithResponse::into_value)
    }

    /// [`get_user_detail`](Self::get_user_detail), also returning the response's status and
    /// headers.
    ///
    /// # Errors
    ///
    /// As [`get_user_detail`](Self::get_user_detail).
    pub async fn get_user_detail_with_response(
        &self,
        user: &CommunicationUserIdentifier,
    ) -> Result<WithResponse<CommunicationUserDetail>, Error> {
        let operation = Operation::GetUserDetail { user_id: user.id() };
        self.api_version().require(
            ApiVersion::V2025_03_02_Preview,
            "reading a user back (get_user_detail)",
        )?;

        let request = self.request(operation)?;
        self.call(operation, Auth::Client, request, |response, name| {
            decode_json::<CommunicationIdentity, _>(response, name)
        })
        .await
    }
}
