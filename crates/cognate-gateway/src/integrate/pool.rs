//! Keep-alive HTTP/1.1 connections to backends, pooled per scheme, host and
//! port (and certificate checking).
//!
//! A request takes the most recently used idle connection of its backend
//! that is still open (or opens one) and is written on it
//! ([`super::conn`]). Its response body carries the connection: when the
//! body has been read to its end, the request written whole and the
//! response allows it, the connection goes back to the pool; a body
//! dropped before its end closes it. A body that had arrived whole with the
//! response head is handed on as it is and its connection returned at
//! once. A request without a body that finds its pooled connection closed
//! by the backend before a byte of the answer arrived is sent once more, on
//! a new connection, when its method is idempotent.
//!
//! Connections are TCP with `TCP_NODELAY`, and TLS (rustls) for `https`.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::header::HOST;
use http::uri::{Authority, PathAndQuery};
use http::{Method, Request, Response};
use hyper::body::{Frame, SizeHint};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use super::chunked::Chunked;
use super::conn::{Conn, ExchangeError, Piece, Stream};
use super::h1::{self, BodyFraming, Fields, Malformed, RequestFraming, ResponseHead};
use super::uri::Origin;
use super::IntegrationError;

/// Which connections may serve a request.
#[derive(Debug, Clone)]
struct Key {
    https: bool,
    /// `tlsConfig.insecureSkipVerification` (https only).
    insecure: bool,
    authority: Authority,
    /// [`origin_hash`] of `https` and `authority`, computed when the origin
    /// was parsed (once, at install, for a literal integration URI).
    hash: u64,
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        // Authority compares case-insensitively, as origin_hash hashes.
        self.https == other.https
            && self.insecure == other.insecure
            && self.authority == other.authority
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash ^ u64::from(self.insecure));
    }
}

/// The hash of a backend's scheme and authority (FNV-1a of its lower-cased
/// bytes): pool keys are short host names from the deployed configuration.
pub(crate) fn origin_hash(https: bool, authority: &Authority) -> u64 {
    std::iter::once(u8::from(https))
        .chain(authority.as_str().bytes())
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            fnv1a(hash, byte.to_ascii_lowercase())
        })
}

