"""Stage method throttling (methodSettings) and a disabled default endpoint
(disableExecuteApiEndpoint), set with boto3 `apigateway` on a real cognate and
observed with `requests` on the invocation URL."""

from __future__ import annotations

import requests


def public_api(ag, backend, name: str) -> tuple[str, str]:
    """A REST API with a public GET and POST on /items, proxied to the backend and deployed on
    `prod`; returns its id and the resource id of /items."""
    api = ag.create_rest_api(name=name)
    res = ag.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="items")
    for method in ("GET", "POST"):
        ag.put_method(restApiId=api["id"], resourceId=res["id"], httpMethod=method, authorizationType="NONE")
        ag.put_integration(
            restApiId=api["id"],
            resourceId=res["id"],
            httpMethod=method,
            type="HTTP_PROXY",
            integrationHttpMethod=method,
            uri=f"{backend.url}/items",
        )
    ag.create_deployment(restApiId=api["id"], stageName="prod")
    return api["id"], res["id"]


def test_stage_method_throttling_answers_429_too_many_requests(server, ag, backend):
    api_id, _ = public_api(ag, backend, "throttled")
    url = f"{server.url}/_aws/execute-api/{api_id}/prod/items"
    assert requests.get(url, timeout=10).status_code == 200
    stage = ag.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/~1items/GET/throttling/rateLimit", "value": "0.01"},
            {"op": "replace", "path": "/~1items/GET/throttling/burstLimit", "value": "2"},
        ],
    )
    assert stage["methodSettings"]["items/GET"]["throttlingRateLimit"] == 0.01
    assert stage["methodSettings"]["items/GET"]["throttlingBurstLimit"] == 2

    statuses = [requests.get(url, timeout=10).status_code for _ in range(2)]
    assert statuses == [200, 200]
    over = requests.get(url, timeout=10)
    assert over.status_code == 429
    assert over.json() == {"message": "Too Many Requests"}
    assert over.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    # The other method of the resource has no limit.
    for _ in range(4):
        assert requests.post(url, json={}, timeout=10).status_code == 200


def test_star_star_method_settings_throttle_every_method(server, ag, backend):
    api_id, _ = public_api(ag, backend, "throttled-all")
    url = f"{server.url}/_aws/execute-api/{api_id}/prod/items"
    ag.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.01"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
        ],
    )
    assert requests.get(url, timeout=10).status_code == 200
    assert requests.get(url, timeout=10).status_code == 429
    assert requests.post(url, json={}, timeout=10).status_code == 200
    assert requests.post(url, json={}, timeout=10).status_code == 429


def test_disabled_default_endpoint_is_403_forbidden_after_a_deployment(server, ag, backend):
    api_id, _ = public_api(ag, backend, "private")
    url = f"{server.url}/_aws/execute-api/{api_id}/prod/items"
    api = ag.update_rest_api(
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"}],
    )
    assert api["disableExecuteApiEndpoint"] is True
    # As on AWS, the setting takes effect with the next deployment.
    assert requests.get(url, timeout=10).status_code == 200
    ag.create_deployment(restApiId=api_id, stageName="prod")
    seen = len(backend.requests)
    refused = requests.get(url, timeout=10)
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden"}
    assert refused.headers["x-amzn-ErrorType"] == "ForbiddenException"
    assert len(backend.requests) == seen, "a refused request never reaches the backend"

    ag.update_rest_api(
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "false"}],
    )
    ag.create_deployment(restApiId=api_id, stageName="prod")
    assert requests.get(url, timeout=10).status_code == 200
