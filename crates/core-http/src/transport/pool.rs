//! The connection pool of [`HyperTransport`](super::HyperTransport).
//!
//! Connections are kept per origin (scheme and authority) and reused. The rule that decides
//! between reusing and connecting is what this pool exists for: a call connects only while
//! its origin has fewer connections open (or being opened) than calls in flight; otherwise
//! it waits for a connection another call hands back. So an origin never sees more
//! connections than there were calls in flight at once. (hyper-util's legacy pool, which
//! this replaces, races a new connection against a returned one and keeps the loser, so a
//! client with N calls in flight could open more than N connections.)
//!
//! Over TLS, ALPN may choose HTTP/2; such a connection is shared by every call to the origin
//! while it is open. (Calls that connect at the same moment, before any connection exists,
//! may each get one; the first is shared, the others close when their call is done.)
//! HTTP/1.1 connections carry one exchange at a time and go back to the pool only after
//! their response body was read in full and the server did not ask to close. A connection
//! no call has started an exchange on for the idle timeout is closed, by a background task
//! that ends with the pool (and starts again in the next runtime that uses the pool, if the
//! one it ran in shut down).
//!
//! Every count is kept by a guard, so a call that is dropped at any point (waiting,
//! connecting, sending) gives back what it held: its place among the calls in flight, its
//! connection, or the right to connect, which passes to a waiting call.
//!
//! A reused HTTP/1.1 connection can turn out to be closed when a request is put on it (the
//! server dropped it while idle). The request was then not written at all, and the pool
//! sends it again on another connection, as hyper-util did; a failure on a new connection
//! is the caller's to handle.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::uri::{Authority, Scheme};
use http::{HeaderValue, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::{TrySendError, http1, http2};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::{Connection as _, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tower_service::Service as _;
use tracing::debug;

type Body = Full<Bytes>;

/// How often one call may find a reused connection closed before it goes to a new one.
const MAX_STALE_RETRIES: usize = 4;

/// Why a call could not be sent; the transport turns these into [`crate::Error`]s.
#[derive(Debug)]
pub(super) enum PoolError {
    /// The URL has no scheme or authority to connect to.
    InvalidUri,
    /// Connecting (TCP, TLS) failed: nothing was sent.
    Connect(Box<dyn std::error::Error + Send + Sync>),
    /// The HTTP handshake on a new connection failed: nothing was sent.
    Handshake(hyper::Error),
    /// A new connection refused the request before writing any of it.
    Unsent(hyper::Error),
    /// The exchange failed after the request was handed to a connection.
    Send(hyper::Error),
}

/// The origin a connection belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    scheme: Scheme,
    authority: Authority,
}

/// The pool; cheap to share through [`Arc`].
pub(super) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    connector: HttpsConnector<HttpConnector>,
    idle_timeout: Option<Duration>,
    origins: Mutex<HashMap<Key, Origin>>,
    reaper_started: AtomicBool,
}

/// The state of one origin.
#[derive(Default)]
struct Origin {
    /// Calls between entering [`Pool::send`] and finishing (or being dropped).
    in_flight: usize,
    /// Connections open or being opened.
    open: usize,
    /// HTTP/1.1 connections free for a request, the most recently used last.
    idle: Vec<Idle>,
    /// The open HTTP/2 connection shared by every call, if any (a `Vec` because one may
    /// be found closed while the next is being set up).
    shared: Vec<Shared>,
    /// Calls waiting for a connection, oldest first.
    waiters: VecDeque<oneshot::Sender<Handoff>>,
}

struct Idle {
    sender: http1::SendRequest<Body>,
    since: Instant,
}

struct Shared {
    sender: http2::SendRequest<Body>,
    /// When a call last started an exchange on it.
    used: Instant,
}

/// What a waiting call is given.
enum Handoff {
    /// A connection another call finished with.
    Connection(http1::SendRequest<Body>),
    /// The right to open a connection, already counted in [`Origin::open`]: the guard
    /// gives the count back if the call is gone before it connects.
    Connect(Opened),
}

/// A connection a call holds.
enum Held {
    Http1 {
        sender: http1::SendRequest<Body>,
        reused: bool,
    },
    Http2 {
        sender: http2::SendRequest<Body>,
        reused: bool,
    },
}

/// One call's hold on the pool, from sending until its response has been read: its place
/// among the calls in flight and, for HTTP/1.1, its connection.
pub(super) struct Exchange {
    pool: Weak<Inner>,
    key: Key,
    connection: Option<http1::SendRequest<Body>>,
    _call: InFlight,
}

