"""The SecurePets seed end to end: boto3 `cognito-idp` + `apigateway` build and deploy the API on a
real cognate; Python `requests` calls it with tokens from the user pool, and a real backend records
what arrives. Every authorizer outcome is asserted on status, body and headers."""

from __future__ import annotations

import pytest
import requests

from apigw_testlib import SecurePets, alg_none, tamper_payload
from cognate_testlib import claims


@pytest.fixture(scope="module")
def world(cog, ag, backend):
    """A pool with two app clients and one user, and SecurePets deployed against it."""
    pool_id = cog.create_pool()
    pool_arn = cog.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    app = cog.create_client(pool_id)["ClientId"]
    other_app = cog.create_client(pool_id)["ClientId"]
    username = cog.create_user(pool_id, email="pat@example.com")
    pets = SecurePets(url=cog.url, ag=ag, pool_arn=pool_arn, client_id=app, backend=backend).build()
    return {
        "pets": pets,
        "pool_id": pool_id,
        "app": app,
        "other_app": other_app,
        "username": username,
        "tokens": cog.tokens(app, username),
        "other_tokens": cog.tokens(other_app, username),
    }


@pytest.fixture
def pets(world) -> SecurePets:
    return world["pets"]


@pytest.fixture
def id_token(world) -> str:
    return world["tokens"]["IdToken"]


@pytest.fixture
def access_token(world) -> str:
    return world["tokens"]["AccessToken"]


def assert_unauthorized(resp, message: str = "Unauthorized") -> None:
    assert resp.status_code == 401, resp.text
    assert resp.json() == {"message": message}
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers.get("x-amzn-RequestId")


# --- the happy path -----------------------------------------------------------------------------


def test_get_pets_with_id_token_reaches_backend_with_claims(pets, world, id_token):
    resp = pets.call("GET", "/pets", id_token)
    assert resp.status_code == 200, resp.text
    echo = resp.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/pets"
    assert echo["headers"]["x-user-sub"] == claims(id_token)["sub"]
    assert echo["headers"]["x-user-email"] == "pat@example.com"
    assert echo["headers"]["x-stage"] == "secure-pets"
    assert echo["headers"]["authorization"] == id_token
    assert resp.headers["X-Backend"] == "echo"


def test_backend_server_date_and_length_arrive_as_x_amzn_remapped_headers(pets, id_token):
    # API Gateway answers with its own Date and Content-Length and passes the
    # backend's (and its Server) on renamed.
    resp = pets.call("GET", "/pets", id_token)
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-amzn-Remapped-Server"].startswith("BaseHTTP/")
    assert "Server" not in resp.headers
    assert resp.headers["x-amzn-Remapped-Content-Length"] == str(len(resp.content))
    assert resp.headers["Content-Length"] == str(len(resp.content))
    assert resp.headers["x-amzn-Remapped-Date"].endswith(" GMT")
    assert resp.headers["Date"].endswith(" GMT")


def test_purchase_method_on_pets_is_routed_and_authorized(pets, id_token):
    resp = pets.call("PURCHASE", "/pets", id_token, data=b'{"pet":"rex"}')
    assert resp.status_code == 200, resp.text
    echo = resp.json()
    assert echo["method"] == "PURCHASE"
    assert echo["body"] == '{"pet":"rex"}'


def test_bearer_prefix_is_accepted(pets, id_token):
    assert pets.call("GET", "/pets", id_token, bearer=True).status_code == 200


def test_query_string_and_body_are_forwarded(pets, access_token):
    resp = pets.call("POST", "/purchase?pet=rex&qty=2", access_token, json={"card": "4242"})
    assert resp.status_code == 200, resp.text
    echo = resp.json()
    assert echo["query"] == "pet=rex&qty=2"
    assert echo["body"] == '{"card": "4242"}'
    assert echo["headers"]["x-user-sub"] == claims(access_token)["sub"]
    assert echo["headers"]["x-forwarded-for"].split(",")[-1].strip() == "127.0.0.1"


def test_public_method_needs_no_token(pets):
    resp = pets.call("GET", "/health")
    assert resp.status_code == 200
    assert resp.json()["path"] == "/health"


