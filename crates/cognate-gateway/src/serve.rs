//! The listener: HTTP/1.1 connections whose requests go to the gateway when
//! they are for a deployed stage ([`Gateway::recognise`]) and to the control
//! plane's router otherwise.
//!
//! The gateway path goes from hyper's connection straight to
//! [`Gateway::handle`]: none of the control plane's layers (traces, CORS,
//! body limits) run for it, and no future is boxed for it.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::deadline::Deadline;
use crate::{Client, Gateway};

/// How long a connection may take to send a request's head, timed from when
/// the listener starts waiting for it (so also how long a kept-alive
/// connection may stay idle between requests). A client that sends its head
/// a byte at a time, or never finishes it, cannot hold a connection longer.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What one connection's requests are served by.
struct Shared {
    gateway: Arc<Gateway>,
    control: Router,
    /// Set when shutdown begins, before connections are told.
    stopping: AtomicBool,
}

/// Serves `listener` until `shutdown` resolves, then stops accepting, lets
/// each connection finish the request it is serving, and returns when every
/// connection has closed.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    control: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared {
        gateway,
        control,
        stopping: AtomicBool::new(false),
    });
    // Dropped when `shutdown` resolves: connections watch for that.
    let (stop_tx, stop_rx) = watch::channel(());
    let flag = shared.clone();
    tokio::spawn(async move {
        shutdown.await;
        flag.stopping.store(true, Ordering::Release);
        drop(stop_rx);
    });
    // Every connection holds a receiver; all gone means all closed.
    let (closed_tx, closed_rx) = watch::channel(());
    let mut http = http1::Builder::new();
    http.keep_alive(true);
    http.header_read_timeout(HEADER_READ_TIMEOUT);
    // A client may shut down its side once its request is sent and still
    // get the answer. It also spares a read of the connection while each
    // request is served (hyper's check for that shutdown), which would take
    // a new read buffer every time: the old one is held by the request.
    http.half_close(true);
    // A response's head and a small body go out as one buffer.
    http.writev(false);
    loop {
        let (tcp, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            _ = stop_tx.closed() => break,
        };
        let stop = stop_tx.clone();
        let closed = closed_rx.clone();
        let shared = shared.clone();
        let mut http = http.clone();
        http.timer(ConnectionTimer::default());
        tokio::spawn(async move {
            connection(&http, tcp, client, shared, stop).await;
            drop(closed);
        });
    }
    drop(listener);
    drop(closed_rx);
    closed_tx.closed().await;
    Ok(())
}

/// Serves one connection until it closes, or until shutdown once its
/// request in flight is answered.
async fn connection(
    http: &http1::Builder,
    tcp: TcpStream,
    client: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<()>,
) {
    // Responses go out as soon as they are written: no Nagle delay on small
    // writes (a proxied response's head and body arrive separately).
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    let scope = Arc::new(ConnectionScope {
        shared,
        client: Client::new(client),
    });
    let served = scope.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let scope = served.clone();
        async move { Ok::<_, Infallible>(dispatch(&scope, req).await) }
    });
    let mut conn = pin!(http.serve_connection(TokioIo::new(tcp), service));
    let mut stopping = pin!(stop.closed());
    // `stopping` is polled once to register this task, and again only after
    // shutdown began (the wake-up may be from it): not on every wake-up of
    // the connection, which would cost a lock per poll.
    let (mut registered, mut stopped) = (false, false);
    let result = std::future::poll_fn(|cx| {
        if !stopped && (!registered || scope.shared.stopping.load(Ordering::Acquire)) {
            registered = true;
            if stopping.as_mut().poll(cx).is_ready() {
                stopped = true;
                conn.as_mut().graceful_shutdown();
            }
        }
        conn.as_mut().poll(cx)
    })
    .await;
    if let Err(e) = result {
        tracing::trace!(error = %e, "connection ended with an error");
    }
}

/// hyper's timer for one connection. Each request head's read timeout is a
/// sleep of its own to hyper; here they all wait on the connection's one
/// [`Deadline`], so a kept-alive connection's requests set no timers.
#[derive(Default)]
struct ConnectionTimer(Arc<Mutex<Deadline>>);

impl hyper::rt::Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(DeadlineSleep {
            deadline: deadline.into(),
            timer: self.0.clone(),
        })
    }

    /// The runtime's clock, so that a paused clock pauses the timeout too.
    fn now(&self) -> std::time::Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// One of a [`ConnectionTimer`]'s sleeps.
struct DeadlineSleep {
    deadline: tokio::time::Instant,
    timer: Arc<Mutex<Deadline>>,
}

impl Future for DeadlineSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.timer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .poll_until(cx, self.deadline)
    }
}

impl hyper::rt::Sleep for DeadlineSleep {}

/// What a connection's requests are served by, and where they come from.
struct ConnectionScope {
    shared: Arc<Shared>,
    client: Client,
}

/// One request: the gateway's when it is for a deployed stage, else the
/// control plane's (which sees the client address as `ConnectInfo`).
async fn dispatch(scope: &ConnectionScope, req: Request<Incoming>) -> Response<Body> {
    let shared = &scope.shared;
    match shared.gateway.recognise(&req) {
        Some(invocation) => {
            let req = req.map(|body| {
                if hyper::body::Body::is_end_stream(&body) {
                    Body::empty()
                } else {
                    Body::new(body)
                }
            });
            shared.gateway.handle(invocation, req, &scope.client).await
        }
        None => {
            let mut req = req.map(Body::new);
            req.extensions_mut()
                .insert(ConnectInfo(scope.client.addr()));
            match shared.control.clone().oneshot(req).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    }
}

/// Accepting failed: a connection reset before it was accepted is no
/// concern; anything else (out of file descriptors) is logged and waited
/// out for a moment rather than retried in a busy loop.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
