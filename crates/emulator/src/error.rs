//! The error of starting an emulator.
//!
//! Starting can fail on configuration (an access key that is not base64, a resource id that
//! cannot appear in user ids), on the state file, or on binding the port. Requests never produce this error:
//! refusals of requests are answers on the wire, in the service's envelope.

use std::fmt;
use std::io;

/// Why an emulator did not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The configured access key is empty or not base64. The key is not included.
    InvalidAccessKey(acs_core_auth::KeyError),
    /// The configured resource id is empty, too long, or has characters other than ASCII
    /// letters, digits and `-`.
    InvalidResourceId,
    /// A configured value is outside what the emulator supports; the text says which.
    InvalidConfig(&'static str),
    /// `start` was called outside a Tokio runtime.
    NoRuntime,
    /// The address could not be bound.
    Bind(io::Error),
    /// The TLS certificates or the TLS configuration could not be made; the text says why.
    Tls(String),
    /// The CA certificate could not be written where
    /// [`TlsOptions::ca_cert_out`](crate::TlsOptions::ca_cert_out) asked.
    CaCertOut {
        /// The file that could not be written.
        path: std::path::PathBuf,
        /// Why not.
        source: io::Error,
    },
    /// The state file cannot be read, is not a state file, was written for another
    /// resource id, or cannot be written. The message names the file, never its content.
    StateFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

/// The result of starting an emulator.
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidAccessKey(error) => write!(f, "invalid access key: {error}"),
            Self::InvalidResourceId => f.write_str(
                "invalid resource id: use 1 to 128 ASCII letters, digits or '-' (e.g. a GUID)",
            ),
            Self::InvalidConfig(what) => write!(f, "invalid configuration: {what}"),
            Self::NoRuntime => f.write_str("the emulator must be started on a Tokio runtime"),
            Self::Bind(error) => write!(f, "could not bind the emulator's address: {error}"),
            Self::Tls(what) => write!(f, "could not set up TLS: {what}"),
            Self::CaCertOut { path, source } => write!(
                f,
                "could not write the CA certificate to {}: {source}",
                path.display()
            ),
            Self::StateFile { path, problem } => {
                write!(f, "state file '{}' {problem}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidAccessKey(error) => Some(error),
            Self::Bind(error) => Some(error),
            Self::CaCertOut { source, .. } => Some(source),
            _ => None,
        }
    }
}
