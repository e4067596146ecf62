//! The listener ([`cognate_gateway::serve`]) on 127.0.0.1:0 with the clock
//! paused: how long a client may take to send a request's head.

mod common;

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use cognate_gateway::serve::{serve, HEADER_READ_TIMEOUT};
use common::Harness;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The listener with a control plane that answers `GET /ping` with `pong`,
/// and `GET /slow-ping` too, a second later.
async fn listen() -> std::net::SocketAddr {
    listen_until(std::future::pending()).await.0
}

/// [`listen`] until `shutdown` resolves; the server's task.
async fn listen_until(
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> (std::net::SocketAddr, JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let control = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route(
            "/slow-ping",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                "pong"
            }),
        );
    let gateway = Harness::new().gw;
    let server = tokio::spawn(serve(listener, gateway, control, shutdown));
    (addr, server)
}

/// A connection to `addr` that has sent `bytes`.
async fn connect_and_send(addr: std::net::SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    stream
}

/// A whole `GET /ping` that keeps the connection open.
const PING: &[u8] = b"GET /ping HTTP/1.1\r\nhost: localhost\r\n\r\n";

/// One answer, read while the connection stays open.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Asserts that `answer` is the control plane's `200 pong`.
fn assert_pong(answer: &str) {
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("pong"), "{answer}");
}

/// Everything the server sends until it closes the connection (which must
/// happen within twice the header timeout).
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    tokio::time::timeout(2 * HEADER_READ_TIMEOUT, stream.read_to_end(&mut buf))
        .await
        .expect("the server closes the connection")
        .expect("read");
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    let addr = listen().await;
    let started = Instant::now();
    let mut stream =
        connect_and_send(addr, b"GET /ping HTTP/1.1\r\nhost: localhost\r\nx-slow: ").await;

    let answer = read_until_closed(&mut stream).await;

    assert_eq!(answer, "", "nothing is answered to an unfinished head");
    assert_closed_after_timeout(started);
}

#[tokio::test(start_paused = true)]
async fn a_request_head_that_arrives_within_the_timeout_is_answered() {
    let addr = listen().await;
    let mut stream = connect_and_send(addr, b"GET /ping HTTP/1.1\r\nhost: localhost\r\n").await;
    tokio::time::sleep(HEADER_READ_TIMEOUT - Duration::from_secs(1)).await;
    stream
        .write_all(b"connection: close\r\n\r\n")
        .await
        .expect("write");

    let answer = read_until_closed(&mut stream).await;

    assert_pong(&answer);
}

#[tokio::test(start_paused = true)]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let addr = listen().await;
    let mut stream = connect_and_send(addr, PING).await;
    assert_pong(&read_answer(&mut stream).await);
    let idle_from = Instant::now();

    let rest = read_until_closed(&mut stream).await;

    assert_eq!(rest, "");
    assert_closed_after_timeout(idle_from);
}

#[tokio::test(start_paused = true)]
async fn each_request_on_a_kept_alive_connection_gets_the_whole_header_timeout() {
    let addr = listen().await;
    let mut stream = connect_and_send(addr, PING).await;
    assert_pong(&read_answer(&mut stream).await);
    // Two thirds of the timeout later, a second request on the connection.
    tokio::time::sleep(HEADER_READ_TIMEOUT * 2 / 3).await;
    stream.write_all(PING).await.expect("write");
    assert_pong(&read_answer(&mut stream).await);
    let idle_from = Instant::now();

    let rest = read_until_closed(&mut stream).await;

    assert_eq!(rest, "");
    assert_closed_after_timeout(idle_from);
}

/// Asserts that the connection closed one header timeout after `idle_from`
/// (to the second).
fn assert_closed_after_timeout(idle_from: Instant) {
    let idle = idle_from.elapsed();
    assert!(
        idle >= HEADER_READ_TIMEOUT && idle < HEADER_READ_TIMEOUT + Duration::from_secs(1),
        "closed after {idle:?} idle"
    );
}

#[tokio::test(start_paused = true)]
async fn a_client_that_shuts_down_its_side_after_the_request_still_gets_the_answer() {
    let addr = listen().await;
    let mut stream = connect_and_send(
        addr,
        b"GET /slow-ping HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    stream.shutdown().await.expect("shut down the sending side");

    let answer = read_until_closed(&mut stream).await;

    assert_pong(&answer);
}

#[tokio::test(start_paused = true)]
async fn at_shutdown_idle_connections_close_at_once_and_the_request_in_flight_is_answered() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = listen_until(async {
        let _ = stopped.await;
    })
    .await;
    let mut idle = connect_and_send(addr, PING).await;
    assert_pong(&read_answer(&mut idle).await);
    let mut busy =
        connect_and_send(addr, b"GET /slow-ping HTTP/1.1\r\nhost: localhost\r\n\r\n").await;
    // The slow request reaches its handler.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();

    stop.send(()).expect("the server is listening");

    assert_eq!(read_until_closed(&mut idle).await, "");
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "the idle connection closed after {:?}",
        started.elapsed()
    );
    assert_pong(&read_until_closed(&mut busy).await);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once its connections have closed")
        .expect("the server task")
        .expect("serve");
}
