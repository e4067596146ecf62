"""The gateway against a user pool that lives on another cognate (a remote issuer whose JWKS is
fetched over HTTP), and token expiry decided by the gateway's injected clock: a second server runs
with `clock_offset_secs` two hours ahead, so tokens the first one just issued are expired there."""

from __future__ import annotations

import pytest

from apigw_testlib import SecurePets, apigw_client
from cognate_testlib import FAST_ARGON2

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def issuer_side(cog):
    """A pool, an app client and a signed-in user on the session's server (the issuer)."""
    pool_id = cog.create_pool()
    pool_arn = cog.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    app = cog.create_client(pool_id)["ClientId"]
    user = cog.create_user(pool_id)
    return {"pool_id": pool_id, "arn": pool_arn, "app": app, "tokens": cog.tokens(app, user)}


def gateway_server(tmp_path_factory, cog, issuer_side, name: str, offset_secs: int):
    from conftest import start_server

    # Top-level keys come before the first table.
    config = f"clock_offset_secs = {offset_secs}\n" + FAST_ARGON2 + f"""
[gateway.remote_issuers]
"{issuer_side['pool_id']}" = "{cog.issuer(issuer_side['pool_id'])}"
"""
    return start_server(tmp_path_factory, name, config=config)


def deploy(srv, issuer_side, backend) -> SecurePets:
    return SecurePets(
        url=srv.url, ag=apigw_client(srv.url), pool_arn=issuer_side["arn"], client_id=issuer_side["app"], backend=backend
    ).build()


def test_remote_pool_tokens_are_verified_with_its_fetched_jwks(tmp_path_factory, cog, issuer_side, backend):
    srv = gateway_server(tmp_path_factory, cog, issuer_side, "gateway-remote", 0)
    try:
        pets = deploy(srv, issuer_side, backend)
        resp = pets.call("GET", "/pets", issuer_side["tokens"]["IdToken"])
        assert resp.status_code == 200, resp.text
        assert resp.json()["headers"]["x-user-sub"]
        resp = pets.call("GET", "/pets", "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ.e30.c2ln")
        assert resp.status_code == 401
    finally:
        srv.stop()


def test_expired_token_is_refused_with_the_expiry_message(tmp_path_factory, cog, issuer_side, backend):
    srv = gateway_server(tmp_path_factory, cog, issuer_side, "gateway-later", 2 * 3600)
    try:
        pets = deploy(srv, issuer_side, backend)
        resp = pets.call("GET", "/pets", issuer_side["tokens"]["IdToken"])
        assert resp.status_code == 401
        assert resp.json() == {"message": "The incoming token has expired"}
        resp = pets.call("POST", "/purchase", issuer_side["tokens"]["AccessToken"], json={})
        assert resp.status_code == 401
        assert resp.json() == {"message": "The incoming token has expired"}
    finally:
        srv.stop()
