//! USER_SRP_AUTH: the Cognito variant of SRP-6a (RFC 3526 3072-bit group,
//! g = 2, SHA-256, Java-style PAD, an HKDF named "Caldera Derived Key").
//!
//! The server keeps a verifier `v = g^x mod N` per user, sealed with the
//! master key, computed whenever a password is set. InitiateAuth answers a
//! PASSWORD_VERIFIER challenge whose SECRET_BLOCK carries the server state
//! (sealed, single use, short-lived); RespondToAuthChallenge checks the
//! client's HMAC over that block and a timestamp with the derived key.
//!
//! All modular arithmetic runs in constant time (`crypto-bigint`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cognate_tokens::{constant_time_eq, hmac_sha256, sha256};
use crypto_bigint::modular::{MontyForm, MontyParams};
use crypto_bigint::{NonZero, Odd, Zero, U3072, U4096};
use serde::{Deserialize, Serialize};

use super::auth::{AuthOutcome, Challenge, ChallengeResponse, INCORRECT};
pub use super::srp_timestamp::{format_timestamp, parse_timestamp};
use super::UserPools;
use crate::model::{AppClient, User, UserPool};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

type Monty = MontyForm<{ U3072::LIMBS }>;

/// RFC 3526 group 15, the 3072-bit MODP prime.
const N: U3072 = U3072::from_be_hex(concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
));

/// The generator.
const G: U3072 = U3072::from_u8(2);

/// Longest SRP_A accepted, in hex digits (a 4096-bit number).
const MAX_A_HEX: usize = 1024;

/// How far a client's TIMESTAMP may be from the server clock.
const TIMESTAMP_WINDOW_SECS: i64 = 300;

const SECRET_BLOCK_AAD: &[u8] = b"srp-secret-block";

/// Longest PASSWORD_CLAIM_SECRET_BLOCK accepted, in base64 characters.
const MAX_SECRET_BLOCK_LEN: usize = 4096;

static PARAMS: LazyLock<MontyParams<{ U3072::LIMBS }>> = LazyLock::new(|| {
    let odd = Option::from(Odd::new(N)).unwrap_or_else(|| unreachable!("the group prime is odd"));
    MontyParams::new_vartime(odd)
});

/// The multiplier k = H(PAD(N) || PAD(g)).
static K: LazyLock<U3072> = LazyLock::new(|| hash_to_uint(&[&pad(&N), &pad(&G)]));

fn monty(n: &U3072) -> Monty {
    Monty::new(n, *PARAMS)
}

/// `base^exp mod N`.
fn mod_pow(base: &U3072, exp: &U3072) -> U3072 {
    monty(base).pow(exp).retrieve()
}

/// Minimal big-endian bytes of `n` (empty for zero).
fn min_bytes(n: &U3072) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

/// Java `BigInteger.toByteArray` of a non-negative number given by its
/// minimal big-endian bytes: a `00` in front when the top bit is set.
fn pad_bytes(min: &[u8]) -> Vec<u8> {
    match min.first() {
        None => vec![0],
        Some(&b) if b >= 0x80 => [&[0u8][..], min].concat(),
        Some(_) => min.to_vec(),
    }
}

/// PAD(n): the bytes SRP hashes for a number.
pub fn pad(n: &U3072) -> Vec<u8> {
    pad_bytes(&min_bytes(n))
}

/// Lowercase hex without leading zeros, as clients print big integers.
fn to_hex(n: &U3072) -> String {
    let hex = hex::encode(min_bytes(n));
    match hex.trim_start_matches('0') {
        "" => "0".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// A big-endian byte string of at most 384 bytes as a number.
fn uint_from_be(bytes: &[u8]) -> Option<U3072> {
    let mut buf = [0u8; 384];
    let start = buf.len().checked_sub(bytes.len())?;
    buf[start..].copy_from_slice(bytes);
    Some(U3072::from_be_slice(&buf))
}

/// Parses hex of any case, odd length allowed, into big-endian bytes.
fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let even = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_string()
    };
    hex::decode(even).ok()
}

