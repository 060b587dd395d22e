//! Configuring an emulator before it starts.
//!
//! [`EmulatorBuilder`] holds every setting with a default fit for tests: loopback, a random
//! port, a random access key and resource id, the 15-minute clock-skew window, every stable
//! api-version, the system clock, a 64 KiB body limit, a 30-second request-head deadline,
//! 1024 connections at once, and no fault rules. [`EmulatorBuilder::start`] checks the
//! settings, binds the port and spawns the server.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use acs_core_auth::AzureKeyCredential;
use tokio::net::TcpListener;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::emulator::Emulator;
use crate::entra::EntraSigner;
use crate::error::{Error, Result};
use crate::faults::{FaultInjector, FaultRule};
use crate::server::Limits;
use crate::service::Service;
use crate::tls::{Tls, TlsOptions};
use crate::tokens::TokenSigner;
use crate::versions::ApiVersionPolicy;
use crate::{identifiers, persist, random, server};

/// The default clock-skew window for HMAC-signed request dates.
pub const DEFAULT_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The default limit of a request body, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// The default time a client has to send a complete request head.
pub const DEFAULT_HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The default number of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Settings the running server reads.
pub(crate) struct Config {
    pub(crate) resource_id: String,
    pub(crate) max_skew: time::Duration,
    pub(crate) api_versions: ApiVersionPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Settings of an emulator to start; see [`Emulator::builder`].
#[derive(Clone)]
#[must_use = "call .start().await to run the emulator"]
pub struct EmulatorBuilder {
    host: IpAddr,
    port: u16,
    access_key: Option<String>,
    resource_id: Option<String>,
    resource_location: String,
    clock_skew: std::time::Duration,
    api_versions: ApiVersionPolicy,
    clock: Arc<dyn Clock>,
    max_body_bytes: usize,
    header_read_timeout: std::time::Duration,
    max_connections: usize,
    request_log_limit: Option<usize>,
    faults: Vec<FaultRule>,
    fault_seed: Option<u64>,
    tls: Option<TlsOptions>,
    state_file: Option<std::path::PathBuf>,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("access_key", &self.access_key.as_ref().map(|_| "***"))
            .field("resource_id", &self.resource_id)
            .field("resource_location", &self.resource_location)
            .field("clock_skew", &self.clock_skew)
            .field("api_versions", &self.api_versions)
            .field("clock", &self.clock)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("request_log_limit", &self.request_log_limit)
            .field("faults", &self.faults)
            .field("fault_seed", &self.fault_seed)
            .field("tls", &self.tls)
            .field("state_file", &self.state_file)
            .finish()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            access_key: None,
            resource_id: None,
            resource_location: "unitedstates".to_owned(),
            clock_skew: DEFAULT_CLOCK_SKEW,
            api_versions: ApiVersionPolicy::default(),
            clock: Arc::new(SystemClock),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            request_log_limit: None,
            faults: Vec::new(),
            fault_seed: None,
            tls: None,
            state_file: None,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1`). An unspecified address (`0.0.0.0`,
    /// `::`) listens on every interface; the endpoint then names the loopback address.
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port to listen on (default 0: a free port chosen by the system).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The base64 access key HMAC signatures are checked with (default: 64 random bytes).
    pub fn access_key(mut self, access_key: impl Into<String>) -> Self {
        self.access_key = Some(access_key.into());
        self
    }

    /// The resource id that user ids embed (`8:acs:<resource id>_…`; default: a random
    /// GUID). Ids of any other resource are answered with 401 `IdentityNotOwned`.
    pub fn resource_id(mut self, resource_id: impl Into<String>) -> Self {
        self.resource_id = Some(resource_id.into());
        self
    }

    /// The `resourceLocation` claim of minted tokens (default `unitedstates`).
    pub fn resource_location(mut self, location: impl Into<String>) -> Self {
        self.resource_location = location.into();
        self
    }

    /// How far a signed request's date may be from the emulator's clock, either way
    /// (default 15 minutes).
    pub fn clock_skew(mut self, window: std::time::Duration) -> Self {
        self.clock_skew = window;
        self
    }

    /// Which `api-version` values are served (default: every stable version).
    pub fn api_versions(mut self, policy: ApiVersionPolicy) -> Self {
        self.api_versions = policy;
        self
    }

    /// The clock used for date checks and token times (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The largest request body accepted; larger ones get 413 (default 64 KiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How long a client may take to send a complete request line and headers, from
    /// connecting (or, on a kept-alive HTTP/1.1 connection, from the previous answer);
    /// slower connections are closed (default 30 seconds).
    pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The most connections served at once; more wait in the listen backlog until one
    /// closes (default 1024).
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.max_connections = limit;
        self
    }

    /// How many of the newest requests [`Emulator::requests`](crate::Emulator::requests)
    /// keeps: `None` (the default) keeps every one, `Some(0)` none. The log grows with every
    /// request, so an emulator that serves a long time (the binary keeps none) or a load
    /// test should set a limit.
    pub fn request_log_limit(mut self, limit: Option<usize>) -> Self {
        self.request_log_limit = limit;
        self
    }

    /// Adds a fault rule; rules are tried in the order added. See [`crate::faults`].
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// The seed of the random sequence `fraction` conditions draw from (default: a random
    /// seed, which [`Emulator::fault_seed`] tells).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// Serves HTTPS instead of HTTP (default: HTTP). Starting then generates a CA and a
    /// server certificate for `127.0.0.1`, `::1` and `localhost` (see the
    /// [crate documentation](crate#https)); the CA certificate is
    /// [`Emulator::ca_certificate_pem`] and is written to [`TlsOptions::ca_cert_out`] when
    /// that is set.
    pub fn tls(mut self, options: TlsOptions) -> Self {
        self.tls = Some(options);
        self
    }

    /// Keeps the state in a JSON file (default: memory only): loaded at start (a missing
    /// file is an empty state) and rewritten atomically after every change, so a restart
    /// with the same file keeps every identity, custom id, revocation and Teams Extension
    /// assignment, and tokens issued before it still verify. The file also holds the
    /// resource id, the access key (a configured one wins and is saved) and the token
    /// signing secrets; see the [crate documentation](crate#state-file).
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Checks the settings, binds the port and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAccessKey`] or [`Error::InvalidResourceId`] for bad settings,
    /// [`Error::InvalidConfig`] for a clock-skew window too large to represent, a zero
    /// header-read timeout or a zero connection limit,
    /// [`Error::NoRuntime`] outside a Tokio runtime, [`Error::Bind`] when the address
    /// cannot be bound; with [`tls`](Self::tls), [`Error::Tls`] when the certificates
    /// cannot be made and [`Error::CaCertOut`] when the CA certificate cannot be written;
    /// with [`state_file`](Self::state_file), [`Error::StateFile`] when the file cannot
    /// be read or written, is corrupt, or belongs to another resource id.
    pub async fn start(self) -> Result<Emulator> {
        let restored = persist::restore(
            self.state_file.as_deref(),
            self.access_key,
            self.resource_id,
        )?;
        let access_key = restored
            .access_key
            .clone()
            .unwrap_or_else(random::access_key);
        let decoded_key = AzureKeyCredential::new(access_key.clone())
            .map_err(Error::InvalidAccessKey)?
            .decoded_key();
        let resource_id = restored
            .resource_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if !identifiers::is_valid_resource_id(&resource_id) {
            return Err(Error::InvalidResourceId);
        }
        let max_skew = time::Duration::try_from(self.clock_skew)
            .map_err(|_| Error::InvalidConfig("the clock-skew window is too large"))?;
        if self.header_read_timeout.is_zero() {
            return Err(Error::InvalidConfig(
                "the header-read timeout must not be zero",
            ));
        }
        if self.max_connections == 0 {
            return Err(Error::InvalidConfig(
                "the connection limit must not be zero",
            ));
        }
        tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;

        let listener = TcpListener::bind(SocketAddr::new(self.host, self.port))
            .await
            .map_err(Error::Bind)?;
        let local_addr = listener.local_addr().map_err(Error::Bind)?;
        let tls = self.tls.as_ref().map(Tls::prepare).transpose()?;

        let token_key = restored.token_key.to_vec();
        let entra_key = restored.entra_key.to_vec();
        let state = restored.into_state(&access_key, &resource_id)?;
        state.set_request_log_limit(self.request_log_limit);
        let service = Arc::new(Service {
            tokens: TokenSigner::new(token_key, resource_id.clone(), self.resource_location),
            entra: EntraSigner::new(entra_key),
            access_key: decoded_key,
            state,
            faults: FaultInjector::new(self.fault_seed.unwrap_or_else(random::seed), self.faults),
            stopping: tokio::sync::watch::Sender::new(false),
            config: Config {
                resource_id,
                max_skew,
                api_versions: self.api_versions,
                max_body_bytes: self.max_body_bytes,
                clock: self.clock,
            },
        });
        let mut endpoint = endpoint(local_addr)?;
        if tls.is_some() && endpoint.set_scheme("https").is_err() {
            return Err(Error::InvalidConfig("the endpoint does not take https"));
        }
        let limits = Limits {
            header_read_timeout: self.header_read_timeout,
            max_connections: self.max_connections,
        };
        let (ca_pem, acceptor) = tls.map(|tls| (tls.ca_pem, tls.acceptor)).unzip();
        let (shutdown, task) = server::spawn(listener, Arc::clone(&service), limits, acceptor);
        let emulator = Emulator::new(service, local_addr, endpoint, access_key, shutdown, task);
        Ok(emulator.with_ca_certificate_pem(ca_pem))
    }
}

/// The endpoint clients should use for a listener on `local_addr`: the loopback address
/// when listening on every interface.
fn endpoint(local_addr: SocketAddr) -> Result<Url> {
    let ip = match local_addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let authority = SocketAddr::new(ip, local_addr.port());
    Url::parse(&format!("http://{authority}/"))
        .map_err(|_| Error::InvalidConfig("the listening address does not form a URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_name_loopback_for_unspecified_addresses() {
        let endpoint = |addr: &str| endpoint(addr.parse().unwrap()).unwrap().to_string();

        assert_eq!(endpoint("127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(endpoint("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(endpoint("[::]:8080"), "http://[::1]:8080/");
        assert_eq!(endpoint("[::1]:9"), "http://[::1]:9/");
    }
}
