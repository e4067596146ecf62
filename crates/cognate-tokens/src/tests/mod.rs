//! Unit tests. RSA key generation is slow-ish, so at most two keys are
//! generated for the whole test binary.

use std::sync::OnceLock;

use crate::SigningKey;

mod jwt_tests;
mod key_tests;
mod secret_tests;

pub(crate) const KID: &str = "test-kid-1";

/// The shared signing key (`kid` = [`KID`]).
pub(crate) fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(KID).expect("generate RSA key"))
}

/// A second, unrelated key pair that claims the *same* kid.
pub(crate) fn impostor_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(KID).expect("generate RSA key"))
}

pub(crate) fn b64url(data: &[u8]) -> String {
    crate::b64::url_encode(data)
}