def test_path_parameter_is_mapped_into_backend_uri(pets, id_token):
    resp = pets.call("GET", "/pets/42", id_token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["path"] == "/pets/42"


# --- the authorizer's refusals -------------------------------------------------------------------


def test_missing_token_is_unauthorized(pets):
    assert_unauthorized(pets.call("GET", "/pets"))


def test_garbage_token_is_unauthorized(pets):
    assert_unauthorized(pets.call("GET", "/pets", "not-a-jwt"))
    assert_unauthorized(pets.call("GET", "/pets", "a.b.c"))


def test_tampered_token_is_unauthorized(pets, id_token):
    forged = tamper_payload(id_token, email="admin@example.com")
    assert_unauthorized(pets.call("GET", "/pets", forged))


def test_alg_none_token_is_unauthorized(pets, id_token):
    assert_unauthorized(pets.call("GET", "/pets", alg_none(id_token)))


def test_token_from_a_foreign_pool_is_unauthorized(cog, pets):
    foreign_pool = cog.create_pool()
    foreign_app = cog.create_client(foreign_pool)["ClientId"]
    user = cog.create_user(foreign_pool)
    foreign = cog.tokens(foreign_app, user)["IdToken"]
    assert_unauthorized(pets.call("GET", "/pets", foreign))


def test_access_token_on_id_token_method_is_unauthorized(pets, access_token):
    assert_unauthorized(pets.call("GET", "/pets", access_token))


def test_id_token_on_scoped_method_is_unauthorized(pets, id_token):
    assert_unauthorized(pets.call("POST", "/purchase", id_token, json={}))


def test_access_token_without_the_scope_is_unauthorized(pets, access_token):
    assert_unauthorized(pets.call("PATCH", "/purchase", access_token, json={}))


def test_app_client_regex_admits_the_named_client(pets, id_token):
    assert pets.call("GET", "/pets/7", id_token).status_code == 200


def test_app_client_regex_refuses_another_client(pets, world):
    assert_unauthorized(pets.call("GET", "/pets/7", world["other_tokens"]["IdToken"]))


def test_global_sign_out_does_not_revoke_id_tokens_at_the_gateway(pets, world, cog):
    # API Gateway's Cognito authorizer checks signatures and claims, not revocation: a globally
    # signed-out user's ID token keeps working until it expires (as on AWS).
    tokens = cog.tokens(world["app"], world["username"])
    cog.idp.global_sign_out(AccessToken=tokens["AccessToken"])
    assert pets.call("GET", "/pets", tokens["IdToken"]).status_code == 200


# --- routing --------------------------------------------------------------------------------------


def test_unknown_path_is_missing_authentication_token(pets, id_token):
    resp = pets.call("GET", "/cats", id_token)
    assert resp.status_code == 403
    assert resp.json() == {"message": "Missing Authentication Token"}
    assert resp.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_undefined_method_is_missing_authentication_token(pets, id_token):
    resp = pets.call("DELETE", "/pets", id_token)
    assert resp.status_code == 403
    assert resp.json() == {"message": "Missing Authentication Token"}


def test_unknown_stage_is_missing_authentication_token(pets, id_token):
    resp = requests.get(f"{pets.url}/_aws/execute-api/{pets.api_id}/prod/pets", headers={"Authorization": id_token}, timeout=10)
    assert resp.status_code == 403


def test_host_style_invocation_url(pets, id_token):
    resp = requests.get(
        f"{pets.url}/{pets.stage}/pets",
        headers={"Host": f"{pets.api_id}.execute-api.localhost.localstack.cloud", "Authorization": id_token},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["path"] == "/pets"


def test_legacy_user_request_invocation_url(pets, id_token):
    resp = requests.get(
        f"{pets.url}/restapis/{pets.api_id}/{pets.stage}/_user_request_/pets",
        headers={"Authorization": id_token},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text


# --- deployments ----------------------------------------------------------------------------------


def test_new_deployment_takes_effect_without_restart(pets, ag, id_token):
    ag.put_method(
        restApiId=pets.api_id, resourceId=pets.resources["/pets"], httpMethod="DELETE", authorizationType="NONE"
    )
    ag.put_integration(
        restApiId=pets.api_id,
        resourceId=pets.resources["/pets"],
        httpMethod="DELETE",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    ag.put_method_response(
        restApiId=pets.api_id, resourceId=pets.resources["/pets"], httpMethod="DELETE", statusCode="200"
    )
    ag.put_integration_response(
        restApiId=pets.api_id,
        resourceId=pets.resources["/pets"],
        httpMethod="DELETE",
        statusCode="200",
        responseTemplates={"application/json": '{"deleted": true}'},
    )
    # Not deployed yet: still unknown.
    assert pets.call("DELETE", "/pets").status_code == 403
    ag.create_deployment(restApiId=pets.api_id, stageName=pets.stage)
    resp = pets.call("DELETE", "/pets")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"deleted": True}
    ag.delete_method(restApiId=pets.api_id, resourceId=pets.resources["/pets"], httpMethod="DELETE")
    ag.create_deployment(restApiId=pets.api_id, stageName=pets.stage)
    assert pets.call("DELETE", "/pets").status_code == 403


def test_get_stages_and_deployments_describe_the_deployed_api(pets, ag):
    stages = ag.get_stages(restApiId=pets.api_id)["item"]
    assert [s["stageName"] for s in stages] == ["test"]
    deployment = ag.get_deployment(restApiId=pets.api_id, deploymentId=stages[0]["deploymentId"], embed=["apisummary"])
    assert deployment["apiSummary"]["/pets"]["PURCHASE"]["authorizationType"] == "COGNITO_USER_POOLS"
    assert deployment["apiSummary"]["/health"]["GET"]["authorizationType"] == "NONE"


# --- TestInvokeAuthorizer -------------------------------------------------------------------------


def test_test_invoke_authorizer_reports_the_claims_of_a_valid_token(pets, ag, id_token):
    out = ag.test_invoke_authorizer(
        restApiId=pets.api_id, authorizerId=pets.authorizer_id, headers={"Authorization": id_token}
    )
    assert out["clientStatus"] == 200
    assert out["claims"]["sub"] == claims(id_token)["sub"]
    assert out["claims"]["token_use"] == "id"


def test_test_invoke_authorizer_refuses_a_forged_token(pets, ag, id_token):
    out = ag.test_invoke_authorizer(
        restApiId=pets.api_id,
        authorizerId=pets.authorizer_id,
        headers={"Authorization": tamper_payload(id_token, sub="someone-else")},
    )
    assert out["clientStatus"] == 401
    assert not out.get("claims")


# --- API keys and usage plans ---------------------------------------------------------------------


def test_api_key_required_method_needs_a_key_of_a_plan_on_the_stage(cog, ag, backend):
    api = ag.create_rest_api(name="keyed")
    res = ag.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="items")
    ag.put_method(
        restApiId=api["id"], resourceId=res["id"], httpMethod="GET", authorizationType="NONE", apiKeyRequired=True
    )
    ag.put_integration(
        restApiId=api["id"],
        resourceId=res["id"],
        httpMethod="GET",
        type="HTTP_PROXY",
        integrationHttpMethod="GET",
        uri=f"{backend.url}/items",
    )
    ag.create_deployment(restApiId=api["id"], stageName="prod")
    key = ag.create_api_key(name="partner", enabled=True)
    stray = ag.create_api_key(name="stray", enabled=True, value="stray-key-0123456789abcdef")
    plan = ag.create_usage_plan(
        name="partners",
        apiStages=[{"apiId": api["id"], "stage": "prod"}],
        throttle={"rateLimit": 1000, "burstLimit": 100},
        quota={"limit": 3, "period": "DAY"},
    )
    ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    url = f"{cog.url}/_aws/execute-api/{api['id']}/prod/items"

    missing = requests.get(url, timeout=10)
    assert missing.status_code == 403
    assert missing.json() == {"message": "Forbidden"}
    assert requests.get(url, headers={"x-api-key": stray["value"]}, timeout=10).status_code == 403
    for _ in range(3):
        ok = requests.get(url, headers={"x-api-key": key["value"]}, timeout=10)
        assert ok.status_code == 200, ok.text
        assert ok.json()["path"] == "/items"
    over = requests.get(url, headers={"x-api-key": key["value"]}, timeout=10)
    assert over.status_code == 429
    assert over.json() == {"message": "Limit Exceeded"}
