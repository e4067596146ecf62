//! Sign-in lockout, as Cognito applies it to password proofs (a password
//! checked with argon2, or an SRP `PASSWORD_CLAIM_SIGNATURE`).
//!
//! Each user record keeps the number of consecutive failed proofs and when
//! the last one happened. From the fifth failure on the user is locked: for
//! 1 s after the fifth, 2 s after the sixth, doubling up to 15 minutes.
//! While locked every attempt, even with the right password, is refused with
//! "Password attempts exceeded" and does not count as a failure. A proven
//! password clears the counter, and so do 15 minutes without failures.
//!
//! Only users that exist have a counter: an unknown name never hears about
//! lockout, so the answer for it stays the one a wrong password gets.
//! The counter is written through the store's user update, so it survives
//! restarts and is shared by every node over one database. Two failures
//! racing each other may count once; that only delays a lock by one attempt.

use super::UserPools;
use crate::model::User;
use crate::{CoreError, CoreResult};

/// Failures in a row after which the user is locked.
pub(crate) const LOCK_AFTER_FAILURES: u32 = 5;

/// The lock after the first failure that locks.
const FIRST_LOCK_MS: i64 = 1_000;

/// The longest lock.
const MAX_LOCK_MS: i64 = 15 * 60_000;

/// Time without failures after which the counter starts again from zero.
const QUIET_RESET_MS: i64 = 15 * 60_000;

/// The message of the NotAuthorizedException a locked user gets.
pub(crate) const ATTEMPTS_EXCEEDED: &str = "Password attempts exceeded";

/// How long the user stays locked after their `failures`-th failure in a
/// row: nothing before the fifth, then 1 s doubling up to 15 minutes.
pub(crate) fn lock_ms(failures: u32) -> i64 {
    let Some(doublings) = failures.checked_sub(LOCK_AFTER_FAILURES) else {
        return 0;
    };
    FIRST_LOCK_MS
        .checked_shl(doublings)
        .filter(|ms| *ms > 0 && *ms <= MAX_LOCK_MS)
        .unwrap_or(MAX_LOCK_MS)
}

/// The failures that still count at `now_ms`: all of them unless the last
/// one is 15 minutes old or more.
pub(crate) fn live_failures(user: &User, now_ms: i64) -> u32 {
    if now_ms.saturating_sub(user.last_failed_sign_in_ms) >= QUIET_RESET_MS {
        0
    } else {
        user.failed_sign_ins
    }
}

/// Whether the user's sign-ins are refused at `now_ms`.
pub(crate) fn is_locked(user: &User, now_ms: i64) -> bool {
    let lock = lock_ms(live_failures(user, now_ms));
    lock > 0 && now_ms < user.last_failed_sign_in_ms.saturating_add(lock)
}

impl UserPools {
    /// Refuses an attempt to prove a password for a user who is locked out;
    /// called before the proof is checked, so the attempt costs nothing and
    /// is not counted.
    pub(super) fn refuse_if_locked(&self, user: &User) -> CoreResult<()> {
        if is_locked(user, self.clock.now_ms()) {
            Err(CoreError::not_authorized(ATTEMPTS_EXCEEDED))
        } else {
            Ok(())
        }
    }

    /// Counts a wrong password for `user` and returns the error the attempt
    /// answers with. Disabled users are not counted.
    pub(super) async fn failed_sign_in(&self, user: &User) -> CoreResult<CoreError> {
        if user.enabled {
            let now = self.clock.now_ms();
            self.update_counter(user, |u| {
                u.failed_sign_ins = live_failures(u, now).saturating_add(1);
                u.last_failed_sign_in_ms = now;
            })
            .await?;
        }
        Ok(CoreError::not_authorized(super::auth::INCORRECT))
    }

    /// Clears the counter after a proven password (in the store and in
    /// `user`, which the caller goes on with).
    pub(super) async fn passed_sign_in(&self, user: &mut User) -> CoreResult<()> {
        if user.failed_sign_ins == 0 && user.last_failed_sign_in_ms == 0 {
            return Ok(());
        }
        self.update_counter(user, |u| {
            u.failed_sign_ins = 0;
            u.last_failed_sign_in_ms = 0;
        })
        .await?;
        user.failed_sign_ins = 0;
        user.last_failed_sign_in_ms = 0;
        Ok(())
    }

    /// Applies `change` to the freshest copy of the user's record and writes
    /// it back, so that the counter does not overwrite what another
    /// operation changed while the password was being checked.
    async fn update_counter(&self, user: &User, change: impl FnOnce(&mut User)) -> CoreResult<()> {
        let Some(mut fresh) = self.store.get_user_by_sub(&user.pool_id, &user.sub).await? else {
            return Ok(());
        };
        change(&mut fresh);
        self.store.update_user(&fresh).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A user record with only what lockout reads set; the rest as a newly
    /// stored record would have it.
    fn user(failures: u32, last_ms: i64) -> User {
        serde_json::from_value(json!({
            "pool_id": "us-east-1_pool",
            "sub": "sub",
            "username": "alice",
            "username_key": "alice",
            "status": "Confirmed",
            "enabled": true,
            "password_hash": null,
            "password_set_ms": 0,
            "attributes": {},
            "created_ms": 0,
            "modified_ms": 0,
            "failed_sign_ins": failures,
            "last_failed_sign_in_ms": last_ms,
            "passthrough": {},
        }))
        .expect("a user record")
    }

    #[test]
    fn no_lock_before_the_fifth_failure() {
        for n in 0..5 {
            assert_eq!(lock_ms(n), 0, "failure {n}");
        }
    }

    #[test]
    fn lock_starts_at_one_second_and_doubles() {
        assert_eq!(lock_ms(5), 1_000);
        assert_eq!(lock_ms(6), 2_000);
        assert_eq!(lock_ms(7), 4_000);
        assert_eq!(lock_ms(14), 512_000);
    }

    #[test]
    fn lock_is_capped_at_fifteen_minutes() {
        assert_eq!(lock_ms(15), 900_000);
        assert_eq!(lock_ms(16), 900_000);
        assert_eq!(lock_ms(68), 900_000);
        assert_eq!(lock_ms(u32::MAX), 900_000);
    }

    #[test]
    fn locked_only_within_the_lock_period() {
        let u = user(6, 10_000);
        assert!(is_locked(&u, 10_000));
        assert!(is_locked(&u, 11_999));
        assert!(!is_locked(&u, 12_000));
        assert!(!is_locked(&user(4, 10_000), 10_000));
    }

    #[test]
    fn failures_are_forgotten_after_fifteen_quiet_minutes() {
        let u = user(4, 10_000);
        assert_eq!(live_failures(&u, 10_000 + 899_999), 4);
        assert_eq!(live_failures(&u, 10_000 + 900_000), 0);
    }

    #[test]
    fn a_capped_lock_ends_with_the_counter() {
        let u = user(20, 0);
        assert!(is_locked(&u, 899_999));
        assert!(!is_locked(&u, 900_000));
        assert_eq!(live_failures(&u, 900_000), 0);
    }
}
