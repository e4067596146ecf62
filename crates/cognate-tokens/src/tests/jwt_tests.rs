use serde_json::json;

use super::{b64url, impostor_key, key, KID};
use crate::{
    check_expiry, decode_unverified, hmac_sha256, verify, KeySet, TokenError, VerifyingKey,
    MAX_TOKEN_LEN,
};

fn keys() -> KeySet {
    KeySet::new([VerifyingKey::from_jwk(&key().jwk()).unwrap()])
}

fn claims() -> serde_json::Value {
    json!({"sub": "u-1", "iss": "https://issuer/pool", "exp": 2_000_000_000i64, "token_use": "access"})
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

#[test]
fn signed_token_verifies_with_its_own_jwk() {
    let token = key().sign(&claims()).unwrap();
    let v = verify(&token, &keys()).unwrap();
    assert_eq!(v.header.alg, "RS256");
    assert_eq!(v.header.kid.as_deref(), Some(KID));
    assert_eq!(v.header.typ, None);
    assert_eq!(serde_json::Value::Object(v.claims), claims());
}

#[test]
fn header_is_kid_then_alg_rs256() {
    let token = key().sign(&claims()).unwrap();
    let header = crate::b64::url_decode(&segments(&token)[0]).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!(r#"{{"kid":"{KID}","alg":"RS256"}}"#)
    );
    assert!(!token.contains('='), "no base64 padding");
}

#[test]
fn signing_a_non_object_is_malformed() {
    assert_eq!(key().sign(&json!([1, 2])), Err(TokenError::Malformed));
}

#[test]
fn alg_none_is_rejected() {
    for alg in ["none", "None", "NONE"] {
        let h = b64url(format!(r#"{{"alg":"{alg}","kid":"{KID}"}}"#).as_bytes());
        let p = b64url(claims().to_string().as_bytes());
        for token in [format!("{h}.{p}."), format!("{h}.{p}")] {
            let err = verify(&token, &keys()).unwrap_err();
            assert!(
                matches!(
                    err,
                    TokenError::UnsupportedAlgorithm | TokenError::Malformed
                ),
                "{token}: {err:?}"
            );
        }
        assert_eq!(
            verify(&format!("{h}.{p}."), &keys()),
            Err(TokenError::UnsupportedAlgorithm)
        );
    }
}

#[test]
fn hs256_token_signed_with_public_key_is_rejected() {
    // Classic key-confusion attack: HMAC keyed with the published public key.
    let public = serde_json::to_vec(&key().jwk()).unwrap();
    let h = b64url(format!(r#"{{"alg":"HS256","kid":"{KID}"}}"#).as_bytes());
    let p = b64url(claims().to_string().as_bytes());
    let mac = hmac_sha256(&public, format!("{h}.{p}").as_bytes());
    let token = format!("{h}.{p}.{}", b64url(&mac));
    assert_eq!(
        verify(&token, &keys()),
        Err(TokenError::UnsupportedAlgorithm)
    );
    for alg in ["RS384", "PS256", "ES256", "rs256", "RS256 "] {
        let h = b64url(format!(r#"{{"alg":"{alg}","kid":"{KID}"}}"#).as_bytes());
        let token = format!("{h}.{p}.{}", b64url(&mac));
        assert_eq!(
            verify(&token, &keys()),
            Err(TokenError::UnsupportedAlgorithm)
        );
    }
}

#[test]
fn tampered_payload_fails_signature() {
    let token = key().sign(&claims()).unwrap();
    let mut s = segments(&token);
    let mut forged = claims();
    forged["sub"] = json!("admin");
    s[1] = b64url(forged.to_string().as_bytes());
    assert_eq!(verify(&s.join("."), &keys()), Err(TokenError::BadSignature));
}

#[test]
fn tampered_signature_fails_signature() {
    let token = key().sign(&claims()).unwrap();
    let s = segments(&token);
    let mut sig = crate::b64::url_decode(&s[2]).unwrap();
    sig[10] ^= 1;
    let forged = format!("{}.{}.{}", s[0], s[1], b64url(&sig));
    assert_eq!(verify(&forged, &keys()), Err(TokenError::BadSignature));
    let truncated = format!("{}.{}.{}", s[0], s[1], b64url(&sig[..255]));
    assert_eq!(verify(&truncated, &keys()), Err(TokenError::BadSignature));
    let empty = format!("{}.{}.", s[0], s[1]);
    assert_eq!(verify(&empty, &keys()), Err(TokenError::BadSignature));
}

#[test]
fn token_from_another_key_with_same_kid_fails_signature() {
    let token = impostor_key().sign(&claims()).unwrap();
    assert_eq!(verify(&token, &keys()), Err(TokenError::BadSignature));
}

#[test]
fn unknown_kid_is_rejected() {
    let token = key().sign(&claims()).unwrap();
    assert_eq!(
        verify(&token, &KeySet::default()),
        Err(TokenError::UnknownKey)
    );
    let other = key().sign_raw(br#"{"kid":"other","alg":"RS256"}"#, b"{}");
    assert_eq!(verify(&other, &keys()), Err(TokenError::UnknownKey));
}

#[test]
fn missing_kid_is_rejected() {
    let token = key().sign_raw(br#"{"alg":"RS256"}"#, b"{}");
    assert_eq!(verify(&token, &keys()), Err(TokenError::UnknownKey));
}

#[test]
fn crit_header_is_rejected() {
    let h = format!(r#"{{"kid":"{KID}","alg":"RS256","crit":["exp"],"exp":1}}"#);
    let token = key().sign_raw(h.as_bytes(), b"{}");
    assert_eq!(verify(&token, &keys()), Err(TokenError::Malformed));
}

#[test]
fn properly_signed_non_object_payload_is_malformed() {
    let h = format!(r#"{{"kid":"{KID}","alg":"RS256"}}"#);
    for payload in [&b"[1]"[..], b"\"x\"", b"null", b"", b"{\"a\":1} x"] {
        let token = key().sign_raw(h.as_bytes(), payload);
        assert_eq!(verify(&token, &keys()), Err(TokenError::Malformed));
    }
}

#[test]
fn duplicate_claims_are_rejected() {
    let h = format!(r#"{{"kid":"{KID}","alg":"RS256"}}"#);
    let token = key().sign_raw(h.as_bytes(), br#"{"sub":"a","sub":"admin"}"#);
    assert_eq!(verify(&token, &keys()), Err(TokenError::Malformed));
    let dup_header = format!(r#"{{"kid":"{KID}","alg":"RS256","alg":"none"}}"#);
    let token = key().sign_raw(dup_header.as_bytes(), b"{}");
    assert_eq!(verify(&token, &keys()), Err(TokenError::Malformed));
}

#[test]
fn wrong_segment_count_is_malformed() {
    let token = key().sign(&claims()).unwrap();
    let s = segments(&token);
    for bad in [
        s[0].clone(),
        format!("{}.{}", s[0], s[1]),
        format!("{token}.{}", s[2]),
        format!("{}..{}.{}", s[0], s[1], s[2]),
        String::new(),
    ] {
        assert_eq!(verify(&bad, &keys()), Err(TokenError::Malformed), "{bad}");
    }
}

#[test]
fn padded_or_non_url_base64_is_malformed() {
    let token = key().sign(&claims()).unwrap();
    let s = segments(&token);
    let pad = "=".repeat((4 - s[0].len() % 4) % 4);
    assert!(!pad.is_empty(), "test header needs padding");
    let padded_header = format!("{}{pad}.{}.{}", s[0], s[1], s[2]);
    assert_eq!(verify(&padded_header, &keys()), Err(TokenError::Malformed));
    let std_alphabet = format!(
        "{}.{}.{}",
        s[0],
        s[1],
        s[2].replace('-', "+").replace('_', "/")
    );
    if std_alphabet != token {
        assert_eq!(verify(&std_alphabet, &keys()), Err(TokenError::Malformed));
    }
    let spaced = format!("{}.{} .{}", s[0], s[1], s[2]);
    assert_eq!(verify(&spaced, &keys()), Err(TokenError::Malformed));
}

#[test]
fn oversized_token_is_malformed() {
    let big = json!({"sub": "x".repeat(MAX_TOKEN_LEN)});
    let token = key().sign(&big).unwrap();
    assert_eq!(verify(&token, &keys()), Err(TokenError::Malformed));
    assert_eq!(decode_unverified(&token), Err(TokenError::Malformed));
}

#[test]
fn decode_unverified_reads_header_and_claims_without_keys() {
    let token = impostor_key().sign(&claims()).unwrap();
    let (header, c) = decode_unverified(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(KID));
    assert_eq!(c["iss"], "https://issuer/pool");
    assert_eq!(decode_unverified("a.b"), Err(TokenError::Malformed));
    assert_eq!(decode_unverified("e30.e30.!!"), Err(TokenError::Malformed));
}

#[test]
fn expired_token_is_expired_at_exp() {
    let c = json!({"exp": 1000}).as_object().unwrap().clone();
    assert_eq!(check_expiry(&c, 999), Ok(()));
    assert_eq!(check_expiry(&c, 1000), Err(TokenError::Expired));
    assert_eq!(check_expiry(&c, 1001), Err(TokenError::Expired));
    let f = json!({"exp": 1000.5}).as_object().unwrap().clone();
    assert_eq!(check_expiry(&f, 1000), Ok(()));
    assert_eq!(check_expiry(&f, 1001), Err(TokenError::Expired));
    let huge = json!({"exp": u64::MAX}).as_object().unwrap().clone();
    assert_eq!(check_expiry(&huge, i64::MAX), Ok(()));
}

#[test]
fn missing_or_non_numeric_exp_is_malformed() {
    for c in [json!({}), json!({"exp": "1000"}), json!({"exp": null})] {
        let c = c.as_object().unwrap().clone();
        assert_eq!(check_expiry(&c, 0), Err(TokenError::Malformed));
    }
}

#[test]
fn verify_does_not_check_exp() {
    let token = key().sign(&json!({"exp": 1})).unwrap();
    let v = verify(&token, &keys()).unwrap();
    assert_eq!(check_expiry(&v.claims, 2), Err(TokenError::Expired));
}
