use crate::{
    constant_time_eq, hmac_sha256, random_bytes, secret_hash, sha256, MasterKey, TokenError,
};

fn hex(b: &[u8]) -> String {
    crate::b64::hex_encode(b)
}

#[test]
fn master_key_roundtrip_and_wrong_aad_fails() {
    let mk = MasterKey::generate().unwrap();
    let sealed = mk.seal(b"client secret", b"pool-1/client-1");
    assert_eq!(sealed[0], 1, "version byte");
    assert_eq!(sealed.len(), 1 + 12 + 13 + 16);
    assert_eq!(
        mk.open(&sealed, b"pool-1/client-1").unwrap(),
        b"client secret"
    );
    assert_eq!(
        mk.open(&sealed, b"pool-1/client-2"),
        Err(TokenError::Decrypt)
    );
    let empty = mk.seal(b"", b"");
    assert_eq!(mk.open(&empty, b"").unwrap(), b"");
}

#[test]
fn master_key_seal_is_randomized_and_tamper_evident() {
    let mk = MasterKey::generate().unwrap();
    let a = mk.seal(b"x", b"");
    let b = mk.seal(b"x", b"");
    assert_ne!(a, b, "fresh nonce each time");
    for i in 0..a.len() {
        let mut t = a.clone();
        t[i] ^= 0x01;
        assert_eq!(mk.open(&t, b""), Err(TokenError::Decrypt), "byte {i}");
    }
    assert_eq!(mk.open(&a[..a.len() - 1], b""), Err(TokenError::Decrypt));
    assert_eq!(mk.open(&[], b""), Err(TokenError::Decrypt));
    let other = MasterKey::generate().unwrap();
    assert_eq!(other.open(&a, b""), Err(TokenError::Decrypt));
}

#[test]
fn master_key_debug_does_not_leak() {
    let mk = MasterKey::from_bytes(&[0xab; 32]).unwrap();
    let dbg = format!("{mk:?} {mk:#?}");
    assert!(!dbg.contains("ab"), "{dbg}");
    assert!(!dbg.contains("171"), "{dbg}");
    assert!(dbg.contains("redacted"));
}

#[test]
fn master_key_encodings_roundtrip() {
    let mk = MasterKey::generate().unwrap();
    let enc = mk.encoded();
    assert_eq!(enc.len(), 64);
    assert!(enc
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    let same = |s: &str| MasterKey::from_encoded(s).unwrap().encoded() == enc;
    assert!(same(&enc));
    assert!(same(&format!("  {}\n", enc.to_uppercase())));

    let raw: Vec<u8> = (0u8..32).collect();
    let expected = hex(&raw);
    for s in [
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    ] {
        assert_eq!(MasterKey::from_encoded(s).unwrap().encoded(), expected);
    }
    let url = MasterKey::from_bytes(&[0xfb; 32]).unwrap();
    let url_enc = "-_v7".repeat(10) + "-_s";
    assert_eq!(
        MasterKey::from_encoded(&url_enc).unwrap().encoded(),
        url.encoded()
    );
}

#[test]
fn master_key_rejects_wrong_lengths() {
    for s in [
        "",
        "00",
        &"0".repeat(62),
        &"0".repeat(66),
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
    ] {
        assert!(
            matches!(MasterKey::from_encoded(s), Err(TokenError::InvalidKey(_))),
            "{s}"
        );
    }
    assert!(matches!(
        MasterKey::from_bytes(&[0; 31]),
        Err(TokenError::InvalidKey(_))
    ));
    assert!(matches!(
        MasterKey::from_bytes(&[0; 33]),
        Err(TokenError::InvalidKey(_))
    ));
}

#[test]
fn master_key_mac_is_deterministic_and_domain_separated() {
    let mk = MasterKey::from_bytes(&[7; 32]).unwrap();
    assert_eq!(mk.mac("session", b"data"), mk.mac("session", b"data"));
    assert_ne!(mk.mac("session", b"data"), mk.mac("code", b"data"));
    assert_ne!(mk.mac("session", b"data"), mk.mac("session", b"datb"));
    let other = MasterKey::from_bytes(&[8; 32]).unwrap();
    assert_ne!(mk.mac("session", b"data"), other.mac("session", b"data"));
    // Documented construction: HMAC(HMAC(master, "cognate:" + domain), data).
    let sub = hmac_sha256(&[7; 32], b"cognate:session");
    assert_eq!(mk.mac("session", b"data"), hmac_sha256(&sub, b"data"));
}

#[test]
fn secret_hash_matches_known_vector() {
    // python3: base64.b64encode(hmac.new(b'secret', b'alice'+b'client', hashlib.sha256).digest())
    assert_eq!(
        secret_hash("secret", "alice", "client"),
        "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
    );
}

#[test]
fn sha256_and_hmac_match_published_vectors() {
    assert_eq!(
        hex(&sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // RFC 4231 test case 2.
    assert_eq!(
        hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn constant_time_eq_compares_content_and_length() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(constant_time_eq(b"", b""));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"abcd"));
}

#[test]
fn random_bytes_are_not_constant() {
    let a: [u8; 32] = random_bytes();
    let b: [u8; 32] = random_bytes();
    assert_ne!(a, b);
    assert_ne!(a, [0; 32]);
}
