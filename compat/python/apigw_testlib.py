"""Helpers for the API Gateway half of the compatibility suite.

- `EchoBackend`: a real HTTP backend on 127.0.0.1:<ephemeral> that answers every method (including
  `PURCHASE`) with a JSON echo of what it received: method, path, raw query, headers and body.
- `apigw_client`: a boto3 `apigateway` client on a cognate server.
- `SecurePets`: the seed's API built with boto3 (GET and PURCHASE on /pets, POST on /purchase, a
  public method, a scoped method, a strict app-client-regex authorizer) and deployed to `test`.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import requests
from botocore.config import Config

from cognate_testlib import REGION


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        payload = json.dumps(
            {
                "method": self.command,
                "path": path,
                "query": query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
        ).encode()
        self.server.requests.append(json.loads(payload))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Backend", "echo")
        self.end_headers()
        self.wfile.write(payload)

    def __getattr__(self, name: str):
        # BaseHTTPRequestHandler dispatches to do_<METHOD>: answer every method token.
        if name.startswith("do_"):
            return self._echo
        raise AttributeError(name)


class EchoBackend:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self.httpd.daemon_threads = True
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="echo-backend")

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.httpd.requests  # type: ignore[attr-defined]

    def start(self) -> "EchoBackend":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def apigw_client(url: str):
    return boto3.client(
        "apigateway",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60),
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def tamper_payload(token: str, **changes: Any) -> str:
    """The token with claims changed and the original signature kept."""
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{head}.{b64url_json(claims)}.{sig}"


def alg_none(token: str) -> str:
    """The token re-headed with `alg: none` and no signature."""
    head, payload, _ = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    header["alg"] = "none"
    return f"{b64url_json(header)}.{payload}."


@dataclass
class SecurePets:
    """The seed's SecurePets API on one cognate, protected by one user pool."""

    url: str
    ag: Any
    pool_arn: str
    client_id: str
    backend: EchoBackend
    stage: str = "test"
    api_id: str = ""
    authorizer_id: str = ""
    strict_authorizer_id: str = ""
    resources: dict[str, str] = field(default_factory=dict)

    def build(self) -> "SecurePets":
        ag = self.ag
        api = ag.create_rest_api(name="SecurePets", description="pets behind a Cognito authorizer")
        self.api_id = api["id"]
        root = api["rootResourceId"]
        self.resources["/"] = root
        for parent, part in (("/", "pets"), ("/", "purchase"), ("/", "health"), ("/pets", "{petId}")):
            path = ("" if parent == "/" else parent) + "/" + part
            res = ag.create_resource(restApiId=self.api_id, parentId=self.resources[parent], pathPart=part)
            self.resources[path] = res["id"]
        self.authorizer_id = ag.create_authorizer(
            restApiId=self.api_id,
            name="SecurePetsPool",
            type="COGNITO_USER_POOLS",
            providerARNs=[self.pool_arn],
            identitySource="method.request.header.Authorization",
        )["id"]
        self.strict_authorizer_id = ag.create_authorizer(
            restApiId=self.api_id,
            name="StrictApp",
            type="COGNITO_USER_POOLS",
            providerARNs=[self.pool_arn],
            identitySource="method.request.header.Authorization",
            identityValidationExpression=f"^{self.client_id}$",
        )["id"]
        claims_to_backend = {
            "integration.request.header.x-user-sub": "context.authorizer.claims.sub",
            "integration.request.header.x-user-email": "context.authorizer.claims.email",
            "integration.request.header.x-stage": "'secure-pets'",
        }
        # GET and PURCHASE on /pets: ID token, claims to the backend.
        for method in ("GET", "PURCHASE"):
            self.method("/pets", method, "COGNITO_USER_POOLS", self.authorizer_id, params=claims_to_backend)
        # POST on /purchase: access token with the user-admin scope.
        self.method(
            "/purchase",
            "POST",
            "COGNITO_USER_POOLS",
            self.authorizer_id,
            scopes=["aws.cognito.signin.user.admin"],
            params=claims_to_backend,
        )
        # PATCH on /purchase: a scope no token of this pool carries.
        self.method("/purchase", "PATCH", "COGNITO_USER_POOLS", self.authorizer_id, scopes=["pets/admin"])
        # GET /pets/{petId}: only tokens issued to the one app client the regex names.
        self.method(
            "/pets/{petId}",
            "GET",
            "COGNITO_USER_POOLS",
            self.strict_authorizer_id,
            params={"integration.request.path.petId": "method.request.path.petId"},
            uri=f"{self.backend.url}/pets/{{petId}}",
        )
        # GET /health: public.
        self.method("/health", "GET", "NONE", None)
        ag.create_deployment(restApiId=self.api_id, stageName=self.stage, description="first")
        return self

    def method(
        self,
        path: str,
        http_method: str,
        auth: str,
        authorizer_id: str | None,
        scopes: list[str] | None = None,
        params: dict[str, str] | None = None,
        uri: str | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {
            "restApiId": self.api_id,
            "resourceId": self.resources[path],
            "httpMethod": http_method,
            "authorizationType": auth,
        }
        if authorizer_id:
            kwargs["authorizerId"] = authorizer_id
        if scopes:
            kwargs["authorizationScopes"] = scopes
        self.ag.put_method(**kwargs)
        self.ag.put_integration(
            restApiId=self.api_id,
            resourceId=self.resources[path],
            httpMethod=http_method,
            type="HTTP_PROXY",
            integrationHttpMethod=http_method,
            uri=uri or f"{self.backend.url}{path}",
            requestParameters=params or {},
        )

    def invoke_url(self, path: str) -> str:
        return f"{self.url}/_aws/execute-api/{self.api_id}/{self.stage}{path}"

    def call(self, method: str, path: str, token: str | None = None, bearer: bool = False, **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}" if bearer else token
        return requests.request(method, self.invoke_url(path), headers=headers, timeout=30, **kwargs)