impl Exchange {
    /// Ends the call after its response was read in full: an HTTP/1.1 connection goes back
    /// for the next call, unless `keep_alive` is false because the server asked to close
    /// it. Dropping the exchange instead (the body failed, or was too large) closes that
    /// connection.
    pub(super) fn finish(mut self, keep_alive: bool) {
        if let Some(sender) = self.connection.take()
            && keep_alive
            && let Some(pool) = self.pool.upgrade()
        {
            pool.release(&self.key, sender);
        }
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origins = self.inner.lock();
        f.debug_struct("Pool")
            .field("origins", &origins.len())
            .field("idle_timeout", &self.inner.idle_timeout)
            .finish()
    }
}

impl Pool {
    pub(super) fn new(
        connector: HttpsConnector<HttpConnector>,
        idle_timeout: Option<Duration>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                connector,
                idle_timeout,
                origins: Mutex::new(HashMap::new()),
                reaper_started: AtomicBool::new(false),
            }),
        }
    }

    /// Sends `request` on a pooled or new connection. The caller reads the response body
    /// and then [finishes](Exchange::finish) the exchange.
    pub(super) async fn send(
        &self,
        mut request: http::Request<Body>,
    ) -> Result<(http::Response<Incoming>, Exchange), PoolError> {
        let key = Key::of(request.uri()).ok_or(PoolError::InvalidUri)?;
        // The absolute URI: connecting needs it, and HTTP/2 sends it; HTTP/1.1 sends only
        // its path, so a request retried on another connection starts from this again.
        let target = request.uri().clone();
        self.inner.start_reaper();
        let call = InFlight::enter(&self.inner, &key);

        let mut stale = 0;
        loop {
            let held = self.inner.acquire(&key, &target).await?;
            *request.uri_mut() = target.clone();
            let (outcome, reused, connection) = match held {
                Held::Http1 { mut sender, reused } => {
                    prepare_http1(&mut request, &key);
                    let outcome = match sender.ready().await {
                        Ok(()) => Outcome::of(sender.try_send_request(request).await),
                        Err(error) => Outcome::Unsent(request, error),
                    };
                    (outcome, reused, Some(sender))
                }
                Held::Http2 { mut sender, reused } => {
                    let outcome = match sender.ready().await {
                        Ok(()) => Outcome::of(sender.try_send_request(request).await),
                        Err(error) => Outcome::Unsent(request, error),
                    };
                    (outcome, reused, None)
                }
            };
            match outcome {
                Outcome::Response(response) => {
                    let exchange = Exchange {
                        pool: Arc::downgrade(&self.inner),
                        key,
                        connection,
                        _call: call,
                    };
                    return Ok((response, exchange));
                }
                // Not written at all: a reused connection was closed. Try another.
                Outcome::Unsent(unsent, _) if reused && stale < MAX_STALE_RETRIES => {
                    debug!("a pooled connection was closed; sending on another");
                    stale += 1;
                    request = unsent;
                }
                Outcome::Unsent(_, error) => return Err(PoolError::Unsent(error)),
                Outcome::Failed(error) => return Err(PoolError::Send(error)),
            }
        }
    }
}

/// How putting a request on a connection ended.
enum Outcome {
    Response(http::Response<Incoming>),
    /// The connection refused the request before writing any of it.
    Unsent(http::Request<Body>, hyper::Error),
    Failed(hyper::Error),
}

impl Outcome {
    fn of(result: Result<http::Response<Incoming>, TrySendError<http::Request<Body>>>) -> Self {
        match result {
            Ok(response) => Self::Response(response),
            Err(mut error) => match error.take_message() {
                Some(request) => Self::Unsent(request, error.into_error()),
                None => Self::Failed(error.into_error()),
            },
        }
    }
}

impl Key {
    fn of(uri: &Uri) -> Option<Self> {
        Some(Self {
            scheme: uri.scheme()?.clone(),
            authority: uri.authority()?.clone(),
        })
    }

    fn default_port(&self) -> u16 {
        if self.scheme == Scheme::HTTPS {
            443
        } else {
            80
        }
    }
}

