//! One HTTP/1.1 connection to a backend, over TCP or TLS: writes a request
//! (head, then its body as it comes) and reads the response, both at once,
//! so a backend may answer, or stream its answer, before the request body
//! has ended.
//!
//! The connection has no task of its own: whoever waits for the response
//! head, and then whoever reads the response body, drives both directions.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use axum::body::Body;
use bytes::Bytes;
use http::HeaderMap;
use hyper::body::Body as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;

use super::chunked::{self, Chunked, Decoded};
use super::h1::{self, Malformed, RequestFraming, ResponseHead};
use crate::deadline::Deadline;

/// What a read asks the socket for at most.
const READ_BUFFER: usize = 16 * 1024;
/// How much body data is gathered behind the bytes not yet written before
/// writing them.
const GATHER: usize = 64 * 1024;

/// The byte stream under a connection.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Why an exchange failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExchangeError {
    /// The backend closed or reset the connection before a byte of the
    /// response arrived.
    #[error("the backend closed the connection before answering{}", cause(.0))]
    Closed(Option<io::Error>),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Malformed(#[from] Malformed),
    #[error("reading the request body: {0}")]
    RequestBody(String),
    #[error("the request body does not have the length it announced")]
    RequestLength,
}

fn cause(e: &Option<io::Error>) -> String {
    e.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
}

/// The request body still to be written.
struct Outgoing {
    body: Body,
    framing: RequestFraming,
    written: u64,
}

/// One connection and the exchange in progress on it.
pub(crate) struct Conn {
    io: Stream,
    /// Bytes read and not yet used: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes to write: `out[out_at..]`.
    out: Vec<u8>,
    out_at: usize,
    outgoing: Option<Outgoing>,
    /// The request was written whole and flushed.
    sent: bool,
    /// Sending the request failed (writing, or reading the client's body);
    /// the response may still be read, nothing more is sent.
    write_failed: Option<io::Error>,
    /// Bytes of the current response have arrived.
    answered: bool,
    /// The timer of its exchanges' deadlines, kept with the connection.
    deadline: Deadline,
}

impl Conn {
    pub(crate) fn new(io: Stream) -> Conn {
        Conn {
            io,
            buf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            out: Vec::with_capacity(1024),
            out_at: 0,
            outgoing: None,
            sent: true,
            write_failed: None,
            answered: false,
            deadline: Deadline::default(),
        }
    }

    /// Ready once `deadline` has passed, on the connection's one timer (see
    /// [`Deadline`]): an exchange on a kept-alive connection neither sets
    /// nor clears a timer of its own.
    pub(crate) fn poll_deadline(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        self.deadline.poll_until(cx, deadline)
    }

    /// Whether an idle connection can take a request: the backend has
    /// neither closed it nor sent anything unasked. Reads nothing from a
    /// healthy connection and does not wait.
    pub(crate) fn is_open(&mut self) -> bool {
        if self.start != self.end || !self.sent || self.write_failed.is_some() {
            return false;
        }
        let mut probe = [0u8; 1];
        let mut probe = ReadBuf::new(&mut probe);
        let mut cx = Context::from_waker(Waker::noop());
        Pin::new(&mut self.io)
            .poll_read(&mut cx, &mut probe)
            .is_pending()
    }

    /// Starts an exchange: the request head, which `head` writes into the
    /// output buffer, and then `body`, framed as `framing`.
    pub(crate) fn begin(
        &mut self,
        head: impl FnOnce(&mut Vec<u8>),
        body: Option<(Body, RequestFraming)>,
    ) {
        self.out.clear();
        head(&mut self.out);
        self.out_at = 0;
        self.outgoing = body.map(|(body, framing)| Outgoing {
            body,
            framing,
            written: 0,
        });
        self.sent = false;
        self.answered = false;
    }

    /// Whether the request has been written whole.
    pub(crate) fn request_sent(&self) -> bool {
        self.sent
    }

    /// Whether more of the request is to be written.
    pub(crate) fn sending(&self) -> bool {
        !self.sent && self.write_failed.is_none()
    }

    /// Writes what it can of the request; ready once all of it is written.
    pub(crate) fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ExchangeError>> {
        if self.sent {
            return Poll::Ready(Ok(()));
        }
        if let Some(e) = &self.write_failed {
            return Poll::Ready(Err(io::Error::new(e.kind(), e.to_string()).into()));
        }
        match self.poll_write_request(cx) {
            Poll::Ready(Err(e)) => {
                // The client's body is not polled again after it failed.
                self.outgoing = None;
                self.write_failed = Some(match &e {
                    ExchangeError::Io(e) => io::Error::new(e.kind(), e.to_string()),
                    other => io::Error::other(other.to_string()),
                });
                Poll::Ready(Err(e))
            }
            other => other,
        }
    }

