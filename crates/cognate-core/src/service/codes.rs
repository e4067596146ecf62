//! One-time codes (sign-up confirmation, password reset, attribute
//! verification) and the messages that carry them. Codes are six digits,
//! stored only as a keyed hash, single use, expiring, and attempt-limited.

use super::custom_message::MessageTrigger;
use super::users::CodeDelivery;
use super::{Medium, Message, Purpose, UserPools};
use crate::model::{CodePurpose, CodeRecord, User, UserPool};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

/// How long a decoy write's marker lives.
const DECOY_TTL_MS: i64 = 60_000;

/// Wrong tries after which a code is void.
pub const MAX_CODE_ATTEMPTS: u32 = 5;
pub const SIGN_UP_CODE_TTL_MS: i64 = 24 * 3600 * 1000;
pub const RESET_CODE_TTL_MS: i64 = 3600 * 1000;
pub const VERIFY_CODE_TTL_MS: i64 = 24 * 3600 * 1000;

fn ttl(purpose: &CodePurpose) -> i64 {
    match purpose {
        CodePurpose::SignUp => SIGN_UP_CODE_TTL_MS,
        CodePurpose::ForgotPassword => RESET_CODE_TTL_MS,
        CodePurpose::VerifyAttribute(_) => VERIFY_CODE_TTL_MS,
    }
}

