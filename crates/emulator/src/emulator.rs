//! A running emulator: its address, its credentials, and what tests can ask it.
//!
//! [`Emulator`] owns the server task. Dropping it aborts the task, which closes the port and
//! every open connection; [`Emulator::shutdown`] stops it gracefully instead. Besides the
//! connection details it offers test hooks that go around HTTP: the request log, token
//! checks, identity lookups, minting test Entra tokens, replacing the fault rules and the
//! number of connections accepted.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use crate::builder::EmulatorBuilder;
use crate::entra::{EntraToken, EntraTokenOptions};
use crate::error::Result;
use crate::faults::FaultRule;
use crate::recorded::RecordedRequest;
use crate::server::ServerHandle;
use crate::service::Service;
use crate::tokens::AccessTokenClaims;

/// An Identity service on loopback. See the [crate documentation](crate) for what it does.
pub struct Emulator {
    service: Arc<Service>,
    local_addr: SocketAddr,
    endpoint: Url,
    access_key: String,
    ca_pem: Option<String>,
    connections_accepted: Arc<AtomicU64>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoint", &self.endpoint.as_str())
            .field("resource_id", &self.service.config.resource_id)
            .field("access_key", &"***")
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with the default settings: `127.0.0.1`, a free port, a random
    /// access key and resource id.
    ///
    /// # Errors
    ///
    /// As [`EmulatorBuilder::start`]; with the defaults only a failure to bind, or being
    /// called outside a Tokio runtime.
    pub async fn start() -> Result<Emulator> {
        Self::builder().start().await
    }

    /// Settings for an emulator to start.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    pub(crate) fn new(
        service: Arc<Service>,
        local_addr: SocketAddr,
        endpoint: Url,
        access_key: String,
        server: ServerHandle,
        task: JoinHandle<()>,
    ) -> Self {
        Self {
            service,
            local_addr,
            endpoint,
            access_key,
            ca_pem: None,
            connections_accepted: server.connections_accepted,
            shutdown: Some(server.shutdown),
            task: Some(task),
        }
    }

    /// Records the CA certificate of a TLS-serving emulator.
    pub(crate) fn with_ca_certificate_pem(mut self, ca_pem: Option<String>) -> Self {
        self.ca_pem = ca_pem;
        self
    }

    /// The connection string clients use: `endpoint=http://127.0.0.1:PORT/;accesskey=KEY`
    /// (`https://` when serving TLS).
    pub fn connection_string(&self) -> String {
        format!("endpoint={};accesskey={}", self.endpoint, self.access_key)
    }

    /// The endpoint, `http://127.0.0.1:PORT/` (`https://` when serving TLS).
    pub fn endpoint(&self) -> Url {
        self.endpoint.clone()
    }

    /// The CA certificate (PEM) that signed the server certificate when the emulator
    /// serves TLS ([`EmulatorBuilder::tls`]); `None` when it serves plain HTTP. Trust it,
    /// and only it, to reach this emulator over HTTPS.
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base64 access key. Treat it as a secret; it is valid only for this emulator.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The resource id embedded in this emulator's user ids.
    pub fn resource_id(&self) -> &str {
        &self.service.config.resource_id
    }

    /// Every request received so far, oldest first: one entry per attempt, including
    /// attempts that met an injected fault.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.service.state.requests()
    }

    /// How many TCP connections the server has accepted since it started: every one,
    /// plain or TLS, whether or not a request came on it (a failed TLS handshake counts
    /// too). A connection is counted when it is accepted, before anything is read from it,
    /// so once a client has a response the connection it came on is in the count. A client
    /// that reuses its connections keeps this at or below the number of calls it had in
    /// flight at once.
    pub fn connections_accepted(&self) -> u64 {
        self.connections_accepted.load(Ordering::Relaxed)
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.service.state.clear_requests();
    }

    /// Creates an identity directly, as `POST /identities` would, and returns its id.
    pub fn create_identity(&self) -> String {
        let id = crate::identifiers::new_user_id(&self.service.config.resource_id);
        self.service.state.create_identity(id.clone());
        id
    }

    /// Whether an identity exists (was created and not deleted).
    pub fn identity_exists(&self, id: &str) -> bool {
        self.service.state.identity_exists(id)
    }

    /// The ids of all existing identities, sorted.
    pub fn identities(&self) -> Vec<String> {
        self.service.state.identities()
    }

    /// The claims of an access token this emulator minted, whether or not it is still
    /// valid; `None` for any other string.
    pub fn token_claims(&self, token: &str) -> Option<AccessTokenClaims> {
        self.service.tokens.read(token).map(|(claims, _)| claims)
    }

    /// Whether `token` is an access token minted by this emulator that has not expired, has
    /// not been revoked, and whose identity has not been deleted.
    pub fn is_token_valid(&self, token: &str) -> bool {
        let Some((claims, sequence)) = self.service.tokens.read(token) else {
            return false;
        };
        if claims.expires_on <= self.service.config.clock.now() {
            return false;
        }
        if crate::identifiers::belongs_to(&claims.user_id, self.resource_id()) {
            self.service.state.token_in_force(&claims.user_id, sequence)
        } else {
            // Exchanged Teams user tokens (`8:orgid:…`) belong to no identity here.
            true
        }
    }

    /// Mints a test Entra token, good as `Authorization: Bearer …` for this emulator (with
    /// the default audience) and as the `token` of a Teams user exchange.
    pub fn issue_entra_token(&self, options: EntraTokenOptions) -> EntraToken {
        self.service
            .entra
            .mint(options, self.service.config.clock.now())
    }

    /// Replaces the fault rules, resetting their counts and the random sequence of
    /// `fraction` conditions (see [`crate::faults`]). Requests already past the rules are
    /// not affected.
    pub fn set_faults(&self, rules: impl IntoIterator<Item = FaultRule>) {
        self.service.faults.install(rules.into_iter().collect());
    }

    /// Removes every fault rule: from now on requests are served normally.
    pub fn clear_faults(&self) {
        self.service.faults.install(Vec::new());
    }

    /// The fault rules installed now, in the order they are tried.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.service.faults.rules()
    }

    /// The seed of the fault rules' random sequence: the one given to
    /// [`EmulatorBuilder::fault_seed`], or the random one drawn at start (log it to replay
    /// a run).
    pub fn fault_seed(&self) -> u64 {
        self.service.faults.seed()
    }

    /// Stops accepting connections, ends requests held by a hang fault, lets other
    /// requests in flight finish (for up to 5 seconds) and waits for the server task to
    /// end.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already have stopped; then there is nobody to tell.
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            tracing::debug!(%error, "the emulator's server task did not end cleanly");
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
