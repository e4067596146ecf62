"""The AWS CLI (v1, from PyPI) against the server: `aws --endpoint-url ... cognito-idp ...`."""

from __future__ import annotations

import json
import subprocess

import pytest

from cognate_testlib import PASSWORD, aws_cli, claims, unique, unique_email


@pytest.fixture(scope="module")
def aws(server, tmp_path_factory):
    return aws_cli(server.url, tmp_path_factory.mktemp("aws-home"), "cognito-idp")


def _json(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def test_cli_sign_up_confirm_and_initiate_auth(aws):
    pool_id = _json(aws("create-user-pool", "--pool-name", unique("cli-pool")))["UserPool"]["Id"]
    client_id = _json(
        aws(
            "create-user-pool-client",
            "--user-pool-id", pool_id,
            "--client-name", "cli-app",
            "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
        )
    )["UserPoolClient"]["ClientId"]
    username = unique("cli-user")
    address = unique_email("cli")

    signed_up = _json(
        aws(
            "sign-up",
            "--client-id", client_id,
            "--username", username,
            "--password", PASSWORD,
            "--user-attributes", f"Name=email,Value={address}",
        )
    )
    assert signed_up["UserConfirmed"] is False
    assert signed_up["UserSub"]

    aws("admin-confirm-sign-up", "--user-pool-id", pool_id, "--username", username)
    user = _json(aws("admin-get-user", "--user-pool-id", pool_id, "--username", username))
    assert user["UserStatus"] == "CONFIRMED"

    auth = _json(
        aws(
            "initiate-auth",
            "--client-id", client_id,
            "--auth-flow", "USER_PASSWORD_AUTH",
            "--auth-parameters", f"USERNAME={username},PASSWORD={PASSWORD}",
        )
    )
    result = auth["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    assert claims(result["IdToken"])["cognito:username"] == username
    assert claims(result["AccessToken"])["client_id"] == client_id


def test_cli_wrong_password_exits_non_zero_with_error_name(aws, cog, pool_id, client_id, user):
    proc = aws(
        "initiate-auth",
        "--client-id", client_id,
        "--auth-flow", "USER_PASSWORD_AUTH",
        "--auth-parameters", f"USERNAME={user},PASSWORD=Wr0ng-Password!",
        check=False,
    )
    assert proc.returncode != 0
    assert "NotAuthorizedException" in proc.stderr
    assert "Incorrect username or password." in proc.stderr


def test_cli_list_users_with_filter(aws, cog, pool_id):
    address = unique_email("cli-list")
    username = cog.create_user(pool_id, email=address)
    cog.create_user(pool_id)
    out = _json(aws("list-users", "--user-pool-id", pool_id, "--filter", f'email = "{address}"'))
    assert [u["Username"] for u in out["Users"]] == [username]


def test_cli_list_user_pools_pages_with_next_token(aws, cog):
    for _ in range(3):
        cog.create_pool()
    first = _json(aws("list-user-pools", "--max-results", "2"))
    assert 1 <= len(first["UserPools"]) <= 2
    assert first.get("NextToken"), "more pools exist than one page holds"
    second = _json(aws("list-user-pools", "--max-results", "2", "--next-token", first["NextToken"]))
    assert 1 <= len(second["UserPools"]) <= 2
    assert not {p["Id"] for p in first["UserPools"]} & {p["Id"] for p in second["UserPools"]}


def test_cli_describe_unknown_pool_reports_resource_not_found(aws):
    proc = aws("describe-user-pool", "--user-pool-id", "us-east-1_NoSuchPoo", check=False)
    assert proc.returncode != 0
    assert "ResourceNotFoundException" in proc.stderr