/// An HTTP/1.1 request line carries only the path and query, and the `Host` header names
/// the server: its host, and its port unless that is the scheme's default (the form the
/// HMAC signature covers).
fn prepare_http1(request: &mut http::Request<Body>, key: &Key) {
    if !request.headers().contains_key(http::header::HOST) {
        let host = key.authority.host();
        let value = match key.authority.port_u16() {
            Some(port) if port != key.default_port() => {
                HeaderValue::from_str(&format!("{host}:{port}"))
            }
            _ => HeaderValue::from_str(host),
        };
        // An authority that parsed is a valid header value.
        if let Ok(value) = value {
            request.headers_mut().insert(http::header::HOST, value);
        }
    }
    if request.uri().scheme().is_some() {
        let origin_form = request
            .uri()
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str)
            .parse::<Uri>();
        if let Ok(uri) = origin_form {
            *request.uri_mut() = uri;
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Origin>> {
        self.origins.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection for one exchange with `key`: reused, handed over, or new.
    async fn acquire(self: &Arc<Self>, key: &Key, uri: &Uri) -> Result<Held, PoolError> {
        enum Step {
            Use(Held),
            Connect,
            Wait(oneshot::Receiver<Handoff>),
        }
        loop {
            let step = {
                let mut origins = self.lock();
                let origin = origins.entry(key.clone()).or_default();
                origin.shared.retain(|shared| !shared.sender.is_closed());
                if let Some(shared) = origin.shared.first_mut() {
                    shared.used = Instant::now();
                    Step::Use(Held::Http2 {
                        sender: shared.sender.clone(),
                        reused: true,
                    })
                } else if let Some(sender) = origin.take_idle(self.idle_timeout) {
                    Step::Use(Held::Http1 {
                        sender,
                        reused: true,
                    })
                } else if origin.open < origin.in_flight {
                    origin.open += 1;
                    Step::Connect
                } else {
                    let (sender, receiver) = oneshot::channel();
                    origin.waiters.push_back(sender);
                    Step::Wait(receiver)
                }
            };
            match step {
                Step::Use(held) => return Ok(held),
                Step::Connect => return self.connect(key, uri, Opened::counted(self, key)).await,
                Step::Wait(receiver) => match receiver.await {
                    Ok(Handoff::Connection(sender)) => {
                        return Ok(Held::Http1 {
                            sender,
                            reused: true,
                        });
                    }
                    Ok(Handoff::Connect(opened)) => {
                        return self.connect(key, uri, opened).await;
                    }
                    // The pool let go of the waiter without an answer: look again.
                    Err(_) => continue,
                },
            }
        }
    }

    /// Opens a connection to `key`, already counted by `opened`, which then lives as long
    /// as the connection does.
    async fn connect(
        self: &Arc<Self>,
        key: &Key,
        uri: &Uri,
        opened: Opened,
    ) -> Result<Held, PoolError> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(PoolError::Connect)?;
        let io = connector
            .call(uri.clone())
            .await
            .map_err(PoolError::Connect)?;
        if io.connected().is_negotiated_h2() {
            let (sender, connection) = http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .handshake(io)
                .await
                .map_err(PoolError::Handshake)?;
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    debug!(%error, "an HTTP/2 connection ended with an error");
                }
                drop(opened);
            });
            {
                let mut origins = self.lock();
                let origin = origins.entry(key.clone()).or_default();
                origin.shared.retain(|shared| !shared.sender.is_closed());
                // Another call's connection may have been shared meanwhile; then this one
                // serves this call only and closes when the call lets go of it.
                if origin.shared.is_empty() {
                    origin.shared.push(Shared {
                        sender: sender.clone(),
                        used: Instant::now(),
                    });
                }
            }
            Ok(Held::Http2 {
                sender,
                reused: false,
            })
        } else {
            let (sender, connection) = http1::Builder::new()
                .handshake(io)
                .await
                .map_err(PoolError::Handshake)?;
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    debug!(%error, "an HTTP/1.1 connection ended with an error");
                }
                drop(opened);
            });
            Ok(Held::Http1 {
                sender,
                reused: false,
            })
        }
    }

    /// Gives a finished HTTP/1.1 connection to the oldest waiting call, or keeps it idle.
    fn release(&self, key: &Key, mut sender: http1::SendRequest<Body>) {
        if sender.is_closed() {
            return;
        }
        let mut origins = self.lock();
        let origin = origins.entry(key.clone()).or_default();
        while let Some(waiter) = origin.waiters.pop_front() {
            match waiter.send(Handoff::Connection(sender)) {
                Ok(()) => return,
                // That call was dropped while it waited; try the next one.
                Err(Handoff::Connection(back)) => sender = back,
                Err(Handoff::Connect(opened)) => {
                    // Not reached: only a connection is offered here. Give the count back
                    // without re-entering the lock held now.
                    origin.open = origin.open.saturating_sub(1);
                    opened.disarm();
                    return;
                }
            }
        }
        origin.idle.push(Idle {
            sender,
            since: Instant::now(),
        });
    }

    /// A connection closed or could not be opened: one fewer open, and a waiting call may
    /// now open one in its place.
    fn closed(self: &Arc<Self>, key: &Key) {
        let mut origins = self.lock();
        let Some(origin) = origins.get_mut(key) else {
            return;
        };
        origin.open = origin.open.saturating_sub(1);
        origin.let_waiters_connect(self, key);
        if origin.is_unused() {
            origins.remove(key);
        }
    }

    fn left(&self, key: &Key) {
        let mut origins = self.lock();
        let Some(origin) = origins.get_mut(key) else {
            return;
        };
        origin.in_flight = origin.in_flight.saturating_sub(1);
        // Forget calls that were dropped while they waited.
        origin.waiters.retain(|waiter| !waiter.is_closed());
        if origin.is_unused() {
            origins.remove(key);
        }
    }

    /// Starts the task that closes idle connections, once, from inside the runtime.
    fn start_reaper(self: &Arc<Self>) {
        let Some(timeout) = self.idle_timeout else {
            return;
        };
        if self.reaper_started.swap(true, Ordering::Relaxed) {
            return;
        }
        let pool = Arc::downgrade(self);
        let period = timeout.max(Duration::from_millis(100));
        tokio::spawn(async move {
            // Dropped when the task ends, also when its runtime shuts down: the next call
            // then starts the task again.
            let _running = ReaperRunning(pool.clone());
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(pool) = pool.upgrade() else { return };
                let mut origins = pool.lock();
                for origin in origins.values_mut() {
                    origin.drop_expired_idle(timeout);
                }
                origins.retain(|_, origin| !origin.is_unused());
            }
        });
    }
}

