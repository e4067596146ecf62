//! HTTP/1.1 as written to and read from backends (RFC 9112): the request
//! head, the response head, and how the response body is delimited.
//!
//! Pure functions over byte buffers; [`super::conn`] does the I/O. The
//! parsing is strict where leniency would let a backend's answer be read two
//! ways: conflicting `Content-Length` values, a malformed chunk size or a
//! bare LF where CRLF belongs fail the exchange instead of being guessed at.

use std::mem::MaybeUninit;

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, DATE, SERVER, TRANSFER_ENCODING, VIA,
};
use http::{HeaderMap, Method, StatusCode, Version};

use super::headers::{
    REMAPPED_CONNECTION, REMAPPED_CONTENT_LENGTH, REMAPPED_DATE, REMAPPED_SERVER,
};

/// The most a response head may take.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The most header fields a response head may have.
const MAX_HEADERS: usize = 100;
/// Header fields a response head is first parsed for: most have fewer.
const FEW_HEADERS: usize = 24;

/// A response that cannot be read as HTTP/1.1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid response from the backend: {0}")]
pub(crate) struct Malformed(pub &'static str);

/// How the request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFraming {
    /// No body and no header saying so.
    None,
    Length(u64),
    Chunked,
}

impl RequestFraming {
    /// The framing for a body of `len` bytes when known: an empty body is
    /// announced only for methods whose requests usually carry one.
    pub(crate) fn for_body(method: &Method, len: Option<u64>) -> RequestFraming {
        match len {
            None => RequestFraming::Chunked,
            Some(0) if !expects_body(method) => RequestFraming::None,
            Some(n) => RequestFraming::Length(n),
        }
    }
}

fn expects_body(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Appends the request line and header section to `out`. The framing
/// headers are written from `framing`; any in `headers` are left out.
pub(crate) fn encode_head(
    out: &mut Vec<u8>,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    framing: RequestFraming,
) {
    let fields: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    out.reserve(method.as_str().len() + target.len() + fields + 64);
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        RequestFraming::None => {}
        RequestFraming::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        RequestFraming::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    out.extend_from_slice(b"\r\n");
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    Empty,
    Length(u64),
    Chunked,
    /// Until the backend closes the connection.
    UntilClose,
}

/// Which of a response's fields are kept, and under which names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fields {
    /// Each under its own name (less those that concern only the
    /// connection).
    AsSent,
    /// As API Gateway passes a proxied response on: `Connection`,
    /// `Content-Length`, `Date` and `Server` as `x-amzn-Remapped-<name>`,
    /// and no `Via`. (The length is still read for the framing, and the
    /// answer to a HEAD request keeps it under its own name too.)
    Remapped,
}

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub framing: BodyFraming,
    /// Whether the connection may carry another request after this
    /// response's body.
    pub keep_alive: bool,
}

/// Parses a response head at the start of `buf`: `None` while incomplete,
/// else the head and the bytes it took. `head_request`: the response to a
/// HEAD request has no body whatever its headers say. The fields of a final
/// (not 1xx) response go into `room`, taken and emptied: a map whose memory
/// is reused (the request's, once sent) rather than a new one; `fields`
/// says under which names.
pub(crate) fn parse_head(
    buf: &[u8],
    head_request: bool,
    fields: Fields,
    room: &mut HeaderMap,
) -> Result<Option<(ResponseHead, usize)>, Malformed> {
    let mut few = [const { MaybeUninit::uninit() }; FEW_HEADERS];
    let parsed = match parse_head_into(buf, head_request, fields, &mut few, room) {
        Err(Unparsed::TooManyHeaders) => {
            let mut room_for_all = [const { MaybeUninit::uninit() }; MAX_HEADERS];
            parse_head_into(buf, head_request, fields, &mut room_for_all, room)
        }
        parsed => parsed,
    };
    parsed.map_err(|e| match e {
        Unparsed::TooManyHeaders => Malformed("the response has too many header fields"),
        Unparsed::Malformed(e) => e,
    })
}

/// Why [`parse_head_into`] gave no head.
enum Unparsed {
    /// More header fields than there was room for.
    TooManyHeaders,
    Malformed(Malformed),
}

