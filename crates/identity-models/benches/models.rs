//! Micro-benchmarks of JSON (de)serialization of every wire model, with realistic bodies.
//!
//! Each model gets two benchmarks, `deserialize::<model>` (`serde_json::from_slice` of the
//! body the service or the client sends) and `serialize::<model>` (`serde_json::to_vec` of
//! the same value). The bodies are small copies of the values in the REST API's examples
//! for 2026-09-23 (a full user id, all five scopes, a 7-digit fractional `expiresOn`).
//! Values are always built by parsing JSON, never as struct literals, so the benchmarks
//! compile with and without the `preview` feature. Time and heap allocations per
//! operation are both reported.
//!
//! Run with `cargo bench -p acs-identity-models --bench models`.

use acs_identity_models::{
    CommunicationErrorResponse, CommunicationIdentity, CommunicationIdentityAccessToken,
    CommunicationIdentityAccessTokenRequest, CommunicationIdentityAccessTokenResult,
    CommunicationIdentityCreateRequest, TeamsExtensionAssignmentCreateOrUpdateRequest,
    TeamsExtensionAssignmentResponse, TeamsExtensionExchangeTokenRequest,
    TeamsUserExchangeTokenRequest,
};
use divan::{Bencher, black_box};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const CREATE_REQUEST: &str = r#"{"createTokenWithScopes":["chat","voip","chat.join","chat.join.limited","voip.join"],"expiresInMinutes":60}"#;
const ACCESS_TOKEN_REQUEST: &str = r#"{"scopes":["chat","voip","chat.join","chat.join.limited","voip.join"],"expiresInMinutes":60}"#;
const IDENTITY: &str =
    r#"{"id":"8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081"}"#;
const ACCESS_TOKEN: &str = r#"{"token":"token","expiresOn":"2025-07-10T21:39:39.3244584+00:00"}"#;
const ACCESS_TOKEN_RESULT: &str = r#"{"identity":{"id":"8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081"},"accessToken":{"token":"token","expiresOn":"2025-07-10T21:39:39.3244584+00:00"}}"#;
const TEAMS_USER_EXCHANGE: &str = r#"{"token":"AzureActiveDirectoryAccessTokenOfATeamsUser","appId":"2c3e1e83-8fd7-4615-ad2b-b8c1229845ac","userId":"32c0a5db-05ec-78ea-51ab-3f06b329397e"}"#;
const TEAMS_EXTENSION_EXCHANGE: &str = "{}";
const ASSIGNMENT_REQUEST: &str =
    r#"{"principalType":"resourceAccount","clientIds":["2c3e1e83-8fd7-4615-ad2b-b8c1229845ac"]}"#;
const ASSIGNMENT_RESPONSE: &str = r#"{"objectId":"b27b64b9-39d2-44a3-869d-67700b74e805","tenantId":"c70d068c-2f32-484d-9455-73070cd5aadd","principalType":"resourceAccount"}"#;
const ERROR_RESPONSE: &str = r#"{"error":{"code":"ValidationError","message":"The request is invalid.","target":"scopes","details":[{"code":"InvalidScope","message":"The scope is not known.","target":"scopes[0]"}],"innererror":{"code":"ScopeNotSupported","message":"Unsupported scope for this api-version."}}}"#;

fn parse<T: DeserializeOwned>(json: &str) -> T {
    match serde_json::from_slice(json.as_bytes()) {
        Ok(value) => value,
        Err(error) => panic!("the benchmark body parses: {error}"),
    }
}

fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(bytes) => bytes,
        Err(error) => panic!("the benchmark value serializes: {error}"),
    }
}

/// One `deserialize::$name` and one `serialize::$name` benchmark per model.
macro_rules! model_benches {
    ($($name:ident: $model:ty = $json:expr;)*) => {
        /// `serde_json::from_slice` of the model's body.
        mod deserialize {
            use super::*;
            $(
                #[divan::bench]
                fn $name() -> $model {
                    parse::<$model>(black_box($json))
                }
            )*
        }

        /// `serde_json::to_vec` of the model parsed from its body.
        mod serialize {
            use super::*;
            $(
                #[divan::bench]
                fn $name(bencher: Bencher<'_, '_>) {
                    let value: $model = parse($json);
                    bencher.bench_local(|| to_vec(black_box(&value)));
                }
            )*
        }
    };
}

model_benches! {
    create_request: CommunicationIdentityCreateRequest = CREATE_REQUEST;
    access_token_request: CommunicationIdentityAccessTokenRequest = ACCESS_TOKEN_REQUEST;
    identity: CommunicationIdentity = IDENTITY;
    access_token: CommunicationIdentityAccessToken = ACCESS_TOKEN;
    access_token_result: CommunicationIdentityAccessTokenResult = ACCESS_TOKEN_RESULT;
    teams_user_exchange_request: TeamsUserExchangeTokenRequest = TEAMS_USER_EXCHANGE;
    teams_extension_exchange_request: TeamsExtensionExchangeTokenRequest = TEAMS_EXTENSION_EXCHANGE;
    assignment_request: TeamsExtensionAssignmentCreateOrUpdateRequest = ASSIGNMENT_REQUEST;
    assignment_response: TeamsExtensionAssignmentResponse = ASSIGNMENT_RESPONSE;
    error_response: CommunicationErrorResponse = ERROR_RESPONSE;
}