fn hash_to_uint(parts: &[&[u8]]) -> U3072 {
    let digest = sha256(&parts.concat());
    let mut buf = [0u8; 384];
    buf[352..].copy_from_slice(&digest);
    U3072::from_be_slice(&buf)
}

/// x = H(PAD(salt) || H(poolName || userIdForSrp || ":" || password)).
pub fn password_x(pool_name: &str, user_id: &str, password: &str, salt: &[u8]) -> U3072 {
    let inner = sha256(format!("{pool_name}{user_id}:{password}").as_bytes());
    let trimmed = &salt[salt.iter().position(|&b| b != 0).unwrap_or(salt.len())..];
    hash_to_uint(&[&pad_bytes(trimmed), &inner])
}

/// The pool name SRP mixes in: the part of the pool id after `_`.
fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// Parses SRP_A and reduces it mod N; rejects malformed, oversized and
/// degenerate (`A mod N == 0`) values.
pub fn parse_a(hex: &str) -> CoreResult<U3072> {
    let invalid = || CoreError::invalid("Invalid SRP_A");
    if hex.len() > MAX_A_HEX {
        return Err(invalid());
    }
    let bytes = hex_bytes(hex).ok_or_else(invalid)?;
    let mut buf = [0u8; 512];
    let start = buf.len().checked_sub(bytes.len()).ok_or_else(invalid)?;
    buf[start..].copy_from_slice(&bytes);
    let wide = U4096::from_be_slice(&buf);
    let modulus = Option::<NonZero<U4096>>::from(NonZero::new(N.resize::<{ U4096::LIMBS }>()))
        .ok_or_else(invalid)?;
    let a: U3072 = wide.rem(&modulus).resize();
    if bool::from(a.is_zero()) {
        return Err(invalid());
    }
    Ok(a)
}

/// u = H(PAD(A) || PAD(B)).
fn scrambler(a: &U3072, b: &U3072) -> U3072 {
    hash_to_uint(&[&pad(a), &pad(b)])
}

