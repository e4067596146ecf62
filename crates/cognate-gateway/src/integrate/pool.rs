//! Keep-alive HTTP/1.1 connections to backends, pooled per scheme, host and
//! port (and certificate checking).
//!
//! A request takes the most recently used idle connection of its backend
//! (or opens one), is written on it, and its response body carries the
//! connection: when the body has been read to its end the connection goes
//! back to the pool; a body dropped before its end closes it. A pooled
//! connection the backend had closed is noticed when the request could not
//! be written on it, and the request is sent once more on a new connection.
//!
//! Connections are opened by a `hyper-rustls` connector (TCP with
//! `TCP_NODELAY`, then TLS for `https`). A connection has no task of its
//! own: the request that uses it drives it (while waiting for the response
//! head, then while its response body is read), so a proxied exchange runs
//! in the client connection's task without hand-offs between tasks. A
//! connection whose response ended before its request body was sent whole
//! finishes in a task of its own and is not reused.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use http::header::{HeaderValue, HOST};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use tower::ServiceExt as _;

use super::IntegrationError;

/// The connector of one pool: plain TCP, or TLS with one certificate policy.
pub(crate) type Connector = HttpsConnector<HttpConnector>;

/// A connection's protocol state machine, polled by whoever uses it.
type Driver = http1::Connection<<Connector as tower::Service<Uri>>::Response, Body>;

/// One backend connection: the handle requests are sent through and the
/// state machine that does the I/O (`None` once it has ended).
struct Conn {
    sender: SendRequest<Body>,
    driver: Option<Pin<Box<Driver>>>,
}

impl Conn {
    /// Lets the connection make progress for the task polling `cx`.
    fn drive(&mut self, cx: &mut Context<'_>) {
        if let Some(driver) = &mut self.driver {
            if let Poll::Ready(result) = driver.as_mut().poll(cx) {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "backend connection ended with an error");
                }
                // Dropping it fails whatever was still waiting on it.
                self.driver = None;
            }
        }
    }
}

/// Which connections may serve a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    https: bool,
    /// `tlsConfig.insecureSkipVerification` (https only).
    insecure: bool,
    authority: Authority,
}

/// FNV-1a: pool keys are short host names from the deployed configuration,
/// hashed on every request.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

type IdleMap = HashMap<Key, Vec<Idle>, BuildHasherDefault<Fnv>>;

struct Idle {
    conn: Conn,
    since: Instant,
}

/// The idle connections by backend and how to open new ones.
pub(crate) struct Pool {
    verified: Connector,
    unverified: Connector,
    idle: Mutex<IdleMap>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub(crate) fn new(
        verified: Connector,
        unverified: Connector,
        max_idle_per_host: usize,
        idle_timeout: Duration,
    ) -> Arc<Pool> {
        Arc::new(Pool {
            verified,
            unverified,
            idle: Mutex::new(IdleMap::default()),
            max_idle_per_host,
            idle_timeout,
        })
    }

    /// Sends `req` (an absolute `http` or `https` URI) and returns the
    /// response head; its body hands the connection back when read to its
    /// end.
    pub(crate) async fn send(
        self: &Arc<Self>,
        mut req: Request<Body>,
        insecure: bool,
    ) -> Result<Response<PooledBody>, IntegrationError> {
        let key = into_origin_form(&mut req, insecure)?;
        loop {
            let (mut conn, reused) = match self.checkout(&key) {
                Some(conn) => (conn, true),
                // Boxed: opening a connection is rare, and its large state
                // would otherwise be part of every request's future.
                None => (Box::pin(self.connect(&key)).await?, false),
            };
            let mut sent = pin!(conn.sender.try_send_request(req));
            let answer = std::future::poll_fn(|cx| {
                conn.drive(cx);
                sent.as_mut().poll(cx)
            })
            .await;
            match answer {
                Ok(response) => {
                    return Ok(response.map(|body| PooledBody {
                        body,
                        ended: false,
                        conn: Some(conn),
                        home: Some((key, self.clone())),
                    }))
                }
                Err(mut e) => match e.take_message() {
                    // The pooled connection was closed before the request
                    // was written: the request is intact, send it anew.
                    Some(unsent) if reused => req = unsent,
                    _ => return Err(IntegrationError::Failure(describe(&e.into_error()))),
                },
            }
        }
    }

