"""The AWS JSON 1.1 transport itself, with raw HTTP: targets, error shapes, body limits, CORS."""

from __future__ import annotations

import json

import requests

from cognate_testlib import raises_aws

TARGET = "AWSCognitoIdentityProviderService."
JSON_11 = "application/x-amz-json-1.1"


def _post(url: str, op: str | None, body: bytes | str, headers: dict | None = None) -> requests.Response:
    h = {"Content-Type": JSON_11}
    if op is not None:
        h["X-Amz-Target"] = TARGET + op
    h.update(headers or {})
    return requests.post(url + "/", data=body, headers=h, timeout=30)


def _error_type(resp: requests.Response) -> str:
    """What botocore reads: `__type`, cut at ':' and after '#'."""
    raw = resp.json().get("__type", "")
    return raw.split("#")[-1].split(":")[0]


def test_health_is_200_json(cog):
    resp = requests.get(cog.url + "/health", timeout=10)
    assert resp.status_code == 200
    resp.json()


def test_unknown_target_is_unknown_operation(cog):
    resp = _post(cog.url, "TeleportUser", "{}")
    assert resp.status_code == 400
    assert _error_type(resp) == "UnknownOperationException"


def test_missing_target_is_refused_with_4xx(cog):
    resp = _post(cog.url, None, "{}")
    assert 400 <= resp.status_code < 500


def test_malformed_json_is_serialization_exception(cog):
    resp = _post(cog.url, "ListUserPools", '{"MaxResults": 10,')
    assert resp.status_code == 400
    assert _error_type(resp) == "SerializationException"


def test_wrong_json_type_is_refused(cog):
    resp = _post(cog.url, "ListUserPools", '{"MaxResults": "ten"}')
    assert resp.status_code == 400
    assert _error_type(resp) in ("SerializationException", "InvalidParameterException")


def test_body_over_one_mib_is_refused(cog):
    big = json.dumps({"PoolName": "x" * (1024 * 1024 + 100)})
    try:
        resp = _post(cog.url, "CreateUserPool", big)
    except requests.ConnectionError as exc:  # closed before reading the whole body is a refusal too
        assert "reset" in str(exc).lower() or "aborted" in str(exc).lower() or "broken" in str(exc).lower(), exc
        return
    assert 400 <= resp.status_code < 500, resp.status_code
    if resp.status_code == 400:
        assert _error_type(resp) in ("SerializationException", "InvalidParameterException")


def test_error_response_has_aws_headers_and_body(cog):
    resp = _post(cog.url, "DescribeUserPool", json.dumps({"UserPoolId": "us-east-1_NoSuchPoo"}))
    assert resp.status_code == 400
    assert resp.headers["Content-Type"].startswith(JSON_11)
    body = resp.json()
    assert _error_type(resp) == "ResourceNotFoundException"
    assert body.get("message") or body.get("Message")
    assert resp.headers.get("x-amzn-ErrorType", "").startswith("ResourceNotFoundException")
    assert resp.headers.get("x-amzn-RequestId")
    assert "code" not in body or body["code"] == "ResourceNotFoundException"


def test_success_response_has_request_id(cog):
    resp = _post(cog.url, "ListUserPools", json.dumps({"MaxResults": 1}))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith(JSON_11)
    assert resp.headers.get("x-amzn-RequestId")
    assert "UserPools" in resp.json()


def test_missing_required_parameter_is_invalid_parameter(cog):
    with raises_aws("InvalidParameterException"):
        cog.raw.describe_user_pool()
    resp = _post(cog.url, "DescribeUserPool", "{}")
    assert resp.status_code == 400
    assert _error_type(resp) == "InvalidParameterException"


def test_cors_preflight_is_allowed(cog):
    resp = requests.options(
        cog.url + "/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
        },
        timeout=10,
    )
    assert 200 <= resp.status_code < 300
    assert resp.headers.get("Access-Control-Allow-Origin") in ("*", "http://localhost:3000")
    allowed = resp.headers.get("Access-Control-Allow-Headers", "").lower()
    assert allowed == "*" or "x-amz-target" in allowed


def test_cors_exposes_aws_headers(cog):
    resp = _post(cog.url, "ListUserPools", json.dumps({"MaxResults": 1}), {"Origin": "http://localhost:3000"})
    assert resp.headers.get("Access-Control-Allow-Origin") in ("*", "http://localhost:3000")
    exposed = resp.headers.get("Access-Control-Expose-Headers", "").lower()
    for name in ("x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage"):
        assert name in exposed or exposed == "*", exposed


def test_client_errors_use_http_400(cog, pool_id):
    try:
        cog.idp.admin_get_user(UserPoolId=pool_id, Username="nobody-here")
    except cog.idp.exceptions.UserNotFoundException as exc:
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    else:
        raise AssertionError("expected UserNotFoundException")
