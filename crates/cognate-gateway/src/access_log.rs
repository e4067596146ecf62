//! The access log: one `tracing` event per request, at target
//! [`TARGET`], with the request id, API, stage, method, path, status,
//! latency in microseconds and the authorized `sub` (absent when no
//! authorizer ran).

use std::sync::atomic::{AtomicU64, Ordering};

/// The `tracing` target of access log events.
pub const TARGET: &str = "cognate::access";

/// What the access log records of one request.
#[derive(Debug)]
pub struct Entry<'a> {
    pub request_id: &'a str,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub latency_us: u64,
    pub sub: Option<&'a str>,
}

/// Whether access log events are recorded; when not, a request skips
/// gathering what one would say.
pub fn enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::INFO)
}

/// Writes one access log event.
pub fn emit(entry: &Entry<'_>) {
    tracing::info!(
        target: TARGET,
        request_id = entry.request_id,
        api = entry.api_id,
        stage = entry.stage,
        method = entry.method,
        path = entry.path,
        status = entry.status,
        latency_us = entry.latency_us,
        sub = entry.sub,
        "request"
    );
}

/// Hands out request ids: UUID-shaped, a random prefix per process and a
/// counter, so making one costs no system call.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u64,
    counter: AtomicU64,
}

impl RequestIds {
    pub fn new() -> Self {
        let seed: [u8; 16] = cognate_tokens::random_bytes();
        let (prefix, start) = seed.split_at(8);
        RequestIds {
            prefix: u64::from_be_bytes(prefix.try_into().unwrap_or_default()),
            counter: AtomicU64::new(u64::from_be_bytes(start.try_into().unwrap_or_default())),
        }
    }

    pub fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let p = self.prefix;
        // `{:08x}-{:04x}-{:04x}-{:04x}-{:012x}`, without the formatter.
        let mut id = String::with_capacity(36);
        push_hex(&mut id, p >> 32, 8);
        id.push('-');
        push_hex(&mut id, p >> 16, 4);
        id.push('-');
        push_hex(&mut id, p, 4);
        id.push('-');
        push_hex(&mut id, n >> 48, 4);
        id.push('-');
        push_hex(&mut id, n, 12);
        id
    }
}

/// The low `digits` hex digits of `value`, lowercase, zero-padded.
fn push_hex(out: &mut String, value: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in (0..digits).rev() {
        out.push(char::from(HEX[((value >> (4 * i)) & 0xf) as usize]));
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_shaped_and_distinct() {
        let ids = RequestIds::new();
        let a = ids.next();
        let b = ids.next();
        assert_ne!(a, b);
        let lens: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(lens, [8, 4, 4, 4, 12]);
    }

    #[test]
    fn request_ids_spell_prefix_and_counter_in_hex() {
        let ids = RequestIds {
            prefix: 0x0123_4567_89ab_cdef,
            counter: AtomicU64::new(0xfedc_ba98_7654_3210),
        };
        assert_eq!(ids.next(), "01234567-89ab-cdef-fedc-ba9876543210");
        assert_eq!(ids.next(), "01234567-89ab-cdef-fedc-ba9876543211");
    }
}
