//! In-memory doubles shared by the unit tests of this crate.

#![allow(clippy::unwrap_used, unreachable_pub)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use time::OffsetDateTime;

use crate::policies::TransportPolicy;
use crate::{
    Clock, Context, Error, ErrorKind, Next, Policy, Request, Response, Result, SendState, Transport,
};

/// What the scripted transport does on one attempt.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer with this status, headers and body.
    Respond(u16, Vec<(&'static str, String)>, &'static str),
    /// Fail as if the connection was refused: nothing was sent.
    ConnectionError,
    /// Fail as if the connection was reset after the request was written.
    Reset,
    /// Wait this long (tokio time), then answer with the status.
    Slow(Duration, u16),
    /// Never answer.
    Hang,
}

impl Step {
    pub fn status(status: u16) -> Self {
        Self::Respond(status, Vec::new(), "")
    }

    pub fn with_header(status: u16, name: &'static str, value: &str) -> Self {
        Self::Respond(status, vec![(name, value.to_owned())], "")
    }
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Step>,
    seen: Vec<Request>,
}

/// Counts a send future as in flight until it is dropped, finished or not.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A transport that plays a script of outcomes (then answers 200) and records each request.
#[derive(Debug, Clone, Default)]
pub struct ScriptedTransport {
    state: Arc<Mutex<State>>,
    in_flight: Arc<AtomicUsize>,
}

impl ScriptedTransport {
    pub fn new(script: impl IntoIterator<Item = Step>) -> Self {
        let state = State {
            script: script.into_iter().collect(),
            seen: Vec::new(),
        };
        Self {
            state: Arc::new(Mutex::new(state)),
            in_flight: Arc::default(),
        }
    }

    /// Send futures started and not yet dropped.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub fn always_ok() -> Self {
        Self::new([])
    }

    pub fn attempts(&self) -> usize {
        self.state.lock().unwrap().seen.len()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| {
                r.headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            })
            .collect()
    }
}

#[async_trait]
impl Transport for ScriptedTransport {
    async fn send(&self, request: &Request) -> Result<Response> {
        let _in_flight = InFlight::enter(&self.in_flight);
        let step = {
            let mut state = self.state.lock().unwrap();
            state.seen.push(request.clone());
            state.script.pop_front()
        };
        match step {
            None => Ok(Response::new(StatusCode::OK, HeaderMap::new(), "{}")),
            Some(Step::ConnectionError) => Err(Error::new(
                ErrorKind::Connection,
                "connection refused (scripted)",
            )
            .with_send_state(SendState::NotSent)),
            Some(Step::Reset) => Err(Error::new(
                ErrorKind::Connection,
                "connection reset after sending (scripted)",
            )),
            Some(Step::Slow(wait, status)) => {
                tokio::time::sleep(wait).await;
                Ok(Response::new(
                    StatusCode::from_u16(status).unwrap(),
                    HeaderMap::new(),
                    "",
                ))
            }
            Some(Step::Hang) => std::future::pending().await,
            Some(Step::Respond(status, headers, body)) => {
                let mut map = HeaderMap::new();
                for (name, value) in headers {
                    map.append(
                        HeaderName::from_static(name),
                        HeaderValue::from_str(&value).unwrap(),
                    );
                }
                Ok(Response::new(
                    StatusCode::from_u16(status).unwrap(),
                    map,
                    body,
                ))
            }
        }
    }
}

/// A wall clock that follows tokio's (pausable) clock from a fixed starting date, so that
/// time slept by the retry policy shows in the dates policies stamp.
#[derive(Debug)]
pub struct TokioClock {
    start: tokio::time::Instant,
    at_start: OffsetDateTime,
}

impl TokioClock {
    pub fn new(at_start: OffsetDateTime) -> Self {
        Self {
            start: tokio::time::Instant::now(),
            at_start,
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> OffsetDateTime {
        self.at_start + self.start.elapsed()
    }
}

/// A policy that records the attempt number it sees in the context.
#[derive(Debug, Default)]
pub struct AttemptRecorder {
    pub seen: Mutex<Vec<u32>>,
}

#[async_trait]
impl Policy for AttemptRecorder {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        self.seen.lock().unwrap().push(ctx.attempt());
        next.run(ctx, request).await
    }
}

pub fn request() -> Request {
    let url = "https://contoso.communication.azure.com/identities?api-version=2026-09-23";
    Request::new(Method::POST, url.parse().unwrap())
}

pub async fn run_chain(
    policies: &[Arc<dyn Policy>],
    transport: &ScriptedTransport,
    ctx: &Context,
) -> Result<Response> {
    run_chain_with(policies, transport, ctx, request()).await
}

pub async fn run_chain_with(
    policies: &[Arc<dyn Policy>],
    transport: &ScriptedTransport,
    ctx: &Context,
    mut request: Request,
) -> Result<Response> {
    let mut chain = policies.to_vec();
    chain.push(Arc::new(TransportPolicy::new(Arc::new(transport.clone()))));
    Next::new(&chain).run(ctx, &mut request).await
}
