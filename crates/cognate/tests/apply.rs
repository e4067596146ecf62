//! Declarations applied to a whole server: in process (as `serve` does at
//! start-up) here, over HTTP and through the binary in `apply/binary.rs`.
//! Every check reads the server back through its public APIs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use cognate::apply::{self, InProcess, Outcome, Report, Transport};
use cognate::config::{Config, FileConfig, ServeArgs};
use cognate::server::{self, App};
use http::{Method, Request, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "Corr3ct-Horse-Battery!";

/// Fast password hashing: these tests hash a few passwords each.
const FAST: &str =
    "[passwords]\nargon2_memory_kib = 1024\nargon2_iterations = 1\nargon2_parallelism = 1\n";

const DECLARED: &str = r#"
[[pools]]
name = "SecurePets"
username_attributes = ["email"]
auto_verified_attributes = ["email"]
mfa = "OFF"
password_policy = { min_length = 10, require_symbols = true }
schema = [{ name = "role" }]

[[pools.clients]]
name = "web"
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
access_token_validity = "60m"

[[pools.groups]]
name = "staff"
description = "Pet shop staff"
precedence = 1

[[pools.users]]
username = "pat@example.com"
password = "Corr3ct-Horse-Battery!"
attributes = { email_verified = "true", "custom:role" = "keeper" }
groups = ["staff"]

[[apis]]
name = "SecurePets"
description = "pets behind a Cognito authorizer"
stage_variables = { colour = "blue" }

[[apis.authorizers]]
name = "SecurePetsPool"
pools = ["SecurePets"]

[[apis.routes]]
path = "/pets"
method = "GET"
authorizer = "SecurePetsPool"
integration = { type = "MOCK", body = '{"pets": ["Rex"]}' }

[[apis.routes]]
path = "/pets"
method = "PURCHASE"
authorizer = "SecurePetsPool"
integration = { type = "MOCK", status = 201, body = '{"bought": true}' }

[[apis.routes]]
path = "/health"
method = "GET"
integration = { type = "MOCK", body = '{"ok": true}', headers = { "Cache-Control" = "no-store" } }
"#;

#[path = "apply/binary.rs"]
mod binary;

// === helpers ===

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("cognate-apply-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(dir: &Path, declarations: &str) -> anyhow::Result<Config> {
    let file = FileConfig::parse(&format!("{FAST}{declarations}"), Path::new("test.toml"))?;
    let args = ServeArgs {
        data_dir: Some(dir.join("data")),
        ..ServeArgs::default()
    };
    let mut cfg = Config::from_sources(&args, &HashMap::<&str, &str>::new(), Some(file))?;
    cfg.declared.base_dir = dir.to_path_buf();
    Ok(cfg)
}

/// A whole server, called in process.
struct Server {
    app: App,
    dir: TempDir,
}

impl Server {
    async fn new(tag: &str) -> Server {
        let dir = TempDir::new(tag);
        let cfg = config(dir.path(), "").unwrap();
        let app = server::build_app(&cfg, "127.0.0.1:4566".parse().unwrap())
            .await
            .unwrap();
        Server { app, dir }
    }

    fn transport(&self) -> InProcess {
        InProcess::new(self.app.frontend.control().clone())
    }

    /// Applies `declarations` and returns what happened.
    async fn apply(&self, declarations: &str) -> anyhow::Result<Report> {
        let cfg = config(self.dir.path(), declarations)?;
        let mut report = Report::default();
        apply::apply(&cfg.declared, &self.transport(), &mut report).await?;
        Ok(report)
    }

    async fn send(&self, req: Request<Bytes>) -> (StatusCode, Value) {
        let resp = self.transport().send(req).await.unwrap();
        let status = resp.status();
        let body = resp.into_body();
        let value =
            serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
        (status, value)
    }

    async fn idp(&self, op: &str, input: Value) -> Value {
        let req = Request::post("/")
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(Bytes::from(input.to_string()))
            .unwrap();
        let (status, body) = self.send(req).await;
        assert_eq!(status, StatusCode::OK, "{op}: {body}");
        body
    }

    async fn apigw(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let req = Request::builder()
            .method(method.clone())
            .uri(path)
            .body(body.map(|b| Bytes::from(b.to_string())).unwrap_or_default())
            .unwrap();
        let (status, body) = self.send(req).await;
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body
    }

    /// Calls the deployed API after installing the current deployments.
    async fn invoke(
        &self,
        method: &str,
        api: &str,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        self.app
            .gateway
            .install(self.app.apigw.live().await.unwrap())
            .await;
        let mut req = Request::builder()
            .method(method)
            .uri(format!("/_aws/execute-api/{api}/test{path}"));
        if let Some(t) = token {
            req = req.header("authorization", t);
        }
        // Through the whole frontend: invocation URLs go to the gateway.
        let resp = tower::ServiceExt::oneshot(
            self.app.frontend.clone(),
            req.body(axum::body::Body::empty()).unwrap(),
        )
        .await
        .unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let value =
            serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
        (status, value)
    }

    async fn pool_ids(&self) -> Vec<String> {
        let out = self.idp("ListUserPools", json!({"MaxResults": 60})).await;
        out["UserPools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Id"].as_str().unwrap().to_string())
            .collect()
    }

    async fn api_ids(&self) -> Vec<String> {
        let out = self.apigw(Method::GET, "/restapis", None).await;
        out["item"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    }

    async fn deployments(&self, api: &str) -> Vec<Value> {
        let out = self
            .apigw(Method::GET, &format!("/restapis/{api}/deployments"), None)
            .await;
        out["item"].as_array().unwrap().clone()
    }

    async fn client_id(&self, pool: &str) -> String {
        let out = self
            .idp(
                "ListUserPoolClients",
                json!({"UserPoolId": pool, "MaxResults": 60}),
            )
            .await;
        out["UserPoolClients"][0]["ClientId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn sign_in(&self, client: &str, password: &str) -> Value {
        self.idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
                   "AuthParameters": {"USERNAME": "pat@example.com", "PASSWORD": password}}),
        )
        .await
    }
}