    /// The most recently used idle connection to `key` that is still open.
    fn checkout(&self, key: &Key) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.get_mut(key)?;
        while let Some(entry) = list.pop() {
            if entry.since.elapsed() >= self.idle_timeout {
                // The others have idled longer still.
                list.clear();
                return None;
            }
            // One the backend closed unnoticed fails to take the request,
            // which is then sent again (see `send`).
            if entry.conn.driver.is_some() && !entry.conn.sender.is_closed() {
                return Some(entry.conn);
            }
        }
        None
    }

    /// Puts a connection whose last exchange is complete back.
    fn checkin(&self, key: Key, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.entry(key).or_default();
        let now = Instant::now();
        // The oldest are first: drop the ones that idled too long.
        let expired = list
            .iter()
            .take_while(|e| now.duration_since(e.since) >= self.idle_timeout)
            .count();
        list.drain(..expired);
        if list.len() < self.max_idle_per_host {
            list.push(Idle { conn, since: now });
        }
    }

    /// Opens a connection to `key`.
    async fn connect(&self, key: &Key) -> Result<Conn, IntegrationError> {
        let connector = if key.https && key.insecure {
            &self.unverified
        } else {
            &self.verified
        };
        let uri = Uri::builder()
            .scheme(if key.https {
                Scheme::HTTPS
            } else {
                Scheme::HTTP
            })
            .authority(key.authority.clone())
            .path_and_query(PathAndQuery::from_static("/"))
            .build()
            .map_err(|e| IntegrationError::Failure(format!("connect: {e}")))?;
        let io = connector.clone().oneshot(uri).await.map_err(|e| {
            IntegrationError::Failure(format!(
                "connect to {}: {}",
                key.authority,
                describe(e.as_ref())
            ))
        })?;
        let (sender, driver) = http1::Builder::new()
            .handshake(io)
            .await
            .map_err(|e| IntegrationError::Failure(format!("connect: {}", describe(&e))))?;
        Ok(Conn {
            sender,
            driver: Some(Box::pin(driver)),
        })
    }
}

/// Turns the request's absolute URI into origin form (`/path?query`) and
/// sets `Host` from it, as a client does; returns the pool key.
fn into_origin_form(req: &mut Request<Body>, insecure: bool) -> Result<Key, IntegrationError> {
    let mut parts = std::mem::take(req.uri_mut()).into_parts();
    let https = match parts.scheme.as_ref().map(Scheme::as_str) {
        Some("http") => false,
        Some("https") => true,
        _ => {
            return Err(IntegrationError::Failure(
                "the integration URI is not an http or https URL".into(),
            ))
        }
    };
    let authority = parts
        .authority
        .take()
        .ok_or_else(|| IntegrationError::Failure("the integration URI names no host".into()))?;
    if !req.headers().contains_key(HOST) {
        let host = host_header(&authority, https)?;
        req.headers_mut().insert(HOST, host);
    }
    let path = parts
        .path_and_query
        .take()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *req.uri_mut() = Uri::from(path);
    Ok(Key {
        https,
        insecure: https && insecure,
        authority,
    })
}

/// `Host`: the host, and the port unless it is the scheme's default.
fn host_header(authority: &Authority, https: bool) -> Result<HeaderValue, IntegrationError> {
    let default_port = if https { 443 } else { 80 };
    let port = authority.port_u16();
    let value = if !authority.as_str().contains('@') && port != Some(default_port) {
        // As written: no user information, no default port to drop.
        HeaderValue::from_str(authority.as_str())
    } else {
        match port.filter(|p| *p != default_port) {
            Some(port) => HeaderValue::from_str(&format!("{}:{port}", authority.host())),
            None => HeaderValue::from_str(authority.host()),
        }
    };
    value.map_err(|_| IntegrationError::Failure(format!("invalid backend host '{authority}'")))
}

/// The error with its chain of causes, e.g. `tcp connect error: Connection
/// refused (os error 111)`.
pub fn describe(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A backend's response body; it drives its connection while it is read.
/// Read to its end, it returns the connection to the pool; dropped before,
/// it closes it.
pub struct PooledBody {
    body: Incoming,
    ended: bool,
    conn: Option<Conn>,
    home: Option<(Key, Arc<Pool>)>,
}

impl hyper::body::Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        if let Some(conn) = &mut self.conn {
            conn.drive(cx);
        }
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.ended = true,
            Poll::Ready(Some(Err(_))) => self.home = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        let (Some(mut conn), Some((key, pool))) = (self.conn.take(), self.home.take()) else {
            return;
        };
        if !(self.ended || hyper::body::Body::is_end_stream(&self.body)) {
            // Unread: dropping the connection closes it.
            return;
        }
        // The read that ended the body left the connection idle and asking
        // for the next request.
        if conn.driver.is_some() && conn.sender.is_ready() {
            pool.checkin(key, conn);
        } else if let (Some(driver), Ok(runtime)) =
            (conn.driver.take(), tokio::runtime::Handle::try_current())
        {
            // Still sending the request body: let it finish on its own.
            runtime.spawn(async move {
                if let Err(e) = driver.await {
                    tracing::debug!(error = %e, "backend connection ended with an error");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(authority: &str, https: bool) -> String {
        let authority: Authority = authority.parse().unwrap_or_else(|e| panic!("{e}"));
        host_header(&authority, https)
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn host_names_the_port_only_when_it_is_not_the_default() {
        assert_eq!(host("backend:8080", false), "backend:8080");
        assert_eq!(host("backend:80", false), "backend");
        assert_eq!(host("backend:443", true), "backend");
        assert_eq!(host("backend:443", false), "backend:443");
        assert_eq!(host("backend", true), "backend");
        assert_eq!(host("user:pw@backend:81", false), "backend:81");
        assert_eq!(host("user@backend", false), "backend");
    }
}