    fn poll_write_request(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ExchangeError>> {
        loop {
            // Whatever body data is at hand goes out with what is pending.
            while self.out.len() - self.out_at < GATHER {
                let Some(outgoing) = &mut self.outgoing else {
                    break;
                };
                match Pin::new(&mut outgoing.body).poll_frame(cx) {
                    Poll::Pending => break,
                    Poll::Ready(Some(Err(e))) => {
                        return Poll::Ready(Err(ExchangeError::RequestBody(e.to_string())))
                    }
                    Poll::Ready(Some(Ok(frame))) => {
                        // Trailers are not forwarded.
                        let Ok(data) = frame.into_data() else {
                            continue;
                        };
                        outgoing.written += data.len() as u64;
                        match outgoing.framing {
                            RequestFraming::Chunked => chunked::encode_chunk(&mut self.out, &data),
                            RequestFraming::Length(n) if outgoing.written <= n => {
                                self.out.extend_from_slice(&data)
                            }
                            _ => return Poll::Ready(Err(ExchangeError::RequestLength)),
                        }
                    }
                    Poll::Ready(None) => {
                        match outgoing.framing {
                            RequestFraming::Chunked => {
                                self.out.extend_from_slice(chunked::LAST_CHUNK)
                            }
                            RequestFraming::Length(n) if outgoing.written != n => {
                                return Poll::Ready(Err(ExchangeError::RequestLength))
                            }
                            _ => {}
                        }
                        self.outgoing = None;
                    }
                }
            }
            if self.out_at < self.out.len() {
                let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.out[self.out_at..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero).into()));
                }
                self.out_at += n;
                continue;
            }
            self.out.clear();
            self.out_at = 0;
            if self.outgoing.is_some() {
                // Waiting for the client's body (its waker is registered).
                return Poll::Pending;
            }
            ready!(Pin::new(&mut self.io).poll_flush(cx))?;
            self.sent = true;
            return Poll::Ready(Ok(()));
        }
    }

    /// Drives the exchange until the response head has arrived (interim
    /// 1xx responses are skipped). `head_request`: the request was HEAD.
    /// The final head's fields go into `room` under the names `fields` says
    /// (see [`h1::parse_head`]).
    pub(crate) fn poll_head(
        &mut self,
        cx: &mut Context<'_>,
        head_request: bool,
        fields: h1::Fields,
        room: &mut HeaderMap,
    ) -> Poll<Result<ResponseHead, ExchangeError>> {
        if let Poll::Ready(Err(e)) = self.poll_send(cx) {
            // A write that failed may still be followed by an answer (a
            // backend refusing a body it will not read); any other failure
            // ends the exchange.
            if !matches!(e, ExchangeError::Io(_)) {
                return Poll::Ready(Err(e));
            }
        }
        loop {
            let held = &self.buf[self.start..self.end];
            // Nothing held (the first poll, right after writing): read first.
            let parsed = if held.is_empty() {
                None
            } else {
                h1::parse_head(held, head_request, fields, room)?
            };
            if let Some((head, len)) = parsed {
                self.start += len;
                if head.status == http::StatusCode::SWITCHING_PROTOCOLS {
                    return Poll::Ready(Err(Malformed("the backend switched protocols").into()));
                }
                if head.status.is_informational() {
                    continue;
                }
                return Poll::Ready(Ok(head));
            }
            match ready!(self.poll_fill(cx)) {
                Ok(0) if !self.answered => {
                    return Poll::Ready(Err(ExchangeError::Closed(self.write_failed.take())))
                }
                Err(e) if !self.answered => {
                    return Poll::Ready(Err(ExchangeError::Closed(Some(e))))
                }
                Ok(0) => {
                    return Poll::Ready(Err(Malformed(
                        "the backend closed the connection inside the head",
                    )
                    .into()))
                }
                Ok(_) => self.answered = true,
                Err(e) => return Poll::Ready(Err(e.into())),
            }
        }
    }

    /// Reads more bytes behind the ones held; ready with how many (0 at
    /// the end of the stream).
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // Only a response head larger than the buffer gets here; its
            // parser sets the limit.
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let mut read = ReadBuf::new(&mut self.buf[self.end..]);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut read))?;
        let n = read.filled().len();
        self.end += n;
        Poll::Ready(Ok(n))
    }

    /// How many bytes are held unread.
    pub(crate) fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Takes up to `n` held bytes.
    pub(crate) fn take(&mut self, n: usize) -> Bytes {
        let n = n.min(self.buffered());
        let bytes = Bytes::copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        bytes
    }

    /// Decodes held chunked bytes; the bytes the decoder used are
    /// consumed.
    pub(crate) fn decode_chunked(&mut self, decoder: &mut Chunked) -> Result<Piece, Malformed> {
        Ok(match decoder.decode(&self.buf[self.start..self.end])? {
            Decoded::Data(range) => {
                let at = self.start;
                self.start += range.end;
                Piece::Data(Bytes::copy_from_slice(
                    &self.buf[at + range.start..at + range.end],
                ))
            }
            Decoded::End(used) => {
                self.start += used;
                Piece::End
            }
            Decoded::More(used) => {
                self.start += used;
                Piece::More
            }
        })
    }
}

/// What the held bytes of a chunked body gave.
pub(crate) enum Piece {
    Data(Bytes),
    End,
    /// More bytes must be read.
    More,
}