fn outcomes(report: &Report) -> Vec<(String, Outcome)> {
    report
        .changes
        .iter()
        .map(|c| (format!("{} {}", c.kind, c.name), c.outcome))
        .collect()
}

fn all(report: &Report, outcome: Outcome) -> bool {
    !report.changes.is_empty() && report.changes.iter().all(|c| c.outcome == outcome)
}

// === in process ===

#[tokio::test]
async fn first_apply_creates_every_declared_object() {
    let s = Server::new("create").await;
    let report = s.apply(DECLARED).await.unwrap();
    assert_eq!(
        outcomes(&report),
        [
            ("pool SecurePets".to_string(), Outcome::Created),
            ("client SecurePets/web".to_string(), Outcome::Created),
            ("group SecurePets/staff".to_string(), Outcome::Created),
            (
                "user SecurePets/pat@example.com".to_string(),
                Outcome::Created
            ),
            ("api SecurePets".to_string(), Outcome::Created),
        ]
    );
    let pool = &s.pool_ids().await[0];
    let described =
        s.idp("DescribeUserPool", json!({"UserPoolId": pool})).await["UserPool"].clone();
    assert_eq!(described["UsernameAttributes"], json!(["email"]));
    assert_eq!(described["Policies"]["PasswordPolicy"]["MinimumLength"], 10);
    assert!(described["SchemaAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["Name"] == "custom:role"));
    let client = s.client_id(pool).await;
    let c = s
        .idp(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": client}),
        )
        .await;
    assert_eq!(c["UserPoolClient"]["AccessTokenValidity"], 60);
    assert_eq!(
        c["UserPoolClient"]["TokenValidityUnits"]["AccessToken"],
        "minutes"
    );
    let user = s
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "pat@example.com"}),
        )
        .await;
    assert_eq!(user["UserStatus"], "CONFIRMED");
    let groups = s
        .idp(
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "pat@example.com"}),
        )
        .await;
    assert_eq!(groups["Groups"][0]["GroupName"], "staff");
    assert_eq!(groups["Groups"][0]["Description"], "Pet shop staff");
    let api = &s.api_ids().await[0];
    let stage = s
        .apigw(Method::GET, &format!("/restapis/{api}/stages/test"), None)
        .await;
    assert_eq!(stage["variables"], json!({"colour": "blue"}));
    let deployments = s.deployments(api).await;
    assert_eq!(deployments.len(), 1);
    assert!(deployments[0]["description"]
        .as_str()
        .unwrap()
        .starts_with("cognate:declaration-sha256="));
}

