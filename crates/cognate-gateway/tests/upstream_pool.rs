//! The upstream connection pool against a raw HTTP/1.1 backend that numbers
//! its connections: keep-alive reuse, connections the backend closed,
//! bodies dropped unread and timed-out requests.

mod common_integrate;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use cognate_gateway::integrate::{IntegrationError, Integrator};
use common_integrate::*;
use http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A backend whose answer body is the number of the connection it came on
/// (1, 2, ...). By path: `/close` answers and then closes the connection
/// (without saying so), `/close-soon` does so 20 ms after answering,
/// `/stall` never answers, `/slow` answers after 300 ms, `/big` answers 1 MiB, `/chunked` answers in
/// chunks (with an extension and a trailer), `/chunked-and-length` says
/// both `Transfer-Encoding: chunked` and a wrong `Content-Length`,
/// `/conflicting-length` two different lengths, `/interim` a `100 Continue`
/// first, `/no-content` a 204; a HEAD request gets the head alone, and
/// anything else answers and keeps the connection.
struct Numbered {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Numbered {
    async fn start() -> Numbered {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(serve_connection(tcp, n));
            }
        });
        Numbered { addr, accepted }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn serve_connection(mut tcp: TcpStream, n: usize) {
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(read) => pending.extend_from_slice(&buf[..read]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&pending[..end]).to_string();
        pending.drain(..end + 4);
        let path = head.split(' ').nth(1).unwrap_or("/").to_string();
        let head_request = head.starts_with("HEAD ");
        if path == "/stall" {
            std::future::pending::<()>().await;
        }
        if path == "/slow" {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let body = if path == "/big" {
            "x".repeat(1024 * 1024)
        } else {
            n.to_string()
        };
        let answer = match path.as_str() {
            "/conflicting-length" => {
                "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello".into()
            }
            "/chunked" => format!(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\
                 1;ext=x\r\n#\r\n{:x}\r\n{body}\r\n0\r\nx-trailer: t\r\n\r\n",
                body.len()
            ),
            "/chunked-and-length" => format!(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 99\r\n\r\n\
                 {:x}\r\n{body}\r\n0\r\n\r\n",
                body.len()
            ),
            "/interim" => format!(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ),
            "/no-content" => "HTTP/1.1 204 No Content\r\n\r\n".into(),
            _ if head_request => {
                format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len())
            }
            _ => format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ),
        };
        if tcp.write_all(answer.as_bytes()).await.is_err() || path == "/close" {
            return;
        }
        if path == "/close-soon" {
            tokio::time::sleep(Duration::from_millis(20)).await;
            return;
        }
    }
}

/// GET `path` through an HTTP_PROXY integration; the status and the body.
async fn get(integrator: &Integrator, backend: &Numbered, path: &str) -> (StatusCode, String) {
    let response = get_response(integrator, backend, path)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status();
    let body = bytes(response).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn get_response(
    integrator: &Integrator,
    backend: &Numbered,
    path: &str,
) -> Result<http::Response<Body>, IntegrationError> {
    send(integrator, backend, "GET", path).await
}

/// `method` `path` through an HTTP_PROXY integration.
async fn send(
    integrator: &Integrator,
    backend: &Numbered,
    method: &str,
    path: &str,
) -> Result<http::Response<Body>, IntegrationError> {
    send_within(integrator, backend, method, path, 2_000).await
}

/// [`send`] through an integration with this timeoutInMillis.
async fn send_within(
    integrator: &Integrator,
    backend: &Numbered,
    method: &str,
    path: &str,
    timeout_in_millis: i64,
) -> Result<http::Response<Body>, IntegrationError> {
    let mut i = integration("HTTP_PROXY", &backend.url(path));
    i.timeout_in_millis = timeout_in_millis;
    let ctx = Ctx::new(path, method);
    let req = request(method, path).body(Body::empty()).expect("request");
    integrator.invoke(&compiled(&i), &ctx.get(), req).await
}

#[tokio::test]
async fn sequential_requests_reuse_one_backend_connection() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    for _ in 0..3 {
        assert_eq!(
            get(&integrator, &backend, "/a").await,
            (StatusCode::OK, "1".to_string())
        );
    }
    assert_eq!(backend.connections(), 1);
}

#[tokio::test]
async fn a_large_body_read_to_its_end_returns_its_connection() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let (status, body) = get(&integrator, &backend, "/big").await;
    assert_eq!((status, body.len()), (StatusCode::OK, 1024 * 1024));
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "1".to_string())
    );
    assert_eq!(backend.connections(), 1);
}

#[tokio::test]
async fn a_connection_the_backend_closed_is_replaced_and_the_request_answered() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    for expected in ["1", "2", "3"] {
        assert_eq!(
            get(&integrator, &backend, "/close").await,
            (StatusCode::OK, expected.to_string())
        );
    }
    assert_eq!(backend.connections(), 3);
}

#[tokio::test]
async fn a_pooled_connection_the_backend_closed_while_idle_is_replaced() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    assert_eq!(
        get(&integrator, &backend, "/close-soon").await,
        (StatusCode::OK, "1".to_string())
    );
    // The backend closes the idle connection; the pool only learns of it
    // when it tries to send the next request there, and sends it anew.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "2".to_string())
    );
    assert_eq!(backend.connections(), 2);
}

