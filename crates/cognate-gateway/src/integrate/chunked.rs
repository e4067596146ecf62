//! The chunked transfer coding (RFC 9112 §7.1) of bodies sent to and read
//! from backends: a request body written as chunks when its length is not
//! known up front, and a response body decoded from them. Pure functions
//! over byte buffers, strict as [`super::h1`] is: a malformed chunk size or
//! a bare LF where CRLF belongs fails the exchange.

use std::ops::Range;

use super::h1::Malformed;

/// The most a chunk-size line or a trailer section may take.
const MAX_CHUNK_LINE: usize = 4 * 1024;
const MAX_TRAILERS: usize = 16 * 1024;

/// Appends one chunk of a chunked request body.
pub(crate) fn encode_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The last chunk of a chunked request body, without trailers.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// What decoding a chunked body made of the bytes at hand.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// More bytes are needed; the first `usize` were consumed.
    More(usize),
    /// Body data at the range; everything before its end was consumed.
    Data(Range<usize>),
    /// The body ended; the first `usize` bytes were consumed.
    End(usize),
}

/// Decodes a chunked body (RFC 9112 §7.1); extensions and trailer fields
/// are read and dropped.
#[derive(Debug, Default)]
pub(crate) struct Chunked {
    state: ChunkState,
    trailer_bytes: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailers,
}

impl Chunked {
    /// Decodes from the start of `buf`.
    pub(crate) fn decode(&mut self, buf: &[u8]) -> Result<Decoded, Malformed> {
        let mut at = 0;
        loop {
            let rest = &buf[at..];
            match self.state {
                ChunkState::Size => {
                    let Some(line) = line(rest, MAX_CHUNK_LINE)? else {
                        return Ok(Decoded::More(at));
                    };
                    let size = chunk_size(&rest[..line])?;
                    at += line + 2;
                    self.state = if size == 0 {
                        ChunkState::Trailers
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    if rest.is_empty() {
                        return Ok(Decoded::More(at));
                    }
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                    return Ok(Decoded::Data(at..at + take));
                }
                ChunkState::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        at += 2;
                        self.state = ChunkState::Size;
                    }
                    [] | [b'\r'] => return Ok(Decoded::More(at)),
                    _ => return Err(Malformed("a chunk does not end with CRLF")),
                },
                ChunkState::Trailers => {
                    let Some(line) = line(rest, MAX_CHUNK_LINE)? else {
                        return Ok(Decoded::More(at));
                    };
                    at += line + 2;
                    if line == 0 {
                        return Ok(Decoded::End(at));
                    }
                    self.trailer_bytes += line + 2;
                    if self.trailer_bytes > MAX_TRAILERS {
                        return Err(Malformed("the trailer section is too large"));
                    }
                }
            }
        }
    }
}

/// The length of the CRLF-terminated line at the start of `buf`, when it is
/// all there.
fn line(buf: &[u8], max: usize) -> Result<Option<usize>, Malformed> {
    match buf.iter().position(|b| *b == b'\n') {
        Some(0) => Err(Malformed("a bare LF in the chunked framing")),
        Some(lf) if buf[lf - 1] != b'\r' => Err(Malformed("a bare LF in the chunked framing")),
        Some(lf) => Ok(Some(lf - 1)),
        None if buf.len() > max => Err(Malformed("a chunk-size line is too long")),
        None => Ok(None),
    }
}

/// The hexadecimal size at the start of a chunk-size line (extensions
/// after `;` are ignored).
fn chunk_size(line: &[u8]) -> Result<u64, Malformed> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let rest = line[digits..].trim_ascii_start();
    if digits == 0 || digits > 15 || !(rest.is_empty() || rest[0] == b';') {
        return Err(Malformed("a chunk size is not a hexadecimal number"));
    }
    Ok(line[..digits].iter().fold(0u64, |n, d| {
        n * 16 + u64::from(char::from(*d).to_digit(16).unwrap_or(0))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `wire` fed in pieces of `step` bytes; the data and the bytes
    /// left after the body.
    fn decode_all(wire: &[u8], step: usize) -> Result<(Vec<u8>, usize), Malformed> {
        let mut decoder = Chunked::default();
        let (mut buf, mut fed, mut data) = (Vec::new(), 0, Vec::new());
        loop {
            match decoder.decode(&buf)? {
                Decoded::Data(range) => {
                    data.extend_from_slice(&buf[range.clone()]);
                    buf.drain(..range.end);
                }
                Decoded::End(used) => return Ok((data, buf.len() - used + wire.len() - fed)),
                Decoded::More(used) => {
                    buf.drain(..used);
                    if fed == wire.len() {
                        return Err(Malformed("ended early"));
                    }
                    let next = (fed + step).min(wire.len());
                    buf.extend_from_slice(&wire[fed..next]);
                    fed = next;
                }
            }
        }
    }

    #[test]
    fn chunked_bodies_decode_in_any_pieces() {
        let wire =
            b"5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-t: 1\r\n\r\nNEXT";
        for step in [1, 2, 3, 7, 100] {
            let (data, left) = decode_all(wire, step).unwrap_or_else(|e| panic!("{step}: {e}"));
            assert_eq!(data, b"helloabcdefghijklmnopqrstuvwxyz");
            assert_eq!(left, 4, "the next response's bytes stay unread");
        }
    }

    #[test]
    fn malformed_chunked_framing_fails() {
        for wire in [
            &b"5\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"z\r\n",
            b"\r\n",
            b"1234567890abcdef0\r\n",
            b"5 x\r\nhello\r\n",
        ] {
            assert!(
                decode_all(wire, 100).is_err(),
                "{}",
                String::from_utf8_lossy(wire)
            );
        }
    }
}