#[tokio::test]
async fn a_declared_user_signs_in_with_the_declared_password() {
    let s = Server::new("signin").await;
    s.apply(DECLARED).await.unwrap();
    let pool = &s.pool_ids().await[0];
    let tokens = s.sign_in(&s.client_id(pool).await, PASSWORD).await;
    assert!(
        tokens["AuthenticationResult"]["IdToken"].as_str().is_some(),
        "{tokens}"
    );
}

#[tokio::test]
async fn applying_the_same_file_again_changes_nothing() {
    let s = Server::new("again").await;
    let first = s.apply(DECLARED).await.unwrap();
    let (pools, apis) = (s.pool_ids().await, s.api_ids().await);
    let deployments = s.deployments(&apis[0]).await;
    let second = s.apply(DECLARED).await.unwrap();
    assert!(all(&second, Outcome::Unchanged), "{second:?}");
    assert_eq!(second.changes.len(), first.changes.len());
    for (a, b) in first.changes.iter().zip(&second.changes) {
        assert_eq!(a.id, b.id, "{} kept its id", a.name);
    }
    assert_eq!(s.pool_ids().await, pools);
    assert_eq!(s.api_ids().await, apis);
    assert_eq!(s.deployments(&apis[0]).await, deployments);
    let clients = s
        .idp(
            "ListUserPoolClients",
            json!({"UserPoolId": pools[0], "MaxResults": 60}),
        )
        .await;
    assert_eq!(clients["UserPoolClients"].as_array().unwrap().len(), 1);
    let users = s.idp("ListUsers", json!({"UserPoolId": pools[0]})).await;
    assert_eq!(users["Users"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn changed_declarations_update_objects_in_place() {
    let s = Server::new("update").await;
    let first = s.apply(DECLARED).await.unwrap();
    let changed = DECLARED
        .replace("min_length = 10", "min_length = 12")
        .replace(
            "access_token_validity = \"60m\"",
            "access_token_validity = \"2h\"",
        )
        .replace("Pet shop staff", "Everyone at the shop")
        .replace("\"custom:role\" = \"keeper\"", "\"custom:role\" = \"vet\"")
        .replace("colour = \"blue\"", "colour = \"red\"")
        .replace("{\"pets\": [\"Rex\"]}", "{\"pets\": [\"Rex\", \"Tom\"]}");
    let second = s.apply(&changed).await.unwrap();
    assert!(all(&second, Outcome::Updated), "{second:?}");
    let notes: Vec<&str> = second
        .changes
        .iter()
        .map(|c| c.note.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(notes[0], "password_policy.min_length");
    assert_eq!(notes[1], "access_token_validity");
    assert_eq!(notes[3], "attributes");
    assert_eq!(notes[4], "redeployed to stage test; stage test variables");
    for (a, b) in first.changes.iter().zip(&second.changes) {
        assert_eq!(a.id, b.id, "{} kept its id", a.name);
    }
    let pool = &s.pool_ids().await[0];
    let user = s
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "pat@example.com"}),
        )
        .await;
    assert!(user["UserAttributes"]
        .as_array()
        .unwrap()
        .contains(&json!({"Name": "custom:role", "Value": "vet"})));
    let api = &s.api_ids().await[0];
    assert_eq!(s.deployments(api).await.len(), 2);
    let stage = s
        .apigw(Method::GET, &format!("/restapis/{api}/stages/test"), None)
        .await;
    assert_eq!(stage["variables"], json!({"colour": "red"}));
    let third = s.apply(&changed).await.unwrap();
    assert!(all(&third, Outcome::Unchanged), "{third:?}");
}

#[tokio::test]
async fn the_deployed_api_is_served_behind_the_authorizer() {
    let s = Server::new("serve").await;
    s.apply(DECLARED).await.unwrap();
    let api = s.api_ids().await[0].clone();
    let (status, body) = s.invoke("GET", &api, "/health", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
    let (status, body) = s.invoke("GET", &api, "/pets", None).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}))
    );
    let pool = &s.pool_ids().await[0];
    let tokens = s.sign_in(&s.client_id(pool).await, PASSWORD).await;
    let id_token = tokens["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let (status, body) = s.invoke("GET", &api, "/pets", Some(id_token)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"pets": ["Rex"]})));
    let (status, body) = s.invoke("PURCHASE", &api, "/pets", Some(id_token)).await;
    assert_eq!(
        (status, body),
        (StatusCode::CREATED, json!({"bought": true}))
    );
    let (status, body) = s.invoke("GET", &api, "/unknown", Some(id_token)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"message": "Missing Authentication Token"})
        )
    );
}

