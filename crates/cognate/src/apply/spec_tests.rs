use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    pools: Vec<PoolSpec>,
    #[serde(default)]
    apis: Vec<ApiSpec>,
}

fn declared(text: &str) -> anyhow::Result<Declared> {
    let f: File = toml::from_str(text)?;
    Declared::new(f.pools, f.apis)
}

fn error(text: &str) -> String {
    format!("{:#}", declared(text).unwrap_err())
}

const SECURE_PETS: &str = r#"
[[pools]]
name = "SecurePets"
username_attributes = ["email"]
auto_verified_attributes = ["email"]
mfa = "OFF"
password_policy = { min_length = 8, require_symbols = false }
schema = [{ name = "role" }, { name = "level", type = "Number", mutable = false }]

[[pools.clients]]
name = "web"
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
access_token_validity = "60m"
refresh_token_validity = "30d"

[[pools.groups]]
name = "admins"
precedence = 1

[[pools.users]]
username = "pat@example.com"
password = "Corr3ct-Horse!"
attributes = { email_verified = "true" }
groups = ["admins"]

[[apis]]
name = "SecurePets"
stage_variables = { backend = "http://127.0.0.1:8081" }

[[apis.authorizers]]
name = "pool"
pools = ["SecurePets"]

[[apis.routes]]
path = "/pets"
method = "PURCHASE"
authorizer = "pool"
integration = { type = "HTTP_PROXY", uri = "http://127.0.0.1:8081/pets" }

[[apis.routes]]
path = "/health"
method = "GET"
integration = { type = "MOCK", body = '{"ok": true}' }
"#;

#[test]
fn a_full_declaration_parses_with_defaults() {
    let d = declared(SECURE_PETS).unwrap();
    let pool = &d.pools[0];
    assert_eq!(pool.mfa, Some(Mfa::Off));
    assert_eq!(pool.schema[0].full_name(), "custom:role");
    assert_eq!(pool.schema[0].kind, AttributeKind::String);
    assert!(pool.schema[0].mutable);
    assert_eq!(pool.schema[1].kind, AttributeKind::Number);
    assert_eq!(
        pool.clients[0].access_token_validity,
        Some(Validity {
            value: 60,
            unit: ValidityUnit::Minutes
        })
    );
    assert_eq!(
        pool.users[0].password.as_ref().unwrap().expose(),
        "Corr3ct-Horse!"
    );
    let api = &d.apis[0];
    assert_eq!(api.stage, "test");
    assert_eq!(api.authorizers[0].header, "Authorization");
    assert_eq!(api.routes[0].integration.kind, IntegrationKind::HttpProxy);
    assert_eq!(api.routes[1].integration.kind, IntegrationKind::Mock);
}

#[test]
fn passwords_never_show_in_debug_output() {
    let d = declared(SECURE_PETS).unwrap();
    let shown = format!("{d:?}");
    assert!(!shown.contains("Corr3ct-Horse!"));
    assert!(shown.contains("Password(<redacted>)"));
}

#[test]
fn unknown_keys_are_errors() {
    let err = error("[[pools]]\nname = \"P\"\nusername_attribute = [\"email\"]\n");
    assert!(err.contains("unknown field `username_attribute`"), "{err}");
    let err = error("[[apis]]\nname = \"A\"\n[[apis.routes]]\npath = \"/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\", code = 1 }\n");
    assert!(err.contains("unknown field `code`"), "{err}");
}

#[test]
fn mfa_can_only_be_off() {
    let err = error("[[pools]]\nname = \"P\"\nmfa = \"ON\"\n");
    assert!(err.contains("unknown variant `ON`"), "{err}");
}

#[test]
fn durations_need_a_unit() {
    assert_eq!(Validity::parse("1h").unwrap().seconds(), 3600);
    assert_eq!(Validity::parse("30d").unwrap().unit, ValidityUnit::Days);
    assert_eq!(Validity::parse("300s").unwrap().value, 300);
    assert!(Validity::parse("60").is_err());
    assert!(Validity::parse("0m").is_err());
    assert!(Validity::parse("-1h").is_err());
    assert!(Validity::parse("h").is_err());
    let err = error(
        "[[pools]]\nname = \"P\"\n[[pools.clients]]\nname = \"c\"\nid_token_validity = \"1w\"\n",
    );
    assert!(err.contains("is not a duration like"), "{err}");
}

#[test]
fn duplicate_names_are_refused_with_their_place() {
    let err = error("[[pools]]\nname = \"P\"\n[[pools]]\nname = \"P\"\n");
    assert_eq!(err, "pools[1]: another pool is also named \"P\"");
    let err = error("[[pools]]\nname = \"P\"\n[[pools.clients]]\nname = \"c\"\n[[pools.clients]]\nname = \"c\"\n");
    assert_eq!(
        err,
        "pools[0].clients[1]: another client of this pool is also named \"c\""
    );
    let err = error("[[pools]]\nname = \"P\"\n[[pools.users]]\nusername = \"u\"\n[[pools.users]]\nusername = \"u\"\n");
    assert_eq!(err, "pools[0].users[1]: the user \"u\" is declared twice");
}

