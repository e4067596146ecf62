use super::*;

fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
    pairs.iter().copied().collect()
}

fn file(text: &str) -> FileConfig {
    FileConfig::parse(text, Path::new("test.toml")).expect("valid config")
}

fn flags(listen: Option<&str>, data_dir: Option<&str>, issuer: Option<&str>) -> ServeArgs {
    ServeArgs {
        listen: listen.map(String::from),
        data_dir: data_dir.map(PathBuf::from),
        issuer_url: issuer.map(String::from),
        config: None,
    }
}

const FILE_ALL: &str = r#"
listen = "127.0.0.3:3"
data_dir = "/file"
issuer_url = "http://file.example"
"#;

#[test]
fn defaults_apply_when_nothing_is_set() {
    let cfg = Config::from_sources(&ServeArgs::default(), &env(&[]), None).unwrap();
    assert_eq!(cfg.listen, "127.0.0.1:4566");
    assert_eq!(cfg.data_dir, PathBuf::from("./.cognate"));
    assert_eq!(cfg.issuer_url, None);
    assert_eq!(cfg.region, "us-east-1");
    assert_eq!(cfg.account_id, "000000000000");
    assert_eq!(cfg.argon2, Argon2Params::default());
    assert_eq!(cfg.argon2.memory_kib, 19456);
    assert!(cfg.smtp.is_none());
    assert!(cfg.master_key.is_none());
}

#[test]
fn file_overrides_defaults() {
    let cfg = Config::from_sources(&ServeArgs::default(), &env(&[]), Some(file(FILE_ALL))).unwrap();
    assert_eq!(cfg.listen, "127.0.0.3:3");
    assert_eq!(cfg.data_dir, PathBuf::from("/file"));
    assert_eq!(cfg.issuer_url.as_deref(), Some("http://file.example"));
}

#[test]
fn env_overrides_file() {
    let e = env(&[
        ("COGNATE_LISTEN", "127.0.0.2:2"),
        ("COGNATE_DATA_DIR", "/env"),
        ("COGNATE_ISSUER_URL", "https://env.example/"),
    ]);
    let cfg = Config::from_sources(&ServeArgs::default(), &e, Some(file(FILE_ALL))).unwrap();
    assert_eq!(cfg.listen, "127.0.0.2:2");
    assert_eq!(cfg.data_dir, PathBuf::from("/env"));
    // A trailing slash is dropped: issuers are `<url>/<pool id>`.
    assert_eq!(cfg.issuer_url.as_deref(), Some("https://env.example"));
}

#[test]
fn flag_overrides_env_and_file() {
    let e = env(&[
        ("COGNATE_LISTEN", "127.0.0.2:2"),
        ("COGNATE_DATA_DIR", "/env"),
        ("COGNATE_ISSUER_URL", "https://env.example"),
    ]);
    let args = flags(
        Some("127.0.0.1:1"),
        Some("/flag"),
        Some("http://flag.example"),
    );
    let cfg = Config::from_sources(&args, &e, Some(file(FILE_ALL))).unwrap();
    assert_eq!(cfg.listen, "127.0.0.1:1");
    assert_eq!(cfg.data_dir, PathBuf::from("/flag"));
    assert_eq!(cfg.issuer_url.as_deref(), Some("http://flag.example"));
}

#[test]
fn each_key_falls_through_independently() {
    let e = env(&[("COGNATE_DATA_DIR", "/env")]);
    let args = flags(None, None, Some("http://flag.example"));
    let cfg = Config::from_sources(&args, &e, Some(file(FILE_ALL))).unwrap();
    assert_eq!(cfg.listen, "127.0.0.3:3");
    assert_eq!(cfg.data_dir, PathBuf::from("/env"));
    assert_eq!(cfg.issuer_url.as_deref(), Some("http://flag.example"));
}

#[test]
fn empty_env_var_counts_as_unset() {
    let e = env(&[("COGNATE_LISTEN", "")]);
    let cfg = Config::from_sources(&ServeArgs::default(), &e, Some(file(FILE_ALL))).unwrap();
    assert_eq!(cfg.listen, "127.0.0.3:3");
}

#[test]
fn unknown_top_level_key_is_an_error() {
    let err = FileConfig::parse("listn = \"127.0.0.1:1\"\n", Path::new("c.toml")).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("unknown field"), "{text}");
    assert!(text.contains("listn"), "{text}");
    assert!(text.contains("c.toml"), "{text}");
}

#[test]
fn unknown_key_in_a_table_is_an_error() {
    for text in [
        "[passwords]\nargon2_memory = 1\n",
        "[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\nuser = \"x\"\n",
    ] {
        let err = FileConfig::parse(text, Path::new("c.toml")).unwrap_err();
        assert!(format!("{err:#}").contains("unknown field"), "{text}");
    }
}

#[test]
fn bad_smtp_tls_value_is_an_error() {
    let text = "[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\ntls = \"ssl\"\n";
    assert!(FileConfig::parse(text, Path::new("c.toml")).is_err());
}