#[tokio::test]
async fn a_response_body_dropped_unread_does_not_return_its_connection() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let response = get_response(&integrator, &backend, "/big")
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    drop(response);
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "2".to_string())
    );
}

#[tokio::test]
async fn a_timed_out_request_leaves_no_busy_connection_behind() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let mut i = integration("HTTP_PROXY", &backend.url("/stall"));
    i.timeout_in_millis = 100;
    let ctx = Ctx::new("/stall", "GET");
    let req = request("GET", "/stall").body(Body::empty()).expect("r");
    let err = integrator
        .invoke(&compiled(&i), &ctx.get(), req)
        .await
        .expect_err("times out");
    assert!(matches!(err, IntegrationError::Timeout), "{err:?}");
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "2".to_string())
    );
}

/// The status and body of a request through an integration with this
/// timeoutInMillis.
async fn get_within(
    integrator: &Integrator,
    backend: &Numbered,
    path: &str,
    timeout_in_millis: i64,
) -> Result<(StatusCode, String), IntegrationError> {
    let response = send_within(integrator, backend, "GET", path, timeout_in_millis).await?;
    let status = response.status();
    let body = bytes(response).await;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Asserts that `/stall` through an integration with this timeoutInMillis
/// is a timeout; how long that took.
async fn stall_until_timeout(
    integrator: &Integrator,
    backend: &Numbered,
    timeout_in_millis: i64,
) -> Duration {
    let started = tokio::time::Instant::now();
    let err = get_within(integrator, backend, "/stall", timeout_in_millis)
        .await
        .expect_err("times out");
    assert!(matches!(err, IntegrationError::Timeout), "{err:?}");
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_times_out_at_a_deadline_earlier_than_its_last() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let answered = get_within(&integrator, &backend, "/a", 29_000).await;
    assert_eq!(answered.expect("answered"), (StatusCode::OK, "1".into()));
    // The same connection, now with 100 ms: the timeout comes at 100 ms,
    // not at the 29 s the connection's last request had.
    let waited = stall_until_timeout(&integrator, &backend, 100).await;
    assert!(
        waited >= Duration::from_millis(100) && waited < Duration::from_secs(1),
        "{waited:?}"
    );
    assert_eq!(backend.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_answers_past_the_deadline_its_last_request_had() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let answered = get_within(&integrator, &backend, "/a", 100).await;
    assert_eq!(answered.expect("answered"), (StatusCode::OK, "1".into()));
    // 300 ms for the answer: past the first request's 100 ms, within 2 s.
    let answered = get_within(&integrator, &backend, "/slow", 2_000).await;
    assert_eq!(answered.expect("answered"), (StatusCode::OK, "1".into()));
    let waited = stall_until_timeout(&integrator, &backend, 2_000).await;
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn concurrent_requests_open_one_connection_each_and_then_share_them() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let stalled = tokio::time::timeout(
        Duration::from_millis(300),
        get_response(&integrator, &backend, "/stall"),
    );
    let (stalled, answered) = tokio::join!(stalled, get(&integrator, &backend, "/a"));
    assert!(stalled.is_err(), "the stalled request answered");
    assert_eq!(answered, (StatusCode::OK, "2".to_string()));
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "2".to_string())
    );
    assert_eq!(backend.connections(), 2);
}

#[tokio::test]
async fn a_chunked_answer_is_decoded_and_its_connection_reused() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    assert_eq!(
        get(&integrator, &backend, "/chunked").await,
        (StatusCode::OK, "#1".to_string())
    );
    assert_eq!(
        get(&integrator, &backend, "/chunked").await,
        (StatusCode::OK, "#1".to_string())
    );
    assert_eq!(backend.connections(), 1);
}

#[tokio::test]
async fn chunked_framing_wins_over_a_content_length_and_the_connection_is_not_reused() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let response = get_response(&integrator, &backend, "/chunked-and-length")
        .await
        .expect("answered");
    assert!(
        response.headers().get("content-length").is_none(),
        "the length the framing overrode is not passed on"
    );
    assert_eq!(bytes(response).await, "1");
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "2".to_string())
    );
}

#[tokio::test]
async fn conflicting_content_lengths_are_a_failure() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let err = get_response(&integrator, &backend, "/conflicting-length")
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, IntegrationError::Failure(m) if m.contains("Content-Length")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_interim_100_continue_is_skipped() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    assert_eq!(
        get(&integrator, &backend, "/interim").await,
        (StatusCode::OK, "1".to_string())
    );
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "1".to_string())
    );
}

#[tokio::test]
async fn answers_without_a_body_end_at_their_head_and_keep_the_connection() {
    let backend = Numbered::start().await;
    let integrator = integrator();
    let head = send(&integrator, &backend, "HEAD", "/a")
        .await
        .expect("answered");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers().get("content-length").map(|v| v.as_bytes()),
        Some(&b"1"[..]),
        "a HEAD answer keeps the length it announces"
    );
    assert!(bytes(head).await.is_empty());
    let none = get_response(&integrator, &backend, "/no-content")
        .await
        .expect("answered");
    assert_eq!(none.status(), StatusCode::NO_CONTENT);
    assert!(bytes(none).await.is_empty());
    assert_eq!(
        get(&integrator, &backend, "/a").await,
        (StatusCode::OK, "1".to_string())
    );
    assert_eq!(backend.connections(), 1);
}