impl From<Malformed> for Unparsed {
    fn from(e: Malformed) -> Unparsed {
        Unparsed::Malformed(e)
    }
}

/// [`parse_head`] with room for `fields.len()` header fields (left
/// uninitialised until parsed: clearing the room costs more than a short
/// head's parse).
fn parse_head_into<'b>(
    buf: &'b [u8],
    head_request: bool,
    fields: Fields,
    parsed_fields: &mut [MaybeUninit<httparse::Header<'b>>],
    room: &mut HeaderMap,
) -> Result<Option<(ResponseHead, usize)>, Unparsed> {
    let mut response = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        parsed_fields,
    );
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Err(Malformed("the response head is too large").into())
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Unparsed::TooManyHeaders),
        Err(_) => return Err(Malformed("the response head is not HTTP/1.1").into()),
    };
    let status = response
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or(Malformed("the response status is not a status code"))?;
    let version = if response.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    // The values are slices of one copy of the head. The framing headers
    // are read on the way; `Transfer-Encoding`, `Keep-Alive` and a
    // `Connection` that names no other header concern this connection only
    // and are not kept.
    let copy = Bytes::copy_from_slice(&buf[..len]);
    let mut headers = if status.is_informational() {
        HeaderMap::new()
    } else {
        let mut headers = std::mem::take(room);
        headers.clear();
        headers
    };
    headers.reserve(response.headers.len());
    let mut length = None;
    let mut chunked = None;
    let mut close = version == Version::HTTP_10;
    let remap = fields == Fields::Remapped;
    for field in response.headers.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes())
            .map_err(|_| Malformed("a response header name is invalid"))?;
        let value = || {
            let at = field.value.as_ptr() as usize - buf.as_ptr() as usize;
            HeaderValue::from_maybe_shared(copy.slice(at..at + field.value.len()))
                .map_err(|_| Malformed("a response header value is invalid"))
        };
        if name == TRANSFER_ENCODING {
            chunked = Some(last_coding_is_chunked(field.value));
            continue;
        }
        if name == CONTENT_LENGTH {
            length = Some(agree(length.unwrap_or(Ok(None)), field.value));
            // Remapped, except that the answer to a HEAD request keeps the
            // length it announces: the client's copy has no body to count.
            if remap {
                headers.append(REMAPPED_CONTENT_LENGTH, value()?);
                if !head_request {
                    continue;
                }
            }
        } else if name == CONNECTION {
            let mut others = false;
            for token in field.value.split(|b| *b == b',').map(<[u8]>::trim_ascii) {
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if !token.eq_ignore_ascii_case(b"keep-alive") && !token.is_empty() {
                    others = true;
                }
            }
            if remap {
                headers.append(REMAPPED_CONNECTION, value()?);
            }
            if !others {
                continue;
            }
        } else if name.as_str() == "keep-alive" {
            continue;
        } else if remap {
            let renamed = if name == DATE {
                REMAPPED_DATE
            } else if name == SERVER {
                REMAPPED_SERVER
            } else if name == VIA {
                continue;
            } else {
                name
            };
            headers.append(renamed, value()?);
            continue;
        }
        headers.append(name, value()?);
    }
    let mut keep_alive = !close;
    let framing = if head_request
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        BodyFraming::Empty
    } else if let Some(chunked) = chunked {
        // Transfer-Encoding overrides Content-Length, and a message with both
        // may be an attempt at smuggling: do not reuse its connection.
        if length.is_some() {
            headers.remove(CONTENT_LENGTH);
            headers.remove(REMAPPED_CONTENT_LENGTH);
            keep_alive = false;
        }
        if chunked {
            BodyFraming::Chunked
        } else {
            keep_alive = false;
            BodyFraming::UntilClose
        }
    } else if let Some(length) = length {
        let length = length?.ok_or(Malformed("the Content-Length is empty"))?;
        BodyFraming::Length(length)
    } else {
        keep_alive = false;
        BodyFraming::UntilClose
    };
    Ok(Some((
        ResponseHead {
            status,
            version,
            headers,
            framing,
            keep_alive,
        },
        len,
    )))
}