/// `alice@example.com` -> `a***@e***`, `+15551234567` -> `+*******4567`.
pub fn mask(medium: Medium, destination: &str) -> String {
    match medium {
        Medium::Email => {
            let (local, domain) = destination.split_once('@').unwrap_or((destination, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            format!("{}***@{}***", first(local), first(domain))
        }
        Medium::Sms => {
            let n = destination.chars().count();
            let tail: String = destination.chars().skip(n.saturating_sub(4)).collect();
            format!("+{}{}", "*".repeat(n.saturating_sub(5)), tail)
        }
    }
}

pub(crate) fn code_mismatch() -> CoreError {
    CoreError::CodeMismatch("Invalid verification code provided, please try again.".into())
}

impl UserPools {
    /// What ForgotPassword and ResendConfirmationCode answer for a user that
    /// does not exist when the client hides that: a plausible, stable e-mail
    /// delivery, derived from the name so that asking twice answers the same.
    pub(crate) fn simulated_delivery(&self, username: &str) -> CodeDelivery {
        let mac = self
            .master_key
            .mac("simulated-delivery", username.as_bytes());
        let letter = (b'a' + mac[0] % 26) as char;
        let first = username.chars().next().unwrap_or('u');
        CodeDelivery {
            destination: format!("{first}***@{letter}***"),
            medium: Medium::Email,
            attribute: "email".into(),
        }
    }

    /// The answer to an unknown user under PreventUserExistenceErrors: the
    /// simulated delivery, after the same kind of durable write a known user's
    /// code costs, so response time does not tell the two apart.
    pub(crate) async fn unknown_user_delivery(&self, username: &str) -> CoreResult<CodeDelivery> {
        self.decoy_write().await?;
        Ok(self.simulated_delivery(username))
    }

    /// One durable write of the size a code costs: a random single-use
    /// marker that expires within a minute (the housekeeping purge removes
    /// it). Stands in for storing a code or recording a wrong try when the
    /// user does not exist.
    pub(crate) async fn decoy_write(&self) -> CoreResult<()> {
        let nonce: [u8; 16] = self.rng.bytes();
        let key = format!("decoy:{}", hex::encode(nonce));
        self.store
            .consume_once(&key, self.clock.now_ms() + DECOY_TTL_MS)
            .await?;
        Ok(())
    }

    /// What checking a wrong code costs a known user, for one that does not
    /// exist: the code's look-up, its keyed hash, and the recorded failure.
    pub(crate) async fn decoy_code_check(&self, code: &str) -> CoreResult<()> {
        let nonce: [u8; 16] = self.rng.bytes();
        let sub = hex::encode(nonce);
        let key = CodePurpose::ForgotPassword.key();
        let _ = self.store.get_code("decoy", &sub, &key).await?;
        let _ = self.code_hash("decoy", &sub, &key, code.trim());
        self.decoy_write().await
    }

    fn code_hash(&self, pool_id: &str, sub: &str, purpose: &str, code: &str) -> String {
        let data = format!("{pool_id}\n{sub}\n{purpose}\n{code}");
        hex::encode(self.master_key.mac("code", data.as_bytes()))
    }

    /// Creates a code (replacing any earlier one for the same purpose) and
    /// returns it in clear for delivery.
    pub(crate) async fn issue_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: &CodePurpose,
    ) -> CoreResult<String> {
        let code = self.rng.digits(6);
        let now = self.clock.now_ms();
        let key = purpose.key();
        self.store
            .put_code(&CodeRecord {
                pool_id: pool.id.clone(),
                sub: user.sub.clone(),
                code_hash: self.code_hash(&pool.id, &user.sub, &key, &code),
                purpose: key,
                created_ms: now,
                expires_ms: now + ttl(purpose),
                failed_attempts: 0,
            })
            .await?;
        Ok(code)
    }

    /// Checks and consumes a code.
    pub(crate) async fn check_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: &CodePurpose,
        code: &str,
    ) -> CoreResult<()> {
        let key = purpose.key();
        let mismatch = code_mismatch;
        let Some(rec) = self.store.get_code(&pool.id, &user.sub, &key).await? else {
            return Err(mismatch());
        };
        if rec.failed_attempts >= MAX_CODE_ATTEMPTS {
            return Err(CoreError::TooManyFailedAttempts(
                "Too many failed attempts; request a new code.".into(),
            ));
        }
        if self.clock.now_ms() >= rec.expires_ms {
            return Err(CoreError::ExpiredCode(
                "Invalid code provided, please request a code again.".into(),
            ));
        }
        let given = self.code_hash(&pool.id, &user.sub, &key, code.trim());
        if !cognate_tokens::constant_time_eq(given.as_bytes(), rec.code_hash.as_bytes()) {
            self.store
                .record_code_failure(&pool.id, &user.sub, &key)
                .await?;
            return Err(mismatch());
        }
        self.store.delete_code(&pool.id, &user.sub, &key).await?;
        Ok(())
    }

    /// Where a code for this user goes: e-mail if they have one (preferred
    /// when `prefer` says so), else their phone number.
    pub(crate) fn destination(
        &self,
        user: &User,
        prefer: Option<Medium>,
    ) -> Option<(Medium, String)> {
        let email = user.attr("email").map(|e| (Medium::Email, e.to_string()));
        let phone = user
            .attr("phone_number")
            .map(|p| (Medium::Sms, p.to_string()));
        match prefer {
            Some(Medium::Sms) => phone.or(email),
            _ => email.or(phone),
        }
    }

    /// Issues a code and sends it, through the pool's CustomMessage trigger.
    /// Returns the CodeDeliveryDetails.
    pub(crate) async fn send_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        (medium, destination): (Medium, &str),
        trigger: &MessageTrigger<'_>,
    ) -> CoreResult<CodeDelivery> {
        let code = self.issue_code(pool, user, &purpose).await?;
        let (kind, subject, body) = match purpose {
            CodePurpose::SignUp => (
                Purpose::SignUp,
                "Your verification code",
                format!("Your verification code is {code}. "),
            ),
            CodePurpose::ForgotPassword => (
                Purpose::ForgotPassword,
                "Your password reset code",
                format!("Your password reset code is {code}. "),
            ),
            CodePurpose::VerifyAttribute(_) => (
                Purpose::VerifyAttribute,
                "Your verification code",
                format!("Your verification code is {code}. "),
            ),
        };
        let mut message = Message {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            purpose: kind,
            medium,
            destination: destination.to_string(),
            subject: subject.to_string(),
            body,
            code: Some(code),
            temporary_password: None,
        };
        self.apply_custom_message(pool, user, trigger, &mut message)
            .await?;
        self.send(message).await?;
        Ok(CodeDelivery {
            destination: mask(medium, destination),
            medium,
            attribute: medium.attribute().to_string(),
        })
    }

    pub(crate) async fn send(&self, message: Message) -> CoreResult<()> {
        self.deliver.deliver(&message).await.map_err(|e| {
            tracing::warn!(pool_id = %message.pool_id, error = %e, "message delivery failed");
            CoreError::CodeDeliveryFailure(format!("Unable to deliver the message: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_destination_is_masked_like_cognito() {
        assert_eq!(mask(Medium::Email, "alice@example.com"), "a***@e***");
    }

    #[test]
    fn phone_destination_keeps_last_four_digits() {
        assert_eq!(mask(Medium::Sms, "+15551234567"), "+*******4567");
    }
}