/// One byte of FNV-1a.
fn fnv1a(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// Hands on the hash a [`Key`] carries.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached: a Key writes one u64.
        self.0 = bytes.iter().fold(self.0, |hash, byte| fnv1a(hash, *byte));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdleMap = HashMap<Key, Vec<Idle>, BuildHasherDefault<KeyHasher>>;

struct Idle {
    conn: Box<Conn>,
    since: Instant,
}

/// How the pool opens connections.
pub(crate) struct Connect {
    pub timeout: Duration,
    /// TLS that checks certificates against the trust store.
    pub verified: TlsConnector,
    /// TLS for `insecureSkipVerification`.
    pub unverified: TlsConnector,
}

/// The idle connections by backend and how to open new ones.
pub(crate) struct Pool {
    connect: Connect,
    idle: Mutex<IdleMap>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub(crate) fn new(
        connect: Connect,
        max_idle_per_host: usize,
        idle_timeout: Duration,
    ) -> Arc<Pool> {
        Arc::new(Pool {
            connect,
            idle: Mutex::new(IdleMap::default()),
            max_idle_per_host,
            idle_timeout,
        })
    }

    /// Sends `req` (its URI in origin form: `/path?query`) to `origin` and
    /// returns the response head, or [`IntegrationError::Timeout`] when it
    /// has not arrived within `timeout`; the body hands the connection back
    /// when read to its end. `Host` is set from the origin unless `req` has
    /// one. `fields`: the names the response's fields are kept under.
    pub(crate) async fn send(
        self: &Arc<Self>,
        origin: Origin,
        req: Request<Body>,
        insecure: bool,
        timeout: Duration,
        fields: Fields,
    ) -> Result<Response<Body>, IntegrationError> {
        // One reading of the clock serves the deadline and the pool's idle
        // times.
        let now = Instant::now();
        let deadline = now + timeout;
        let (mut parts, body) = req.into_parts();
        if !parts.headers.contains_key(HOST) {
            parts.headers.insert(HOST, origin.host);
        }
        let key = Key {
            https: origin.https,
            insecure: origin.https && insecure,
            authority: origin.authority,
            hash: origin.hash,
        };
        let target = parts.uri.path_and_query().map_or("/", PathAndQuery::as_str);
        let head_request = parts.method == Method::HEAD;
        let mut body = if hyper::body::Body::is_end_stream(&body) {
            None
        } else {
            Some(body)
        };
        let length = match &body {
            None => Some(0),
            Some(body) => hyper::body::Body::size_hint(body).exact(),
        };
        let framing = RequestFraming::for_body(&parts.method, length);
        let replayable = body.is_none() && parts.method.is_idempotent();
        loop {
            let (mut conn, reused) = match self.checkout(&key, now) {
                Some(conn) => (conn, true),
                // Boxed: opening a connection is rare, and its large state
                // would otherwise be part of every request's future.
                None => match tokio::time::timeout_at(deadline, Box::pin(self.open(&key))).await {
                    Ok(opened) => (opened?, false),
                    Err(_) => return Err(IntegrationError::Timeout),
                },
            };
            conn.begin(
                |out| h1::encode_head(out, &parts.method, target, &parts.headers, framing),
                body.take().map(|body| (body, framing)),
            );
            // Once written, the request's header map holds the response's.
            let room = &mut parts.headers;
            let exchange =
                std::future::poll_fn(|cx| match conn.poll_head(cx, head_request, fields, room) {
                    Poll::Ready(result) => Poll::Ready(Some(result)),
                    Poll::Pending => conn.poll_deadline(cx, deadline).map(|()| None),
                });
            match exchange.await {
                Some(Ok(head)) => return Ok(self.respond(key, conn, head, now)),
                // A pooled connection the backend had closed: the request
                // can be sent again without having been seen twice.
                Some(Err(ExchangeError::Closed(_))) if reused && replayable => continue,
                Some(Err(e)) => return Err(IntegrationError::Failure(e.to_string())),
                None => return Err(IntegrationError::Timeout),
            }
        }
    }

    /// The response for `head`; a body already held whole frees the
    /// connection at once.
    fn respond(
        self: &Arc<Self>,
        key: Key,
        mut conn: Box<Conn>,
        head: ResponseHead,
        now: Instant,
    ) -> Response<Body> {
        let body = match head.framing {
            BodyFraming::Empty => {
                if head.keep_alive {
                    self.release(key, conn, now);
                }
                Body::empty()
            }
            BodyFraming::Length(n) if n <= conn.buffered() as u64 => {
                let data = conn.take(n as usize);
                if head.keep_alive {
                    self.release(key, conn, now);
                }
                Body::from(data)
            }
            framing => Body::new(PooledBody::new(
                conn,
                framing,
                head.keep_alive.then(|| (key, self.clone())),
            )),
        };
        let mut response = Response::new(body);
        *response.status_mut() = head.status;
        *response.version_mut() = head.version;
        *response.headers_mut() = head.headers;
        response
    }

    /// Returns a connection whose exchange has ended to the pool, if it
    /// can carry another: the request was written whole and nothing
    /// follows the response.
    fn release(&self, key: Key, conn: Box<Conn>, now: Instant) {
        if conn.request_sent() && conn.buffered() == 0 {
            self.checkin(key, conn, now);
        }
    }

    /// The most recently used idle connection to `key` that is still open.
    fn checkout(&self, key: &Key, now: Instant) -> Option<Box<Conn>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.get_mut(key)?;
        while let Some(mut entry) = list.pop() {
            if now.saturating_duration_since(entry.since) >= self.idle_timeout {
                // The others have idled longer still.
                list.clear();
                return None;
            }
            if entry.conn.is_open() {
                return Some(entry.conn);
            }
        }
        None
    }

    /// Puts a connection whose last exchange is complete back.
    fn checkin(&self, key: Key, conn: Box<Conn>, now: Instant) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.entry(key).or_default();
        // The oldest are first: drop the ones that idled too long.
        let expired = list
            .iter()
            .take_while(|e| now.saturating_duration_since(e.since) >= self.idle_timeout)
            .count();
        list.drain(..expired);
        if list.len() < self.max_idle_per_host {
            list.push(Idle { conn, since: now });
        }
    }

    /// Opens a connection to `key`: TCP, then TLS for `https`.
    async fn open(&self, key: &Key) -> Result<Box<Conn>, IntegrationError> {
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            IntegrationError::Failure(format!("{what} {}: {e}", key.authority))
        };
        let host = key.authority.host();
        // An IPv6 literal without its brackets.
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = key
            .authority
            .port_u16()
            .unwrap_or(if key.https { 443 } else { 80 });
        let timeout = self.connect.timeout;
        let tcp = match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await {
            Err(_) => return Err(failed("connect to", &"timed out")),
            Ok(Err(e)) => return Err(failed("connect to", &e)),
            Ok(Ok(tcp)) => tcp,
        };
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY could not be set");
        }
        if !key.https {
            return Ok(Box::new(Conn::new(Stream::Plain(tcp))));
        }
        let tls = if key.insecure {
            &self.connect.unverified
        } else {
            &self.connect.verified
        };
        let name =
            ServerName::try_from(host.to_owned()).map_err(|e| failed("TLS server name of", &e))?;
        match tokio::time::timeout(timeout, tls.connect(name, tcp)).await {
            Err(_) => Err(failed("TLS handshake with", &"timed out")),
            Ok(Err(e)) => Err(failed("TLS handshake with", &describe(&e))),
            Ok(Ok(stream)) => Ok(Box::new(Conn::new(Stream::Tls(Box::new(stream))))),
        }
    }
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

