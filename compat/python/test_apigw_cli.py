"""The AWS CLI's `apigateway import-rest-api` of an OpenAPI 3 file with a Cognito authorizer, a
deployment, and calls through the imported API with tokens from the user pool."""

from __future__ import annotations

import json

import requests

from cognate_testlib import aws_cli

OPENAPI = """\
openapi: 3.0.1
info:
  title: SecurePets (imported)
  version: "1.0"
paths:
  /pets:
    get:
      security:
        - SecurePetsPool: []
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: {backend}/pets
        requestParameters:
          integration.request.header.x-user-sub: context.authorizer.claims.sub
    purchase:
      security:
        - SecurePetsPool: []
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: PURCHASE
        uri: {backend}/pets
  /health:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{{"statusCode": 200}}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{{"ok": true}}'
      responses:
        "200":
          description: ok
components:
  securitySchemes:
    SecurePetsPool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs:
          - {pool_arn}
"""


def test_cli_import_rest_api_deploy_and_call(server, cog, backend, tmp_path):
    pool_id = cog.create_pool()
    pool_arn = cog.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    app = cog.create_client(pool_id)["ClientId"]
    user = cog.create_user(pool_id)
    id_token = cog.tokens(app, user)["IdToken"]

    spec = tmp_path / "securepets.yaml"
    spec.write_text(OPENAPI.format(backend=backend.url, pool_arn=pool_arn))
    aws = aws_cli(server.url, tmp_path, "apigateway")
    api = json.loads(aws("import-rest-api", "--body", f"fileb://{spec}").stdout)
    assert api["name"] == "SecurePets (imported)"
    api_id = api["id"]
    authorizers = json.loads(aws("get-authorizers", "--rest-api-id", api_id).stdout)["items"]
    assert [(a["name"], a["type"], a["providerARNs"]) for a in authorizers] == [
        ("SecurePetsPool", "COGNITO_USER_POOLS", [pool_arn])
    ]
    aws("create-deployment", "--rest-api-id", api_id, "--stage-name", "test")

    base = f"{server.url}/_aws/execute-api/{api_id}/test"
    resp = requests.get(f"{base}/pets", headers={"Authorization": id_token}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["headers"]["x-user-sub"]
    assert requests.request("PURCHASE", f"{base}/pets", headers={"Authorization": id_token}, timeout=10).status_code == 200
    assert requests.get(f"{base}/pets", timeout=10).status_code == 401
    health = requests.get(f"{base}/health", timeout=10)
    assert health.status_code == 200
    assert health.json() == {"ok": True}

    exported = json.loads(
        aws("get-export", "--rest-api-id", api_id, "--stage-name", "test", "--export-type", "oas30",
            str(tmp_path / "export.json")).stdout or "{}"
    )
    assert exported.get("contentType", "application/json").startswith("application/")
    doc = json.loads((tmp_path / "export.json").read_text())
    assert doc["openapi"].startswith("3.0")
    assert set(doc["paths"]) == {"/pets", "/health"}
