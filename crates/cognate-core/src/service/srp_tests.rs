use super::*;

const POOL: &str = "us-east-1_TestPool1";
const USER: &str = "alice";
const PASSWORD: &str = "Passw0rd!";
const SALT: [u8; 16] = [
    0x9a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
];
const TIMESTAMP: &str = "Tue Nov 3 08:05:09 UTC 2026";

fn verifier_for(password: &str) -> U3072 {
    mod_pow(&G, &password_x(pool_name(POOL), USER, password, &SALT))
}

fn challenge<'a>(b_hex: &'a str, block: &'a str) -> ClientChallenge<'a> {
    ClientChallenge {
        salt_hex: "9a0102030405060708090a0b0c0d0e0f",
        b_hex,
        secret_block: block,
        timestamp: TIMESTAMP,
    }
}

#[test]
fn pad_prepends_a_zero_byte_only_when_the_top_bit_is_set() {
    assert_eq!(pad(&U3072::from_u16(0x7f01)), vec![0x7f, 0x01]);
    assert_eq!(pad(&U3072::from_u16(0x8001)), vec![0x00, 0x80, 0x01]);
    assert_eq!(pad(&U3072::from_u8(0x0a)), vec![0x0a]);
    assert_eq!(pad(&U3072::ZERO), vec![0x00]);
    assert_eq!(pad(&N).len(), 385, "N's top bit is set");
}

#[test]
fn multiplier_k_matches_the_cognito_constant() {
    // k = H(PAD(N) || PAD(2)), as amazon-cognito-identity-js derives it.
    assert_eq!(
        to_hex(&K),
        "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
    );
}

#[test]
fn client_and_server_derive_the_same_signature_for_the_right_password() {
    let client = SrpClient::new(&[0x11; 32]);
    let a_pub = parse_a(&client.a_hex()).unwrap();
    let b = uint_from_be(&[0x22; 32]).unwrap();
    let server = server_exchange(&a_pub, &verifier_for(PASSWORD), &b).unwrap();
    let b_hex = to_hex(&server.b_pub);
    let block = STANDARD.encode(b"opaque server state");
    let expected = claim_signature(&server.key, POOL, USER, b"opaque server state", TIMESTAMP);
    let got = client
        .claim(POOL, USER, PASSWORD, &challenge(&b_hex, &block))
        .unwrap();
    assert_eq!(got, expected);
    let wrong = client
        .claim(POOL, USER, "Wr0ng-Password!", &challenge(&b_hex, &block))
        .unwrap();
    assert_ne!(wrong, expected);
}

#[test]
fn known_vector_matches_an_independent_client_implementation() {
    // Computed with pycognito's AWSSRP for a = 0x11..11, the B below, this
    // salt, pool, user and password, and the SECRET_BLOCK "b3BhcXVl".
    let client = SrpClient::new(&[0x11; 32]);
    let b = uint_from_be(&[0x22; 32]).unwrap();
    let a_pub = parse_a(&client.a_hex()).unwrap();
    let server = server_exchange(&a_pub, &verifier_for(PASSWORD), &b).unwrap();
    assert_eq!(
        claim_signature(&server.key, POOL, USER, b"opaque", TIMESTAMP),
        KNOWN_SIGNATURE
    );
}

const KNOWN_SIGNATURE: &str = "ZmL0gOeY4sb6xbMC2D/XwMoLwd9FUldMaytIArq8DIg=";

#[test]
fn srp_a_that_is_zero_mod_n_is_rejected() {
    assert!(parse_a("0").is_err());
    assert!(parse_a(&to_hex(&N)).is_err());
    let two_n = N.resize::<{ U4096::LIMBS }>().wrapping_add(&N.resize());
    assert!(parse_a(&hex::encode(two_n.to_be_bytes())).is_err());
}

#[test]
fn srp_a_that_is_not_hex_or_too_long_is_rejected() {
    assert!(parse_a("xyz").is_err());
    assert!(parse_a("").is_err());
    assert!(parse_a(&"1".repeat(MAX_A_HEX + 1)).is_err());
    assert!(parse_a(&"1".repeat(MAX_A_HEX)).is_ok());
}

#[test]
fn timestamp_day_of_month_is_not_zero_padded() {
    // 2026-11-03T08:05:09Z
    assert_eq!(format_timestamp(1_793_693_109_000), TIMESTAMP);
    // 2026-11-23T18:23:00Z
    assert_eq!(
        format_timestamp(1_795_458_180_000),
        "Mon Nov 23 18:23:00 UTC 2026"
    );
}

#[test]
fn timestamp_parses_back_to_the_same_instant() {
    assert_eq!(parse_timestamp(TIMESTAMP), Some(1_793_693_109));
    assert_eq!(
        parse_timestamp("Mon Nov 23 18:23:00 UTC 2026"),
        Some(1_795_458_180)
    );
}

#[test]
fn timestamp_with_wrong_weekday_or_padding_is_rejected() {
    assert_eq!(parse_timestamp("Wed Nov 3 08:05:09 UTC 2026"), None);
    assert_eq!(parse_timestamp("Tue Nov 03 08:05:09 UTC 2026"), None);
    assert_eq!(parse_timestamp("Tue Nov  3 08:05:09 UTC 2026"), None);
    assert_eq!(parse_timestamp("Tue Nov 3 8:05:09 UTC 2026"), None);
    assert_eq!(parse_timestamp("Tue Nov 3 08:05:09 GMT 2026"), None);
    assert_eq!(parse_timestamp("Tue Feb 31 08:05:09 UTC 2026"), None);
}
