//! The policies a pipeline is assembled from.
//!
//! Per call: [`ClientRequestIdPolicy`], [`UserAgentPolicy`]. Around the attempts:
//! [`RetryPolicy`]. Per try: [`HmacAuthenticationPolicy`] or [`BearerTokenPolicy`],
//! [`LoggingPolicy`], and last [`TransportPolicy`]. [`crate::Pipeline::new`] puts them in
//! that order; each can also be used on its own in a hand-built chain.

mod bearer;
mod client_request_id;
mod hmac;
mod logging;
pub mod retry;
mod transport;
mod user_agent;

pub use self::bearer::BearerTokenPolicy;
pub use self::client_request_id::ClientRequestIdPolicy;
pub use self::hmac::HmacAuthenticationPolicy;
pub use self::logging::LoggingPolicy;
pub use self::retry::{RetryPolicy, parse_retry_after};
pub use self::transport::TransportPolicy;
pub use self::user_agent::UserAgentPolicy;