#[tokio::test]
async fn stage_variables_alone_are_brought_in_line_without_a_deployment() {
    let s = Server::new("variables").await;
    s.apply(DECLARED).await.unwrap();
    let api = s.api_ids().await[0].clone();
    let renamed = DECLARED.replace("colour = \"blue\"", "shade = \"blue\"");
    let report = s.apply(&renamed).await.unwrap();
    let change = report.find("api", "SecurePets").unwrap();
    assert_eq!(change.outcome, Outcome::Updated);
    assert_eq!(change.note.as_deref(), Some("stage test variables"));
    assert_eq!(s.deployments(&api).await.len(), 1);
    let stage = s
        .apigw(Method::GET, &format!("/restapis/{api}/stages/test"), None)
        .await;
    assert_eq!(stage["variables"], json!({"shade": "blue"}));
}

#[tokio::test]
async fn a_stage_moved_to_another_deployment_is_redeployed() {
    let s = Server::new("moved").await;
    s.apply(DECLARED).await.unwrap();
    let api = s.api_ids().await[0].clone();
    s.apigw(
        Method::POST,
        &format!("/restapis/{api}/deployments"),
        Some(json!({"stageName": "test", "description": "by hand"})),
    )
    .await;
    let report = s.apply(DECLARED).await.unwrap();
    let change = report.find("api", "SecurePets").unwrap();
    assert_eq!(change.outcome, Outcome::Updated);
    assert_eq!(change.note.as_deref(), Some("redeployed to stage test"));
    assert_eq!(s.deployments(&api).await.len(), 3);
}