/// A backend's response body that had not arrived whole with the head; it
/// drives its connection (the rest of the request body too) while it is
/// read. Read to its end, it returns the connection to the pool; dropped
/// before, it closes it.
struct PooledBody {
    conn: Option<Box<Conn>>,
    reading: Reading,
    home: Option<(Key, Arc<Pool>)>,
}

enum Reading {
    Length(u64),
    Chunked(Chunked),
    UntilClose,
}

impl PooledBody {
    fn new(conn: Box<Conn>, framing: BodyFraming, home: Option<(Key, Arc<Pool>)>) -> PooledBody {
        let (reading, home) = match framing {
            BodyFraming::Length(n) => (Reading::Length(n), home),
            BodyFraming::Chunked => (Reading::Chunked(Chunked::default()), home),
            // Its end is the end of the connection.
            BodyFraming::Empty | BodyFraming::UntilClose => (Reading::UntilClose, None),
        };
        PooledBody {
            conn: Some(conn),
            reading,
            home,
        }
    }

    /// The body has ended: the connection goes home or is closed.
    fn finish(&mut self) {
        if let (Some(conn), Some((key, pool))) = (self.conn.take(), self.home.take()) {
            pool.release(key, conn, Instant::now());
        }
    }

    /// The body failed: the connection is closed.
    fn fail(&mut self, e: ExchangeError) -> Poll<Option<Result<Frame<Bytes>, ExchangeError>>> {
        self.conn = None;
        Poll::Ready(Some(Err(e)))
    }
}

impl hyper::body::Body for PooledBody {
    type Data = Bytes;
    type Error = ExchangeError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ExchangeError>>> {
        let this = self.get_mut();
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            // The request body keeps flowing while the response streams.
            if conn.sending() {
                if let Poll::Ready(Err(e)) = conn.poll_send(cx) {
                    tracing::debug!(error = %e, "the rest of the request body was not sent");
                }
            }
            let piece = match &mut this.reading {
                Reading::Length(left) if conn.buffered() > 0 => {
                    let data = conn.take(usize::try_from(*left).unwrap_or(usize::MAX));
                    *left -= data.len() as u64;
                    if *left == 0 {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Reading::Length(0) => Piece::End,
                Reading::Length(_) => Piece::More,
                Reading::UntilClose if conn.buffered() > 0 => Piece::Data(conn.take(usize::MAX)),
                Reading::UntilClose => Piece::More,
                Reading::Chunked(decoder) => match conn.decode_chunked(decoder) {
                    Ok(piece) => piece,
                    Err(e) => return this.fail(e.into()),
                },
            };
            match piece {
                Piece::Data(data) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                Piece::End => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Piece::More => match ready!(conn.poll_fill(cx)) {
                    Ok(0) if matches!(this.reading, Reading::UntilClose) => {
                        this.conn = None;
                        return Poll::Ready(None);
                    }
                    Ok(0) => {
                        let cut = Malformed("the backend closed the connection inside the body");
                        return this.fail(cut.into());
                    }
                    Ok(_) => {}
                    Err(e) => return this.fail(e.into()),
                },
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.conn.is_none() || matches!(self.reading, Reading::Length(0))
    }

    fn size_hint(&self) -> SizeHint {
        match self.reading {
            Reading::Length(n) if self.conn.is_some() => SizeHint::with_exact(n),
            _ if self.conn.is_none() => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(https: bool, authority: &str) -> Key {
        let authority: Authority = authority.parse().expect("authority");
        Key {
            https,
            insecure: false,
            hash: origin_hash(https, &authority),
            authority,
        }
    }

    #[test]
    fn pool_keys_match_hosts_in_any_case_and_tell_schemes_apart() {
        let mut idle = IdleMap::default();
        idle.insert(key(false, "Backend.Example:8080"), Vec::new());
        assert!(idle.contains_key(&key(false, "backend.example:8080")));
        assert!(!idle.contains_key(&key(true, "backend.example:8080")));
        assert!(!idle.contains_key(&key(false, "backend.example:8081")));
    }
}