#[test]
fn users_may_only_join_declared_groups() {
    let err = error(
        "[[pools]]\nname = \"P\"\n[[pools.users]]\nusername = \"u\"\ngroups = [\"admins\"]\n",
    );
    assert_eq!(
        err,
        "pools[0].users[0]: no group named \"admins\" is declared in this pool"
    );
}

#[test]
fn authorizers_name_declared_pools_or_arns() {
    let text = |pool: &str| {
        format!(
            "[[apis]]\nname = \"A\"\n[[apis.authorizers]]\nname = \"a\"\npools = [\"{pool}\"]\n\
             [[apis.routes]]\npath = \"/\"\nmethod = \"GET\"\nauthorizer = \"a\"\nintegration = {{ type = \"MOCK\" }}\n"
        )
    };
    let err = error(&text("Nope"));
    assert!(
        err.starts_with("apis[0].authorizers[0]: no pool named \"Nope\" is declared"),
        "{err}"
    );
    declared(&text(
        "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc",
    ))
    .unwrap();
}

#[test]
fn routes_are_checked() {
    let route = |extra: &str| format!("[[apis]]\nname = \"A\"\n[[apis.routes]]\n{extra}\n");
    let err = error(&route(
        "path = \"pets\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\" }",
    ));
    assert_eq!(err, "apis[0].routes[0]: path \"pets\" must start with /");
    let err = error(&route(
        "path = \"/\"\nmethod = \"GE T\"\nintegration = { type = \"MOCK\" }",
    ));
    assert!(err.contains("is not an HTTP method"), "{err}");
    let err = error(&route(
        "path = \"/\"\nmethod = \"GET\"\nauthorizer = \"x\"\nintegration = { type = \"MOCK\" }",
    ));
    assert_eq!(
        err,
        "apis[0].routes[0]: no authorizer named \"x\" in this API"
    );
    let err = error(&route(
        "path = \"/\"\nmethod = \"GET\"\nscopes = [\"s\"]\nintegration = { type = \"MOCK\" }",
    ));
    assert_eq!(err, "apis[0].routes[0]: scopes need an authorizer");
    let err = error(&route(
        "path = \"/\"\nmethod = \"GET\"\nintegration = { type = \"HTTP_PROXY\" }",
    ));
    assert_eq!(
        err,
        "apis[0].routes[0].integration: uri is required for HTTP and HTTP_PROXY"
    );
    let err = error(&route(
        "path = \"/\"\nmethod = \"GET\"\nintegration = { type = \"HTTP\", uri = \"ftp://x\" }",
    ));
    assert!(err.contains("is not an http:// or https:// URL"), "{err}");
    let err = error(&route(
        "path = \"/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\", uri = \"http://x\" }",
    ));
    assert_eq!(
        err,
        "apis[0].routes[0].integration: a MOCK integration has no uri or http_method"
    );
    let err = error(&route("path = \"/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\", headers = { X = \"it's\" } }"));
    assert!(err.contains("cannot contain '"), "{err}");
    let err = error(&route(
        "path = \"/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\", timeout_ms = 30000 }",
    ));
    assert!(
        err.contains("timeout_ms must be between 50 and 29000"),
        "{err}"
    );
    let twice = "path = \"/a\"\nmethod = \"get\"\nintegration = { type = \"MOCK\" }\n[[apis.routes]]\npath = \"/a/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\" }";
    assert_eq!(
        error(&route(twice)),
        "apis[0].routes[1]: GET /a/ is declared twice"
    );
}

#[test]
fn an_api_declares_routes_or_an_openapi_file() {
    let err = error("[[apis]]\nname = \"A\"\n");
    assert_eq!(err, "apis[0]: declares no routes (and no openapi file)");
    let err = error(
        "[[apis]]\nname = \"A\"\nopenapi = \"a.yaml\"\n[[apis.routes]]\npath = \"/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\" }\n",
    );
    assert_eq!(
        err,
        "apis[0]: openapi replaces routes and authorizers; declare one or the other"
    );
    declared("[[apis]]\nname = \"A\"\nopenapi = \"a.yaml\"\n").unwrap();
}

#[test]
fn the_api_key_scheme_name_is_reserved() {
    let err = error(
        "[[apis]]\nname = \"A\"\n[[apis.authorizers]]\nname = \"api_key\"\npools = [\"arn:aws:cognito-idp:us-east-1:0:userpool/p\"]\n\
         [[apis.routes]]\npath = \"/\"\nmethod = \"GET\"\nintegration = { type = \"MOCK\" }\n",
    );
    assert!(err.contains("reserved for API keys"), "{err}");
}
