"""Tokens as a resource server sees them: verified with PyJWT against the pool's JWKS."""

from __future__ import annotations

import jwt
import pytest
import requests

from conftest import start_server
from cognate_testlib import SUB_RE, Cog, boto_client, claims, header, unique_email


@pytest.fixture
def signed_in(cog, pool_id, client_id):
    address = unique_email()
    username = cog.create_user(pool_id, email=address, extra_attributes={"custom:tier": "gold", "custom:score": "42"})
    tokens = cog.tokens(client_id, username)
    return {"username": username, "email": address, "tokens": tokens}


def test_jwks_lists_rsa_signing_keys(cog, pool_id):
    resp = requests.get(cog.jwks_url(pool_id), timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    keys = resp.json()["keys"]
    assert len(keys) >= 2
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["alg"] == "RS256"
        assert key["use"] == "sig"
        assert key["kid"]
        assert key["e"] and key["n"]
        assert "d" not in key and "p" not in key, "private key material in the JWKS"
    assert len({k["kid"] for k in keys}) == len(keys)


def test_jwks_of_unknown_pool_is_404(cog):
    resp = requests.get(cog.jwks_url("us-east-1_NoSuchPoo"), timeout=10)
    assert resp.status_code == 404


def test_pools_have_distinct_signing_keys(cog):
    a, b = cog.create_pool(), cog.create_pool()
    kids_a = {k["kid"] for k in requests.get(cog.jwks_url(a), timeout=10).json()["keys"]}
    kids_b = {k["kid"] for k in requests.get(cog.jwks_url(b), timeout=10).json()["keys"]}
    assert not kids_a & kids_b


def test_openid_configuration_names_issuer_and_jwks_uri(cog, pool_id):
    resp = requests.get(f"{cog.url}/{pool_id}/.well-known/openid-configuration", timeout=10)
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["issuer"] == cog.issuer(pool_id)
    assert doc["jwks_uri"] == cog.jwks_url(pool_id)
    assert "RS256" in doc.get("id_token_signing_alg_values_supported", ["RS256"])


def test_id_token_verifies_with_pyjwt(cog, pool_id, client_id, signed_in):
    token = signed_in["tokens"]["IdToken"]
    got = cog.verify(token, pool_id, audience=client_id)
    assert got["token_use"] == "id"
    assert got["aud"] == client_id
    assert got["iss"] == cog.issuer(pool_id)
    assert SUB_RE.match(got["sub"])
    assert got["cognito:username"] == signed_in["username"]
    assert got["email"] == signed_in["email"]
    for claim in ("auth_time", "exp", "iat", "jti", "origin_jti", "event_id"):
        assert claim in got, claim


def test_id_token_header_is_rs256_with_kid(signed_in):
    h = header(signed_in["tokens"]["IdToken"])
    assert h["alg"] == "RS256"
    assert h["kid"]


def test_access_token_verifies_with_pyjwt(cog, pool_id, client_id, signed_in):
    token = signed_in["tokens"]["AccessToken"]
    got = cog.verify(token, pool_id)  # no audience: PyJWT then also checks that `aud` is absent
    assert got["token_use"] == "access"
    assert got["client_id"] == client_id
    assert "aud" not in got
    assert got["scope"] == "aws.cognito.signin.user.admin"
    assert got["username"] == signed_in["username"]
    assert got["version"] == 2
    for claim in ("auth_time", "exp", "iat", "jti", "origin_jti", "event_id"):
        assert claim in got, claim


def test_id_and_access_tokens_use_different_keys(cog, pool_id, signed_in):
    id_kid = header(signed_in["tokens"]["IdToken"])["kid"]
    access_kid = header(signed_in["tokens"]["AccessToken"])["kid"]
    assert id_kid != access_kid
    kids = {k["kid"] for k in requests.get(cog.jwks_url(pool_id), timeout=10).json()["keys"]}
    assert {id_kid, access_kid} <= kids


def test_id_and_access_tokens_share_sub_and_auth_time(signed_in):
    id_claims = claims(signed_in["tokens"]["IdToken"])
    access_claims = claims(signed_in["tokens"]["AccessToken"])
    assert id_claims["sub"] == access_claims["sub"]
    assert id_claims["auth_time"] == access_claims["auth_time"]
    assert id_claims["origin_jti"] == access_claims["origin_jti"]
    assert id_claims["jti"] != access_claims["jti"]


def test_id_token_types_email_verified_as_boolean_and_custom_attributes_as_strings(signed_in):
    got = claims(signed_in["tokens"]["IdToken"])
    assert got["email_verified"] is True
    assert got["custom:tier"] == "gold"
    assert got["custom:score"] == "42", "custom attributes are strings, numbers included"


def test_id_token_with_wrong_audience_fails_verification(cog, pool_id, signed_in):
    with pytest.raises(jwt.InvalidAudienceError):
        cog.verify(signed_in["tokens"]["IdToken"], pool_id, audience="someone-else")


def test_token_of_one_pool_does_not_verify_with_another_pools_jwks(cog, pool_id, signed_in):
    other = cog.create_pool()
    with pytest.raises(jwt.PyJWKClientError):
        cog.verify(signed_in["tokens"]["IdToken"], other)


def test_tampered_token_fails_verification(cog, pool_id, client_id, signed_in):
    head, payload, sig = signed_in["tokens"]["IdToken"].split(".")
    import base64
    import json

    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["cognito:username"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        cog.verify(f"{head}.{forged}.{sig}", pool_id, audience=client_id)


def test_default_validity_is_one_hour(signed_in):
    for key in ("IdToken", "AccessToken"):
        got = claims(signed_in["tokens"][key])
        assert got["exp"] - got["iat"] == 3600, key


def test_configured_validity_sets_exp(cog, pool_id, user):
    client_id = cog.create_client(
        pool_id,
        IdTokenValidity=2,
        AccessTokenValidity=30,
        TokenValidityUnits={"IdToken": "hours", "AccessToken": "minutes"},
    )["ClientId"]
    tokens = cog.tokens(client_id, user)
    id_claims = claims(tokens["IdToken"])
    access_claims = claims(tokens["AccessToken"])
    assert id_claims["exp"] - id_claims["iat"] == 2 * 3600
    assert access_claims["exp"] - access_claims["iat"] == 30 * 60
    assert tokens["ExpiresIn"] == 30 * 60


def test_validity_without_units_is_in_default_units(cog, pool_id, user):
    # Without TokenValidityUnits, id/access validity is in hours.
    client_id = cog.create_client(pool_id, IdTokenValidity=5, AccessTokenValidity=4)["ClientId"]
    tokens = cog.tokens(client_id, user)
    assert claims(tokens["IdToken"])["exp"] - claims(tokens["IdToken"])["iat"] == 5 * 3600
    assert claims(tokens["AccessToken"])["exp"] - claims(tokens["AccessToken"])["iat"] == 4 * 3600


def test_refreshed_tokens_verify_with_pyjwt(cog, idp, pool_id, client_id, signed_in):
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": signed_in["tokens"]["RefreshToken"]},
    )["AuthenticationResult"]
    assert cog.verify(refreshed["IdToken"], pool_id, audience=client_id)["token_use"] == "id"
    assert cog.verify(refreshed["AccessToken"], pool_id)["token_use"] == "access"


# --- --issuer-url ---------------------------------------------------------------------------------

PUBLIC_ISSUER = "https://auth.example.test/cognito"


@pytest.fixture(scope="module")
def issuer_cog(tmp_path_factory):
    srv = start_server(tmp_path_factory, "cognate-issuer", extra_args=["--issuer-url", PUBLIC_ISSUER])
    yield Cog(server=srv, idp=boto_client(srv.url), raw=boto_client(srv.url, validate=False))
    srv.stop()


def test_issuer_url_sets_iss_claim(issuer_cog):
    pool_id = issuer_cog.create_pool()
    client_id = issuer_cog.create_client(pool_id)["ClientId"]
    username = issuer_cog.create_user(pool_id)
    tokens = issuer_cog.tokens(client_id, username)
    expected = f"{PUBLIC_ISSUER}/{pool_id}"
    assert issuer_cog.verify(tokens["IdToken"], pool_id, audience=client_id, issuer=expected)["iss"] == expected
    assert issuer_cog.verify(tokens["AccessToken"], pool_id, issuer=expected)["iss"] == expected


def test_issuer_url_sets_openid_configuration_issuer(issuer_cog):
    pool_id = issuer_cog.create_pool()
    doc = requests.get(f"{issuer_cog.url}/{pool_id}/.well-known/openid-configuration", timeout=10).json()
    assert doc["issuer"] == f"{PUBLIC_ISSUER}/{pool_id}"
    assert doc["jwks_uri"] == f"{PUBLIC_ISSUER}/{pool_id}/.well-known/jwks.json"
