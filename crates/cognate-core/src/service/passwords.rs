//! Password hashing (argon2id, PHC strings) and the pool's password policy.

use argon2::password_hash::{PasswordHash, PasswordVerifier, SaltString};
use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::model::PasswordPolicy;
use crate::rng::{Rng, RngExt};
use crate::{CoreError, CoreResult};

/// argon2id cost. Defaults are OWASP's minimum: 19 MiB, 2 passes, 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords on the blocking pool, at most one
/// computation per core at a time: each takes `memory_kib` of memory, so
/// letting every waiting request start its own would trade no throughput for
/// unbounded memory.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(p: Argon2Params) -> Self {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .unwrap_or_else(|_| Params::default());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PasswordHasher {
            params,
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Runs one argon2 computation when a core is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Argon2<'static>) -> CoreResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || work(argon2))
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on the blocking pool; returns a PHC string.
    pub async fn hash(&self, rng: &dyn Rng, password: &str) -> CoreResult<String> {
        let salt_bytes: [u8; 16] = rng.bytes();
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| CoreError::Internal(e.to_string()))?;
        let password = password.to_string();
        self.run(move |argon2| {
            use argon2::PasswordHasher as _;
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| CoreError::Internal(e.to_string()))
        })
        .await
    }

    /// Verifies on the blocking pool, with the parameters stored in the hash.
    pub async fn verify(&self, password: &str, phc: &str) -> CoreResult<bool> {
        let password = password.to_string();
        let phc = phc.to_string();
        self.run(move |argon2| {
            let parsed = PasswordHash::new(&phc).map_err(|e| CoreError::Internal(e.to_string()))?;
            Ok(argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
    }
}

/// Checks a password against the policy; the message lists what is missing,
/// as Cognito's does.
pub fn check_policy(policy: &PasswordPolicy, password: &str) -> CoreResult<()> {
    let fail = |what: &str| {
        Err(CoreError::InvalidPassword(format!(
            "Password did not conform with policy: {what}"
        )))
    };
    if password.chars().count() < policy.minimum_length as usize {
        return fail("Password not long enough");
    }
    if password.chars().count() > 256 {
        return fail("Password is too long");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(is_policy_symbol) {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// Cognito's symbol set: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and space.
fn is_policy_symbol(c: char) -> bool {
    "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ".contains(c)
}

/// A temporary password that satisfies the policy.
pub fn generate_temporary(rng: &dyn Rng, policy: &PasswordPolicy) -> String {
    let len = (policy.minimum_length as usize).max(12);
    let mut pw: Vec<char> = rng.alnum(len.saturating_sub(4)).chars().collect();
    pw.push(
        rng.string_from(b"ABCDEFGHJKLMNPQRSTUVWXYZ", 1)
            .chars()
            .next()
            .unwrap_or('A'),
    );
    pw.push(
        rng.string_from(b"abcdefghijkmnopqrstuvwxyz", 1)
            .chars()
            .next()
            .unwrap_or('a'),
    );
    pw.push(rng.digits(1).chars().next().unwrap_or('7'));
    pw.push(
        rng.string_from(b"!#%&*+-.=?@^_", 1)
            .chars()
            .next()
            .unwrap_or('!'),
    );
    pw.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_rejects_missing_symbol() {
        let err = check_policy(&PasswordPolicy::default(), "Password123").unwrap_err();
        assert!(err.to_string().contains("symbol"));
    }

    #[test]
    fn default_policy_accepts_strong_password() {
        check_policy(&PasswordPolicy::default(), "Passw0rd!").unwrap();
    }

    #[test]
    fn generated_temporary_password_meets_policy() {
        let rng = crate::rng::SeqRng::new(7);
        for _ in 0..50 {
            let pw = generate_temporary(&rng, &PasswordPolicy::default());
            check_policy(&PasswordPolicy::default(), &pw).unwrap();
        }
    }
}