/// K: the first 16 bytes of HKDF-SHA256(salt = PAD(u), ikm = PAD(S),
/// info = "Caldera Derived Key").
pub fn session_key(u: &U3072, s: &U3072) -> [u8; 16] {
    let prk = hmac_sha256(&pad(u), &pad(s));
    let okm = hmac_sha256(&prk, b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// Base64(HMAC-SHA256(K, poolName || userIdForSrp || secretBlock || timestamp)).
pub fn claim_signature(
    key: &[u8; 16],
    pool_id: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> String {
    let msg = [
        pool_name(pool_id).as_bytes(),
        user_id.as_bytes(),
        secret_block,
        timestamp.as_bytes(),
    ]
    .concat();
    STANDARD.encode(hmac_sha256(key, &msg))
}

/// The server half of one exchange: B to send, and the key both sides
/// will derive if the client knows the password.
struct ServerExchange {
    b_pub: U3072,
    key: [u8; 16],
}

/// B = (k*v + g^b) mod N; u = H(PAD(A) || PAD(B)) must be non-zero;
/// S = (A * v^u)^b mod N.
fn server_exchange(a_pub: &U3072, v: &U3072, b: &U3072) -> CoreResult<ServerExchange> {
    let b_pub = (monty(&K) * monty(v) + monty(&G).pow(b)).retrieve();
    let u = scrambler(a_pub, &b_pub);
    if bool::from(u.is_zero()) {
        return Err(CoreError::invalid("Invalid SRP_A"));
    }
    let s = (monty(a_pub) * monty(v).pow(&u)).pow(b).retrieve();
    Ok(ServerExchange {
        b_pub,
        key: session_key(&u, &s),
    })
}

/// The client half of the protocol, as amazon-cognito-identity-js and
/// pycognito compute it: for tests and tooling that sign in over SRP.
pub struct SrpClient {
    a: U3072,
    a_pub: U3072,
}

impl SrpClient {
    /// A client with the secret exponent `a` (big-endian bytes).
    pub fn new(a: &[u8; 32]) -> Self {
        let a = uint_from_be(a).unwrap_or(U3072::ONE);
        SrpClient {
            a_pub: mod_pow(&G, &a),
            a,
        }
    }

    /// SRP_A to send with InitiateAuth.
    pub fn a_hex(&self) -> String {
        to_hex(&self.a_pub)
    }

    /// PASSWORD_CLAIM_SIGNATURE for a PASSWORD_VERIFIER challenge, or None
    /// when the challenge's numbers are malformed or degenerate.
    /// S = (B - k*g^x)^(a + u*x) mod N.
    pub fn claim(
        &self,
        pool_id: &str,
        user_id: &str,
        password: &str,
        challenge: &ClientChallenge<'_>,
    ) -> Option<String> {
        let salt = hex_bytes(challenge.salt_hex)?;
        let b_pub = uint_from_be(&hex_bytes(challenge.b_hex)?)?;
        let block = STANDARD.decode(challenge.secret_block).ok()?;
        let x = password_x(pool_name(pool_id), user_id, password, &salt);
        let u = scrambler(&self.a_pub, &b_pub);
        let base = monty(&b_pub) - monty(&K) * monty(&G).pow(&x);
        let exp = self.a.wrapping_add(&u.wrapping_mul(&x));
        let s = base.pow(&exp).retrieve();
        let key = session_key(&u, &s);
        Some(claim_signature(
            &key,
            pool_id,
            user_id,
            &block,
            challenge.timestamp,
        ))
    }
}

/// The parts of a PASSWORD_VERIFIER challenge a client signs.
pub struct ClientChallenge<'a> {
    pub salt_hex: &'a str,
    pub b_hex: &'a str,
    pub secret_block: &'a str,
    pub timestamp: &'a str,
}

/// A user's salt and verifier, as sealed in `User::srp_verifier`.
#[derive(Serialize, Deserialize)]
struct StoredVerifier {
    salt: String,
    verifier: String,
}

/// The server state a SECRET_BLOCK carries, sealed with the master key.
/// `sub` is None for a challenge answered for a user that does not exist.
#[derive(Serialize, Deserialize)]
struct SecretBlock {
    pool_id: String,
    client_id: String,
    sub: Option<String>,
    user_id: String,
    /// The session key K (hex) the server derived from its b and the client's A.
    key: String,
    issued_ms: i64,
    expires_ms: i64,
    nonce: String,
    /// Set when the challenge is a step of a CUSTOM_AUTH flow, whose
    /// Session the response must bring back.
    #[serde(default)]
    custom: bool,
}

fn verifier_aad(user: &User) -> String {
    format!("srp-verifier:{}:{}", user.pool_id, user.sub)
}

/// A salt whose first byte is non-zero, so its hex has no leading zero byte.
fn nonzero_lead(mut salt: [u8; 16]) -> [u8; 16] {
    if salt[0] == 0 {
        salt[0] = 1;
    }
    salt
}

impl UserPools {
    /// Computes and seals the SRP verifier for `password`; called wherever a
    /// password is set. `user.username` must already be final.
    pub(crate) fn set_srp_verifier(&self, user: &mut User, password: &str) {
        let salt = nonzero_lead(self.rng.bytes());
        let x = password_x(pool_name(&user.pool_id), &user.username, password, &salt);
        let stored = StoredVerifier {
            salt: hex::encode(salt),
            verifier: to_hex(&mod_pow(&G, &x)),
        };
        let json = serde_json::to_vec(&stored).unwrap_or_default();
        let sealed = self.master_key.seal(&json, verifier_aad(user).as_bytes());
        user.srp_verifier = Some(STANDARD.encode(sealed));
    }

    /// The user's (salt, verifier), if one was ever computed.
    fn srp_verifier(&self, user: &User) -> CoreResult<Option<(Vec<u8>, U3072)>> {
        let Some(sealed) = &user.srp_verifier else {
            return Ok(None);
        };
        let broken = || CoreError::Internal("unreadable SRP verifier".into());
        let sealed = STANDARD.decode(sealed).map_err(|_| broken())?;
        let json = self
            .master_key
            .open(&sealed, verifier_aad(user).as_bytes())?;
        let stored: StoredVerifier = serde_json::from_slice(&json).map_err(|_| broken())?;
        let salt = hex_bytes(&stored.salt).ok_or_else(broken)?;
        let v = hex_bytes(&stored.verifier)
            .and_then(|b| uint_from_be(&b))
            .ok_or_else(broken)?;
        Ok(Some((salt, v)))
    }

    /// A stable salt and verifier for a name with no verifier behind it, so
    /// the challenge for an unknown user looks like any other.
    fn fake_verifier(&self, pool: &UserPool, name: &str) -> (Vec<u8>, U3072) {
        let seed = format!("{}\0{name}", pool.id);
        let mac = self.master_key.mac("srp-fake-salt", seed.as_bytes());
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&mac[..16]);
        let x = hash_to_uint(&[&self.master_key.mac("srp-fake-verifier", seed.as_bytes())]);
        (nonzero_lead(salt).to_vec(), mod_pow(&G, &x))
    }

    /// InitiateAuth USER_SRP_AUTH: answers the PASSWORD_VERIFIER challenge.
    /// A user without a verifier yet (created before verifiers were kept and
    /// not signed in with a password since) gets a challenge no password
    /// can answer, so the response fails with NotAuthorizedException.
    pub(super) async fn srp_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        p: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let username = Self::required(p, "USERNAME")?;
        let a_hex = Self::required(p, "SRP_A")?;
        parse_a(a_hex)?;
        let user = self.find_user(pool, username).await?;
        self.check_secret_hash_for(
            client,
            username,
            user.as_ref(),
            p.get("SECRET_HASH").map(String::as_str),
        )?;
        if user.is_none() && !client.prevent_user_existence_errors {
            return Err(CoreError::user_not_found());
        }
        self.password_verifier(pool, client, user.as_ref(), username, a_hex, None)
    }

    /// The PASSWORD_VERIFIER challenge for `user` (None for a name no user
    /// has) and the client's SRP_A. In a CUSTOM_AUTH flow `custom_session`
    /// is the flow's sealed Session, returned with the challenge.
    pub(super) fn password_verifier(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: Option<&User>,
        username: &str,
        a_hex: &str,
        custom_session: Option<String>,
    ) -> CoreResult<AuthOutcome> {
        let a_pub = parse_a(a_hex)?;
        let user_id = user.map_or(username, |u| u.username.as_str());
        // The fake is computed for every name, so that answering for an
        // unknown user takes as long as answering for a known one.
        let fake = self.fake_verifier(pool, user_id);
        let (salt, v) = match user {
            Some(u) => self.srp_verifier(u)?,
            None => None,
        }
        .unwrap_or(fake);
        let b: [u8; 32] = self.rng.bytes();
        let exchange = server_exchange(&a_pub, &v, &uint_from_be(&b).unwrap_or(U3072::ONE))?;
        let now = self.clock.now_ms();
        let state = SecretBlock {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            sub: user.map(|u| u.sub.clone()),
            user_id: user_id.to_string(),
            key: hex::encode(exchange.key),
            issued_ms: now,
            expires_ms: now + i64::from(client.auth_session_validity_minutes) * 60_000,
            nonce: self.rng.alnum(16),
            custom: custom_session.is_some(),
        };
        let json = serde_json::to_vec(&state).map_err(|e| CoreError::Internal(e.to_string()))?;
        let block = STANDARD.encode(self.master_key.seal(&json, SECRET_BLOCK_AAD));
        let parameters = BTreeMap::from([
            ("SALT".to_string(), hex::encode(&salt)),
            ("SRP_B".to_string(), to_hex(&exchange.b_pub)),
            ("SECRET_BLOCK".to_string(), block),
            ("USERNAME".to_string(), user_id.to_string()),
            ("USER_ID_FOR_SRP".to_string(), user_id.to_string()),
        ]);
        Ok(AuthOutcome::Challenge(Challenge {
            name: "PASSWORD_VERIFIER".into(),
            session: custom_session,
            parameters,
        }))
    }

    /// RespondToAuthChallenge PASSWORD_VERIFIER: opens and consumes the
    /// SECRET_BLOCK, checks the TIMESTAMP and the signature, then continues
    /// exactly as a correct password would (in a CUSTOM_AUTH flow:
    /// DefineAuthChallenge decides what follows).
    pub(super) async fn srp_verify(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let r = &req.responses;
        let username = Self::required(r, "USERNAME")?;
        let block_b64 = Self::required(r, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let timestamp = Self::required(r, "TIMESTAMP")?;
        let signature = Self::required(r, "PASSWORD_CLAIM_SIGNATURE")?;
        let incorrect = || CoreError::not_authorized(INCORRECT);
        if block_b64.len() > MAX_SECRET_BLOCK_LEN {
            return Err(incorrect());
        }
        let block = STANDARD.decode(block_b64).map_err(|_| incorrect())?;
        let json = self
            .master_key
            .open(&block, SECRET_BLOCK_AAD)
            .map_err(|_| incorrect())?;
        let state: SecretBlock = serde_json::from_slice(&json).map_err(|_| incorrect())?;
        if state.pool_id != pool.id || state.client_id != client.client_id {
            return Err(incorrect());
        }
        let now = self.clock.now_ms();
        if now >= state.expires_ms {
            return Err(incorrect());
        }
        let signed_secs = parse_timestamp(timestamp)
            .ok_or_else(|| CoreError::invalid("TIMESTAMP is not in the expected format"))?;
        if (signed_secs - now.div_euclid(1000)).abs() > TIMESTAMP_WINDOW_SECS {
            return Err(incorrect());
        }
        if !self
            .store
            .consume_once(&format!("srp:{}", state.nonce), state.expires_ms)
            .await?
        {
            return Err(incorrect());
        }
        let custom = match state.custom {
            true => Some(
                self.open_custom_verifier_session(
                    req.session.as_deref(),
                    client,
                    state.sub.as_deref(),
                )
                .await?,
            ),
            false => None,
        };
        let user = match &state.sub {
            Some(sub) => self.store.get_user_by_sub(&pool.id, sub).await?,
            None => None,
        };
        let named = self.find_user(pool, username).await?;
        self.check_secret_hash_for(
            client,
            username,
            user.as_ref(),
            r.get("SECRET_HASH").map(String::as_str),
        )?;
        let key: [u8; 16] = hex::decode(&state.key)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(incorrect)?;
        let expected = claim_signature(&key, &pool.id, &state.user_id, &block, timestamp);
        let signed = constant_time_eq(expected.as_bytes(), signature.as_bytes());
        let same_user = named.map(|n| n.sub) == user.as_ref().map(|u| u.sub.clone());
        if custom.is_none() {
            let known = user
                .as_ref()
                .filter(|u| same_user && u.srp_verifier.is_some());
            self.pre_authentication(pool, client, username, known, &req.client_metadata)
                .await?;
        }
        match user {
            Some(mut user) if same_user && user.srp_verifier.is_some() => {
                self.refuse_if_locked(&user)?;
                if !signed {
                    return Err(self.failed_sign_in(&user).await?);
                }
                self.passed_sign_in(&mut user).await?;
                match custom {
                    Some(flow) => {
                        self.custom_password_verified(
                            pool,
                            client,
                            user,
                            flow,
                            &req.client_metadata,
                        )
                        .await
                    }
                    None => {
                        self.after_password_with_metadata(pool, client, user, &req.client_metadata)
                            .await
                    }
                }
            }
            _ => Err(incorrect()),
        }
    }
}

#[cfg(test)]
#[path = "srp_tests.rs"]
mod tests;
