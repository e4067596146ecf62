use serde_json::json;

use super::{impostor_key, key, KID};
use crate::{verify, Jwk, Jwks, KeySet, SigningKey, TokenError, VerifyingKey};

#[test]
fn jwk_n_has_no_leading_zero_and_e_is_aqab() {
    let jwk = key().jwk();
    assert_eq!(jwk.e, "AQAB");
    assert_eq!(jwk.alg, "RS256");
    assert_eq!(jwk.kty, "RSA");
    assert_eq!(jwk.use_, "sig");
    assert_eq!(jwk.kid, KID);
    assert!(!jwk.n.contains('=') && !jwk.n.contains('+') && !jwk.n.contains('/'));
    let n = crate::b64::url_decode(&jwk.n).unwrap();
    assert_eq!(n.len(), 256, "RSA-2048 modulus");
    assert_ne!(n[0], 0);
    assert!(n[0] & 0x80 != 0, "full 2048 bits");
}

#[test]
fn jwk_serializes_in_cognito_field_order() {
    let json = serde_json::to_string(&key().jwk()).unwrap();
    let expected = format!(
        r#"{{"alg":"RS256","e":"AQAB","kid":"{KID}","kty":"RSA","n":"{}","use":"sig"}}"#,
        key().jwk().n
    );
    assert_eq!(json, expected);
}

#[test]
fn jwks_roundtrips_through_json_and_key_set() {
    let set = KeySet::new([key().verifying_key()]);
    let doc = serde_json::to_string(&set.jwks()).unwrap();
    assert!(doc.starts_with(r#"{"keys":[{"alg":"RS256""#));
    let parsed: Jwks = serde_json::from_str(&doc).unwrap();
    let rebuilt = KeySet::from_jwks(&parsed).unwrap();
    assert_eq!(rebuilt.jwks(), set.jwks());
    let token = key().sign(&json!({"sub": "x"})).unwrap();
    assert!(verify(&token, &rebuilt).is_ok());
}

#[test]
fn foreign_jwk_without_alg_and_use_is_accepted() {
    let mut v: serde_json::Value = serde_json::to_value(key().jwk()).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.remove("alg");
    obj.remove("use");
    let jwk: Jwk = serde_json::from_value(v).unwrap();
    let vk = VerifyingKey::from_jwk(&jwk).unwrap();
    assert_eq!(vk.jwk(), key().jwk());
}

#[test]
fn unsupported_or_weak_jwks_are_rejected() {
    let good = key().jwk();
    let with = |f: fn(&mut Jwk)| {
        let mut j = good.clone();
        f(&mut j);
        VerifyingKey::from_jwk(&j)
    };
    assert_eq!(
        with(|j| j.kty = "EC".into()).unwrap_err(),
        TokenError::UnsupportedAlgorithm
    );
    assert_eq!(
        with(|j| j.alg = "HS256".into()).unwrap_err(),
        TokenError::UnsupportedAlgorithm
    );
    assert!(matches!(
        with(|j| j.use_ = "enc".into()),
        Err(TokenError::InvalidKey(_))
    ));
    assert!(matches!(
        with(|j| j.kid = String::new()),
        Err(TokenError::InvalidKey(_))
    ));
    // 1024-bit modulus: too small.
    assert!(matches!(
        with(|j| j.n = j.n[..172].to_string()),
        Err(TokenError::InvalidKey(_))
    ));
    assert!(matches!(
        with(|j| j.n = "!!".into()),
        Err(TokenError::InvalidKey(_))
    ));
    assert!(matches!(
        with(|j| j.e = String::new()),
        Err(TokenError::InvalidKey(_))
    ));
}

#[test]
fn pkcs8_roundtrip_keeps_kid_and_signatures_valid() {
    let der = key().to_pkcs8();
    let restored = SigningKey::from_pkcs8(KID, &der).unwrap();
    assert_eq!(restored.kid(), KID);
    assert_eq!(restored.jwk(), key().jwk());
    assert_eq!(restored.to_pkcs8(), der);
    let set = KeySet::new([key().verifying_key()]);
    let token = restored.sign(&json!({"sub": "x"})).unwrap();
    assert_eq!(verify(&token, &set).unwrap().claims["sub"], "x");
    // RSA PKCS#1 v1.5 is deterministic.
    assert_eq!(token, key().sign(&json!({"sub": "x"})).unwrap());
}

#[test]
fn bad_pkcs8_and_empty_kid_are_rejected() {
    assert!(matches!(
        SigningKey::from_pkcs8(KID, b"not der"),
        Err(TokenError::InvalidKey(_))
    ));
    assert!(matches!(
        SigningKey::from_pkcs8("", &key().to_pkcs8()),
        Err(TokenError::InvalidKey(_))
    ));
}

#[test]
fn key_set_insert_replaces_same_kid_and_keeps_order() {
    let mut set = KeySet::default();
    assert!(set.is_empty());
    let other = SigningKey::from_pkcs8("k2", &impostor_key().to_pkcs8()).unwrap();
    set.insert(key().verifying_key());
    set.insert(other.verifying_key());
    assert_eq!(set.len(), 2);
    set.insert(impostor_key().verifying_key()); // same kid as key(): replaces in place
    assert_eq!(set.len(), 2);
    let kids: Vec<_> = set.iter().map(VerifyingKey::kid).collect();
    assert_eq!(kids, [KID, "k2"]);
    assert_eq!(set.get(KID), Some(&impostor_key().verifying_key()));
    assert!(set.remove("k2").is_some());
    assert!(set.get("k2").is_none());
    assert_eq!(set.len(), 1);
}

#[test]
fn debug_output_has_no_key_material() {
    let dbg = format!("{:?} {:?}", key(), key().verifying_key());
    assert!(dbg.contains(KID));
    assert!(!dbg.contains(&key().jwk().n[..20]));
}

#[test]
fn key_types_are_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<SigningKey>();
    assert_traits::<VerifyingKey>();
    assert_traits::<KeySet>();
    assert_traits::<crate::MasterKey>();
}