#[test]
fn file_sets_region_account_and_passwords() {
    let text = r#"
region = "eu-west-1"
account_id = "123456789012"
[passwords]
argon2_memory_kib = 4096
argon2_iterations = 1
"#;
    let cfg = Config::from_sources(&ServeArgs::default(), &env(&[]), Some(file(text))).unwrap();
    assert_eq!(cfg.region, "eu-west-1");
    assert_eq!(cfg.account_id, "123456789012");
    assert_eq!(
        cfg.argon2,
        Argon2Params {
            memory_kib: 4096,
            iterations: 1,
            parallelism: 1
        }
    );
}

#[test]
fn invalid_values_are_errors() {
    for text in [
        "account_id = \"12\"\n",
        "region = \"US East\"\n",
        "issuer_url = \"ftp://x\"\n",
        "[passwords]\nargon2_iterations = 0\n",
        "[passwords]\nargon2_memory_kib = 4\n",
        "[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\nusername = \"u\"\n",
    ] {
        let r = Config::from_sources(&ServeArgs::default(), &env(&[]), Some(file(text)));
        assert!(r.is_err(), "accepted {text:?}");
    }
}

#[test]
fn smtp_defaults_to_starttls_on_587() {
    let text = "[smtp]\nhost = \"mail.example\"\nfrom = \"no-reply@example.com\"\n";
    let cfg = Config::from_sources(&ServeArgs::default(), &env(&[]), Some(file(text))).unwrap();
    let smtp = cfg.smtp.unwrap();
    assert_eq!(smtp.tls, SmtpTls::Starttls);
    assert_eq!(smtp.port, 587);
    assert_eq!(smtp.credentials, None);
}

#[test]
fn smtp_tls_defaults_to_port_465() {
    let text = "[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\ntls = \"tls\"\n";
    let cfg = Config::from_sources(&ServeArgs::default(), &env(&[]), Some(file(text))).unwrap();
    assert_eq!(cfg.smtp.unwrap().port, 465);
}

#[test]
fn secrets_never_show_in_debug_output() {
    let e = env(&[("COGNATE_MASTER_KEY", "deadbeef-secret")]);
    let text = "[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\nusername = \"u\"\npassword = \"hunter2\"\n";
    let cfg = Config::from_sources(&ServeArgs::default(), &e, Some(file(text))).unwrap();
    let shown = format!("{cfg:?} {:?}", file(text));
    assert!(!shown.contains("deadbeef-secret"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(cfg.master_key.unwrap().expose(), "deadbeef-secret");
}

#[test]
fn log_filter_comes_from_env_with_info_default() {
    assert_eq!(log_filter(&env(&[])), "info");
    assert_eq!(log_filter(&env(&[("COGNATE_LOG", "debug")])), "debug");
}

#[test]
fn example_config_parses_and_matches_defaults() {
    let text = include_str!("../../../cognate.example.toml");
    let parsed = FileConfig::parse(text, Path::new("cognate.example.toml")).unwrap();
    let cfg = Config::from_sources(&ServeArgs::default(), &env(&[]), Some(parsed)).unwrap();
    let defaults = Config::from_sources(&ServeArgs::default(), &env(&[]), None).unwrap();
    assert_eq!(cfg.listen, defaults.listen);
    assert_eq!(cfg.data_dir, defaults.data_dir);
    assert_eq!(cfg.region, defaults.region);
    assert_eq!(cfg.account_id, defaults.account_id);
    assert_eq!(cfg.argon2, defaults.argon2);
}

#[test]
fn clock_offset_comes_from_env_over_file_and_defaults_to_zero() {
    let none = Config::from_sources(&ServeArgs::default(), &env(&[]), None).unwrap();
    assert_eq!(none.clock_offset_secs, 0);
    let from_file = Config::from_sources(
        &ServeArgs::default(),
        &env(&[]),
        Some(file("clock_offset_secs = 7200")),
    )
    .unwrap();
    assert_eq!(from_file.clock_offset_secs, 7200);
    let from_env = Config::from_sources(
        &ServeArgs::default(),
        &env(&[("COGNATE_CLOCK_OFFSET_SECS", "-60")]),
        Some(file("clock_offset_secs = 7200")),
    )
    .unwrap();
    assert_eq!(from_env.clock_offset_secs, -60);
}

#[test]
fn clock_offset_that_is_not_a_number_or_beyond_ten_years_is_refused() {
    let err = Config::from_sources(
        &ServeArgs::default(),
        &env(&[("COGNATE_CLOCK_OFFSET_SECS", "2h")]),
        None,
    )
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("whole number of seconds"),
        "{err:#}"
    );
    let err = Config::from_sources(
        &ServeArgs::default(),
        &env(&[]),
        Some(file("clock_offset_secs = 999999999999")),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("ten years"), "{err:#}");
}

#[test]
fn remote_issuers_are_read_and_checked_as_urls() {
    let cfg = Config::from_sources(
        &ServeArgs::default(),
        &env(&[]),
        Some(file(
            "[gateway.remote_issuers]\n\"us-east-1_abc\" = \"https://auth.example/us-east-1_abc/\"\n",
        )),
    )
    .unwrap();
    assert_eq!(
        cfg.remote_issuers.get("us-east-1_abc").map(String::as_str),
        Some("https://auth.example/us-east-1_abc")
    );
    let err = Config::from_sources(
        &ServeArgs::default(),
        &env(&[]),
        Some(file("[gateway.remote_issuers]\n\"p\" = \"ftp://x\"\n")),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("remote_issuers"), "{err:#}");
}