#[tokio::test]
async fn failures_name_the_declaration_and_carry_the_aws_error() {
    let s = Server::new("fail").await;
    let weak = DECLARED.replace(
        "password = \"Corr3ct-Horse-Battery!\"",
        "password = \"short\"",
    );
    let err = format!("{:#}", s.apply(&weak).await.unwrap_err());
    assert!(
        err.starts_with(
            "pools[0].users[0]: AdminCreateUser failed: InvalidPasswordException (HTTP 400): "
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_partial_apply_reports_what_it_did() {
    let s = Server::new("partial").await;
    let weak = DECLARED.replace(
        "password = \"Corr3ct-Horse-Battery!\"",
        "password = \"short\"",
    );
    let cfg = config(s.dir.path(), &weak).unwrap();
    let mut report = Report::default();
    assert!(apply::apply(&cfg.declared, &s.transport(), &mut report)
        .await
        .is_err());
    assert_eq!(
        report.changes.len(),
        3,
        "pool, client and group were applied: {report:?}"
    );
}

#[tokio::test]
async fn two_pools_with_the_declared_name_are_refused() {
    let s = Server::new("dup").await;
    for _ in 0..2 {
        s.idp("CreateUserPool", json!({"PoolName": "SecurePets"}))
            .await;
    }
    let err = format!("{:#}", s.apply(DECLARED).await.unwrap_err());
    assert!(
        err.starts_with("pools[0]: 2 user pools are named \"SecurePets\""),
        "{err}"
    );
}

#[tokio::test]
async fn settings_fixed_at_creation_are_not_changed_silently() {
    let s = Server::new("fixed").await;
    s.idp("CreateUserPool", json!({"PoolName": "SecurePets"}))
        .await;
    let err = format!("{:#}", s.apply(DECLARED).await.unwrap_err());
    assert!(
        err.starts_with("pools[0]: username_attributes is [\"email\"] in the file but []"),
        "{err}"
    );
}

#[tokio::test]
async fn settings_changed_by_hand_are_put_back_and_others_kept() {
    let s = Server::new("drift").await;
    s.apply(DECLARED).await.unwrap();
    let pool = s.pool_ids().await[0].clone();
    let client = s.client_id(&pool).await;
    s.idp(
        "UpdateUserPoolClient",
        json!({"UserPoolId": pool, "ClientId": client, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"],
               "CallbackURLs": ["https://app.example/cb"], "AccessTokenValidity": 60,
               "TokenValidityUnits": {"AccessToken": "minutes"}}),
    )
    .await;
    s.idp(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "pat@example.com"}),
    )
    .await;
    let with_enabled = DECLARED.replace(
        "groups = [\"staff\"]",
        "groups = [\"staff\"]\nenabled = true",
    );
    let report = s.apply(&with_enabled).await.unwrap();
    assert_eq!(
        report
            .find("client", "SecurePets/web")
            .unwrap()
            .note
            .as_deref(),
        Some("explicit_auth_flows")
    );
    assert_eq!(
        report
            .find("user", "SecurePets/pat@example.com")
            .unwrap()
            .note
            .as_deref(),
        Some("enabled")
    );
    let c = s
        .idp(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": client}),
        )
        .await;
    assert_eq!(
        c["UserPoolClient"]["ExplicitAuthFlows"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        c["UserPoolClient"]["CallbackURLs"],
        json!(["https://app.example/cb"])
    );
    let user = s
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "pat@example.com"}),
        )
        .await;
    assert_eq!(user["Enabled"], true);
}

#[tokio::test]
async fn an_openapi_file_is_imported_with_pool_placeholders_filled() {
    let s = Server::new("openapi").await;
    std::fs::write(
        s.dir.path().join("pets.yaml"),
        r#"openapi: 3.0.1
info: {title: Anything, version: "1"}
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["${pools.SecurePets.arn}"]
paths:
  /pets:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"#,
    )
    .unwrap();
    let pool_only = &DECLARED[..DECLARED.find("[[apis]]").unwrap()];
    let text = format!("{pool_only}[[apis]]\nname = \"FromFile\"\nopenapi = \"pets.yaml\"\n");
    let report = s.apply(&text).await.unwrap();
    assert_eq!(
        report.find("api", "FromFile").unwrap().outcome,
        Outcome::Created
    );
    let api = &s.api_ids().await[0];
    let authorizers = s
        .apigw(Method::GET, &format!("/restapis/{api}/authorizers"), None)
        .await;
    let arn = authorizers["item"][0]["providerARNs"][0].as_str().unwrap();
    assert!(
        arn.ends_with(&format!("userpool/{}", s.pool_ids().await[0])),
        "{arn}"
    );
    assert!(all(&s.apply(&text).await.unwrap(), Outcome::Unchanged));
}

#[tokio::test]
async fn the_securepets_example_applies_and_then_stays_unchanged() {
    let s = Server::new("example").await;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/securepets/cognate.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let first = s.apply(&text).await.unwrap();
    assert_eq!(first.changes.len(), 5);
    assert!(all(&first, Outcome::Created), "{first:?}");
    let second = s.apply(&text).await.unwrap();
    assert!(all(&second, Outcome::Unchanged), "{second:?}");
}
