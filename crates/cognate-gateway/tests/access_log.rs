//! The access log: one event per request at target `cognate::access`.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use tracing_subscriber::fmt::MakeWriter;

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<u8>>>);

impl Write for Collected {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Collected {
    type Writer = Collected;
    fn make_writer(&'a self) -> Collected {
        self.clone()
    }
}

impl Collected {
    fn access_lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .filter(|l| l.contains("cognate::access"))
            .map(str::to_string)
            .collect()
    }
}

#[tokio::test]
async fn each_request_logs_one_access_event_with_the_authorized_sub() {
    let logs = Collected::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let api =
        Api::new(API_ID)
            .authorizer(authorizer("auth01"))
            .method("/pets", "GET", cognito("auth01"));
    let h = Harness::serving(vec![api.stage()]).await;
    let ok = h
        .call_with_token("GET", "/pets", &sign(&id_claims(h.now())))
        .await;
    let denied = h.call("GET", "/pets", &[]).await;

    let lines = logs.access_lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let id = ok.header("x-amzn-requestid").unwrap();
    for field in [
        format!("request_id=\"{id}\""),
        format!("api=\"{API_ID}\""),
        format!("stage=\"{STAGE}\""),
        "method=\"GET\"".to_string(),
        "path=\"/pets\"".to_string(),
        "status=200".to_string(),
        "latency_us=".to_string(),
        "sub=\"8d4c1a2e-0000-4000-8000-000000000001\"".to_string(),
    ] {
        assert!(lines[0].contains(&field), "{field} not in {}", lines[0]);
    }
    let denied_id = denied.header("x-amzn-requestid").unwrap();
    assert!(lines[1].contains(&format!("request_id=\"{denied_id}\"")));
    assert!(lines[1].contains("status=401"));
    assert!(!lines[1].contains("sub="), "{}", lines[1]);
}