/// The length so far (`Ok(None)` before any value) made to agree with
/// the values in one more `Content-Length` field.
fn agree(so_far: Result<Option<u64>, Malformed>, value: &[u8]) -> Result<Option<u64>, Malformed> {
    let mut length = so_far?;
    for part in value.split(|b| *b == b',') {
        let part = part.trim_ascii();
        if part.is_empty() || part.len() > 19 || !part.iter().all(u8::is_ascii_digit) {
            return Err(Malformed("the Content-Length is not a number"));
        }
        let n = part.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        if length.is_some_and(|l| l != n) {
            return Err(Malformed("the Content-Length values disagree"));
        }
        length = Some(n);
    }
    Ok(length)
}

/// Whether the last coding a `Transfer-Encoding` value lists is `chunked`.
fn last_coding_is_chunked(value: &[u8]) -> bool {
    value
        .rsplit(|b| *b == b',')
        .next()
        .is_some_and(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Option<(ResponseHead, usize)>, Malformed> {
        parse_head(
            text.as_bytes(),
            false,
            Fields::AsSent,
            &mut HeaderMap::new(),
        )
    }

    /// A whole head read with `fields`; panics unless it parses.
    fn read(text: &str, fields: Fields) -> ResponseHead {
        parse_head(text.as_bytes(), false, fields, &mut HeaderMap::new())
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("not parsed: {text}"))
            .0
    }

    fn framing(text: &str) -> (BodyFraming, bool) {
        let (head, _) = head(text)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("incomplete"));
        (head.framing, head.keep_alive)
    }

    #[test]
    fn request_heads_carry_our_framing_and_not_the_clients() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("backend:8080"));
        headers.insert("content-length", HeaderValue::from_static("99"));
        headers.insert("x-a", HeaderValue::from_static("1"));
        let mut out = Vec::new();
        encode_head(
            &mut out,
            &Method::POST,
            "/p?q=1",
            &headers,
            RequestFraming::Length(3),
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "POST /p?q=1 HTTP/1.1\r\nhost: backend:8080\r\nx-a: 1\r\ncontent-length: 3\r\n\r\n"
        );
        assert_eq!(
            RequestFraming::for_body(&Method::GET, Some(0)),
            RequestFraming::None
        );
        assert_eq!(
            RequestFraming::for_body(&Method::POST, Some(0)),
            RequestFraming::Length(0)
        );
        assert_eq!(
            RequestFraming::for_body(&Method::GET, None),
            RequestFraming::Chunked
        );
    }

    #[test]
    fn response_heads_are_read_whole_or_not_at_all() {
        assert!(matches!(head("HTTP/1.1 200 OK\r\ncontent-le"), Ok(None)));
        let text = "HTTP/1.1 201 Created\r\nx-a: 1\r\nx-a: 2\r\ncontent-length: 2\r\n\r\nok";
        let (parsed, len) = head(text)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(parsed.status, StatusCode::CREATED);
        assert_eq!(parsed.headers.get_all("x-a").iter().count(), 2);
        assert_eq!(parsed.framing, BodyFraming::Length(2));
        assert!(parsed.keep_alive);
        assert_eq!(&text[len..], "ok", "the body is not part of the head");
        assert!(head("HTTP/1.1 200 OK\r\nbad header\r\n\r\n").is_err());
        assert!(head("SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }

    #[test]
    fn a_final_heads_fields_replace_what_the_room_held_and_an_interim_head_leaves_it() {
        let mut room = HeaderMap::new();
        room.insert("authorization", HeaderValue::from_static("Bearer t"));
        let interim = parse_head(
            b"HTTP/1.1 100 Continue\r\nx-i: 1\r\n\r\n",
            false,
            Fields::AsSent,
            &mut room,
        );
        let (interim, _) = interim
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(interim.headers.len(), 1);
        assert_eq!(room["authorization"], "Bearer t", "kept for a retry");
        let text = b"HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n";
        let (parsed, _) = parse_head(text, false, Fields::AsSent, &mut room)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(
            parsed.headers.keys().collect::<Vec<_>>(),
            ["x-a", "content-length"]
        );
        assert!(room.is_empty());
    }

    #[test]
    fn response_heads_with_up_to_a_hundred_fields_are_read_and_more_fail() {
        let with = |n: usize| {
            let fields: String = (0..n).map(|i| format!("x-f{i}: {i}\r\n")).collect();
            format!("HTTP/1.1 200 OK\r\n{fields}content-length: 0\r\n\r\n")
        };
        for n in [FEW_HEADERS - 1, FEW_HEADERS, 60, MAX_HEADERS - 1] {
            let (parsed, _) = head(&with(n))
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("{n} fields not parsed"));
            assert_eq!(parsed.headers.len(), n + 1);
            assert_eq!(parsed.headers["x-f0"], "0");
        }
        assert_eq!(
            head(&with(MAX_HEADERS)).err(),
            Some(Malformed("the response has too many header fields"))
        );
    }

    #[test]
    fn the_body_framing_follows_rfc_9112() {
        assert_eq!(
            framing("HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n"),
            (BodyFraming::Empty, true)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"),
            (BodyFraming::Chunked, true)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n"),
            (BodyFraming::Chunked, false)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n"),
            (BodyFraming::UntilClose, false)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n"),
            (BodyFraming::UntilClose, false)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ncontent-length: 7, 7\r\nconnection: close\r\n\r\n"),
            (BodyFraming::Length(7), false)
        );
        assert_eq!(
            framing("HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n"),
            (BodyFraming::Length(1), false)
        );
        let (head_response, _) = parse_head(
            b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n",
            true,
            Fields::AsSent,
            &mut HeaderMap::new(),
        )
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(head_response.framing, BodyFraming::Empty);
    }

    #[test]
    fn headers_that_concern_only_the_connection_are_not_kept() {
        let (parsed, _) = head(
            "HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\
             transfer-encoding: chunked\r\nx-a: 1\r\n\r\n",
        )
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("not parsed"));
        let names: Vec<&str> = parsed.headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["x-a"]);
        assert!(parsed.keep_alive);
        // One that names another header stays, for the proxy to strip both.
        let (parsed, _) = head(
            "HTTP/1.1 200 OK\r\nconnection: x-a, close\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n",
        )
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("not parsed"));
        assert!(parsed.headers.contains_key("connection"));
        assert!(!parsed.keep_alive);
    }

    #[test]
    fn remapped_fields_take_api_gateways_names_and_via_is_dropped() {
        let parsed = read(
            "HTTP/1.1 200 OK\r\nServer: origin/1.0\r\nDate: Fri, 04 Dec 2026 16:00:00 GMT\r\n\
             Content-Length: 2\r\nConnection: keep-alive\r\nVia: 1.1 cache\r\n\
             Content-Type: text/plain\r\n\r\nok",
            Fields::Remapped,
        );
        let fields: Vec<(&str, &str)> = parsed
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("?")))
            .collect();
        assert_eq!(
            fields,
            [
                ("x-amzn-remapped-server", "origin/1.0"),
                ("x-amzn-remapped-date", "Fri, 04 Dec 2026 16:00:00 GMT"),
                ("x-amzn-remapped-content-length", "2"),
                ("x-amzn-remapped-connection", "keep-alive"),
                ("content-type", "text/plain"),
            ]
        );
        // The length still frames the body, and the connection stays open.
        assert_eq!(parsed.framing, BodyFraming::Length(2));
        assert!(parsed.keep_alive);
        // A `Connection` naming another field is also kept under its own
        // name, for the proxy to drop both.
        let named = read(
            "HTTP/1.1 200 OK\r\nConnection: x-a\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n",
            Fields::Remapped,
        );
        assert_eq!(named.headers["x-amzn-remapped-connection"], "x-a");
        assert_eq!(named.headers["connection"], "x-a");
        // Read as sent, every field keeps its name.
        let as_sent = read(
            "HTTP/1.1 200 OK\r\nServer: s\r\nVia: v\r\ncontent-length: 0\r\n\r\n",
            Fields::AsSent,
        );
        let names: Vec<&str> = as_sent.headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["server", "via", "content-length"]);
    }

    #[test]
    fn disagreeing_or_malformed_content_lengths_fail() {
        for bad in ["5, 6", "-1", "0x10", "", "1 2", "99999999999999999999"] {
            let text = format!("HTTP/1.1 200 OK\r\ncontent-length: {bad}\r\n\r\n");
            assert!(head(&text).is_err(), "{bad}");
        }
        assert!(head("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n").is_err());
    }
}
