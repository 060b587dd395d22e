use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::test_support::{ScriptedTransport, Step};
use crate::{ErrorKind, RetryOptions, UserAgentOptions};

/// Appends its name to a shared log, noting whether per-call headers were already set.
#[derive(Debug)]
struct Named {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Policy for Named {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: crate::Next<'_>,
    ) -> Result<Response> {
        let stamped = request.headers().contains_key("x-ms-client-request-id")
            && request.headers().contains_key("user-agent");
        self.log.lock().unwrap().push(format!(
            "{}@{}{}",
            self.name,
            ctx.attempt(),
            if stamped { "" } else { "!" }
        ));
        next.run(ctx, request).await
    }
}

fn named(name: &'static str, log: &Arc<Mutex<Vec<String>>>) -> Arc<dyn Policy> {
    Arc::new(Named {
        name,
        log: log.clone(),
    })
}

#[tokio::test(start_paused = true)]
async fn runs_policies_in_the_agreed_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let transport = ScriptedTransport::new([Step::status(503)]);
    let options = ClientOptions {
        transport: Some(Arc::new(transport.clone())),
        per_call_policies: vec![named("caller-call", &log)],
        per_try_policies: vec![named("caller-try", &log)],
        ..Default::default()
    };
    let pipeline = Pipeline::new(
        "acs-test",
        "1.0.0",
        options,
        vec![named("client-call", &log)],
        vec![named("client-try", &log)],
    )
    .unwrap();
    assert_eq!(pipeline.policies().len(), 9);

    let mut request = crate::test_support::request();
    let response = pipeline.send(&Context::new(), &mut request).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "caller-call@1",
            "client-call@1",
            "client-try@1",
            "caller-try@1",
            "client-try@2",
            "caller-try@2"
        ]
    );
    let agent = &transport.header_values("user-agent")[0];
    assert!(agent.starts_with("azsdk-rust-acs-test/1.0.0 ("), "{agent}");
}

#[tokio::test]
async fn returns_error_statuses_as_responses() {
    let transport = ScriptedTransport::new([Step::status(404)]);
    let options = ClientOptions {
        transport: Some(Arc::new(transport)),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "1.0.0", options, Vec::new(), Vec::new()).unwrap();
    let mut request = crate::test_support::request();
    let response = pipeline.send(&Context::new(), &mut request).await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[test]
fn an_invalid_application_id_fails_construction() {
    let options = ClientOptions {
        transport: Some(Arc::new(ScriptedTransport::always_ok())),
        user_agent: UserAgentOptions {
            application_id: Some("not valid!?".into()),
        },
        ..Default::default()
    };
    let error = Pipeline::new("acs-test", "1.0.0", options, Vec::new(), Vec::new()).unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
}

#[tokio::test]
async fn builds_the_default_transport_when_none_is_given() {
    let pipeline = Pipeline::new(
        "acs-test",
        "1.0.0",
        ClientOptions::default(),
        Vec::new(),
        Vec::new(),
    );
    assert!(pipeline.is_ok());
}

#[tokio::test]
async fn an_error_without_a_response_still_names_the_client_request_id() {
    let transport = ScriptedTransport::new([Step::Reset]);
    let options = ClientOptions {
        transport: Some(Arc::new(transport)),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "1.0.0", options, Vec::new(), Vec::new()).unwrap();
    let mut request = crate::test_support::request();
    let ctx = Context::new().with_client_request_id("0f8fad5b-d9cb-469f-a165-70867728950e");

    let error = pipeline.send(&ctx, &mut request).await.unwrap_err();

    assert_eq!(error.status(), None);
    assert_eq!(
        error.client_request_id(),
        Some("0f8fad5b-d9cb-469f-a165-70867728950e")
    );
}

#[tokio::test]
async fn the_options_clock_dates_the_signature_of_a_policy_given_none() {
    use acs_core_auth::AzureKeyCredential;
    use time::macros::datetime;

    use crate::ManualClock;
    use crate::policies::HmacAuthenticationPolicy;

    let transport = ScriptedTransport::always_ok();
    let signing: Arc<dyn Policy> = Arc::new(HmacAuthenticationPolicy::new(
        AzureKeyCredential::new("aw==").unwrap(),
    ));
    let options = ClientOptions {
        transport: Some(Arc::new(transport.clone())),
        clock: Some(Arc::new(ManualClock::new(
            datetime!(2026-12-04 14:08:39 UTC),
        ))),
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "1.0.0", options, Vec::new(), vec![signing]).unwrap();

    let mut request = crate::test_support::request();
    pipeline.send(&Context::new(), &mut request).await.unwrap();
    assert_eq!(
        transport.header_values("x-ms-date"),
        ["Fri, 04 Dec 2026 14:08:39 GMT"]
    );

    // A clock the caller put in the context wins over the options'.
    let mut request = crate::test_support::request();
    let ctx = Context::new().with_clock(Arc::new(ManualClock::new(datetime!(
        2027-01-03 00:00:00 UTC
    ))));
    pipeline.send(&ctx, &mut request).await.unwrap();
    assert_eq!(
        transport.header_values("x-ms-date")[1],
        "Sun, 03 Jan 2027 00:00:00 GMT"
    );
}