impl Origin {
    /// The most recently used idle connection that is still open and not expired.
    fn take_idle(&mut self, timeout: Option<Duration>) -> Option<http1::SendRequest<Body>> {
        if let Some(timeout) = timeout {
            self.drop_expired_idle(timeout);
        }
        while let Some(idle) = self.idle.pop() {
            if !idle.sender.is_closed() {
                return Some(idle.sender);
            }
        }
        None
    }

    /// Closes idle connections unused for `timeout` or more. (Their tasks end and count
    /// them as closed.)
    fn drop_expired_idle(&mut self, timeout: Duration) {
        let now = Instant::now();
        self.idle
            .retain(|idle| !idle.sender.is_closed() && now.duration_since(idle.since) < timeout);
        // An HTTP/2 connection closes once calls still using it let go of their handles.
        self.shared.retain(|shared| {
            !shared.sender.is_closed() && now.duration_since(shared.used) < timeout
        });
    }

    /// Lets waiting calls connect while fewer connections are open than calls in flight.
    /// Called with the pool's lock held, so a guard that comes back unsent is disarmed, not
    /// dropped (its drop would take the lock again).
    fn let_waiters_connect(&mut self, pool: &Arc<Inner>, key: &Key) {
        while self.open < self.in_flight {
            let Some(waiter) = self.waiters.pop_front() else {
                return;
            };
            self.open += 1;
            if let Err(unsent) = waiter.send(Handoff::Connect(Opened::counted(pool, key))) {
                // That call was dropped while it waited.
                self.open -= 1;
                if let Handoff::Connect(opened) = unsent {
                    opened.disarm();
                }
            }
        }
    }

    fn is_unused(&self) -> bool {
        self.in_flight == 0
            && self.open == 0
            && self.idle.is_empty()
            && self.shared.is_empty()
            && self.waiters.is_empty()
    }
}

/// Marks the idle-closing task as running while it lives.
struct ReaperRunning(Weak<Inner>);

impl Drop for ReaperRunning {
    fn drop(&mut self) {
        if let Some(pool) = self.0.upgrade() {
            pool.reaper_started.store(false, Ordering::Relaxed);
        }
    }
}

/// A call's place among its origin's calls in flight.
struct InFlight {
    pool: Weak<Inner>,
    key: Key,
}

impl InFlight {
    fn enter(pool: &Arc<Inner>, key: &Key) -> Self {
        pool.lock().entry(key.clone()).or_default().in_flight += 1;
        Self {
            pool: Arc::downgrade(pool),
            key: key.clone(),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.left(&self.key);
        }
    }
}

/// One counted connection of an origin, open or being opened.
struct Opened {
    /// `None` once disarmed.
    pool: Option<Weak<Inner>>,
    key: Key,
}

impl Opened {
    /// For a connection already added to [`Origin::open`].
    fn counted(pool: &Arc<Inner>, key: &Key) -> Self {
        Self {
            pool: Some(Arc::downgrade(pool)),
            key: key.clone(),
        }
    }
}

impl Opened {
    /// Drops the guard without giving its count back, for a caller that already did so
    /// itself while holding the pool's lock.
    fn disarm(mut self) {
        self.pool = None;
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take().and_then(|pool| pool.upgrade()) {
            pool.closed(&self.key);
        }
    }
}
