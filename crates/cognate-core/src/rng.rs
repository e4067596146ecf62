//! Randomness is injected: the core asks an [`Rng`] for bytes and derives
//! identifiers, codes and salts from them.

use std::sync::atomic::{AtomicU64, Ordering};

pub trait Rng: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Helpers shared by everything that needs random text.
pub trait RngExt: Rng {
    fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut b = [0u8; N];
        self.fill(&mut b);
        b
    }

    /// Uniformly chosen characters from `alphabet` (rejection sampling, no modulo bias).
    fn string_from(&self, alphabet: &[u8], len: usize) -> String {
        let limit = 256 - (256 % alphabet.len());
        let mut out = String::with_capacity(len);
        let mut buf = [0u8; 64];
        while out.len() < len {
            self.fill(&mut buf);
            for &b in &buf {
                if (b as usize) < limit && out.len() < len {
                    out.push(alphabet[b as usize % alphabet.len()] as char);
                }
            }
        }
        out
    }

    fn alnum(&self, len: usize) -> String {
        self.string_from(ALNUM, len)
    }

    fn lower_alnum(&self, len: usize) -> String {
        self.string_from(LOWER_ALNUM, len)
    }

    fn digits(&self, len: usize) -> String {
        self.string_from(b"0123456789", len)
    }

    /// A random (version 4) UUID in lowercase text form.
    fn uuid(&self) -> String {
        let b: [u8; 16] = self.bytes();
        uuid::Builder::from_random_bytes(b)
            .into_uuid()
            .hyphenated()
            .to_string()
    }
}

impl<T: Rng + ?Sized> RngExt for T {}

/// Deterministic bytes for tests: a SHA-256 counter stream from a seed.
#[derive(Debug)]
pub struct SeqRng {
    seed: u64,
    counter: AtomicU64,
}

impl SeqRng {
    pub fn new(seed: u64) -> Self {
        SeqRng {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

impl Rng for SeqRng {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let mut input = [0u8; 16];
            input[..8].copy_from_slice(&self.seed.to_le_bytes());
            input[8..].copy_from_slice(&n.to_le_bytes());
            let block = cognate_tokens::sha256(&input);
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// The operating system's generator, through aws-lc.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRng;

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let block: [u8; 32] = cognate_tokens::random_bytes();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}
