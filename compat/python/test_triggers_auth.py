"""PreAuthentication, PostAuthentication and PreTokenGeneration (versions 1 and 2) with boto3
and pycognito against real hooks on loopback (hook_server.HookServer): the events cognate sends,
and what the hooks' answers do to the sign-in and to the tokens' claims."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import AWSSRP

from cognate_testlib import PASSWORD, claims, raises_aws, unique
from hook_server import HookFailure, HookServer, respond


@pytest.fixture
def hooks():
    with HookServer() as server:
        yield server


def _pool_and_client(cog, **lambda_config):
    pool_id = cog.create_pool(LambdaConfig=lambda_config)
    return pool_id, cog.create_client(pool_id)


def _refuse(message):
    def handler(_event):
        raise HookFailure(message)

    return handler


def _groups(cog, pool_id, username, *groups):
    for name, precedence, role in groups:
        cog.idp.create_group(UserPoolId=pool_id, GroupName=name, Precedence=precedence, RoleArn=role)
        cog.idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=name)


ADMIN_ROLE = "arn:aws:iam::123456789012:role/admin"
STAFF_ROLE = "arn:aws:iam::123456789012:role/staff"


# --- PreAuthentication ----------------------------------------------------------------------------


def test_pre_authentication_rejection_is_user_lambda_validation_and_no_tokens(cog, hooks):
    hooks.on("pre-auth", _refuse("Sign-in is closed for maintenance"))
    pool_id, client = _pool_and_client(cog, PreAuthentication=hooks.url("pre-auth"))
    username = cog.create_user(pool_id)
    with raises_aws(
        "UserLambdaValidationException",
        "PreAuthentication failed with error Sign-in is closed for maintenance.",
    ):
        cog.idp.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            ClientMetadata={"channel": "kiosk"},
        )
    event = hooks.events("pre-auth")[0]
    assert event["triggerSource"] == "PreAuthentication_Authentication"
    assert event["userName"] == username
    assert event["userPoolId"] == pool_id
    assert event["callerContext"]["clientId"] == client["ClientId"]
    assert event["request"]["validationData"] == {"channel": "kiosk"}
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["userNotFound"] is False


def test_pre_authentication_accepting_lets_the_sign_in_through(cog, hooks):
    hooks.on("pre-auth", lambda e: e)
    pool_id, client = _pool_and_client(cog, PreAuthentication=hooks.url("pre-auth"))
    username = cog.create_user(pool_id)
    assert cog.tokens(client["ClientId"], username)["IdToken"]
    assert len(hooks.events("pre-auth")) == 1


# --- PostAuthentication ---------------------------------------------------------------------------


def test_post_authentication_event_after_srp_sign_in(cog, hooks):
    hooks.on("post-auth", lambda e: e)
    pool_id, client = _pool_and_client(cog, PostAuthentication=hooks.url("post-auth"))
    username = cog.create_user(pool_id)
    srp = AWSSRP(
        username=username,
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=cog.idp,
    )
    result = srp.authenticate_user(client_metadata={"app": "tv"})["AuthenticationResult"]
    assert claims(result["IdToken"])["cognito:username"] == username
    events = hooks.events("post-auth")
    assert len(events) == 1
    event = events[0]
    assert event["triggerSource"] == "PostAuthentication_Authentication"
    assert event["userName"] == username
    assert event["request"]["newDeviceUsed"] is False
    assert event["request"]["clientMetadata"] == {"app": "tv"}
    assert event["request"]["userAttributes"]["email_verified"] == "true"


def test_post_authentication_failure_means_no_tokens(cog, hooks):
    hooks.on("post-auth", _refuse("audit log unavailable"))
    pool_id, client = _pool_and_client(cog, PostAuthentication=hooks.url("post-auth"))
    username = cog.create_user(pool_id)
    with raises_aws("UserLambdaValidationException", "PostAuthentication failed with error audit log unavailable."):
        cog.sign_in(client["ClientId"], username)


# --- PreTokenGeneration, version 1 ----------------------------------------------------------------


def test_pre_token_generation_v1_adds_overrides_suppresses_and_overrides_groups(cog, hooks):
    hooks.on(
        "pre-token",
        lambda e: respond(
            e,
            claimsOverrideDetails={
                "claimsToAddOrOverride": {"tenant": "acme", "email": "shown@example.com", "sub": "forged"},
                "claimsToSuppress": ["email_verified"],
                "groupOverrideDetails": {
                    "groupsToOverride": ["readers"],
                    "iamRolesToOverride": ["arn:aws:iam::123456789012:role/reader"],
                    "preferredRole": "arn:aws:iam::123456789012:role/reader",
                },
            },
        ),
    )
    pool_id, client = _pool_and_client(cog, PreTokenGeneration=hooks.url("pre-token"))
    username = cog.create_user(pool_id)
    _groups(cog, pool_id, username, ("admins", 1, ADMIN_ROLE), ("staff", 2, STAFF_ROLE))
    tokens = cog.tokens(client["ClientId"], username)
    id_claims = cog.verify(tokens["IdToken"], pool_id, audience=client["ClientId"])
    access = cog.verify(tokens["AccessToken"], pool_id)
    assert id_claims["tenant"] == "acme"
    assert id_claims["email"] == "shown@example.com"
    assert "email_verified" not in id_claims
    assert id_claims["sub"] != "forged"
    assert id_claims["cognito:groups"] == ["readers"]
    assert id_claims["cognito:roles"] == ["arn:aws:iam::123456789012:role/reader"]
    assert id_claims["cognito:preferred_role"] == "arn:aws:iam::123456789012:role/reader"
    assert access["cognito:groups"] == ["readers"]
    assert "tenant" not in access
    event = hooks.events("pre-token")[0]
    assert event["version"] == "1"
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["groupConfiguration"] == {
        "groupsToOverride": ["admins", "staff"],
        "iamRolesToOverride": [ADMIN_ROLE, STAFF_ROLE],
        "preferredRole": ADMIN_ROLE,
    }


def test_pre_token_generation_on_refresh_has_the_refresh_source(cog, hooks):
    hooks.on("pre-token", lambda e: respond(e, claimsOverrideDetails={"claimsToAddOrOverride": {"tenant": "acme"}}))
    pool_id, client = _pool_and_client(cog, PreTokenGeneration=hooks.url("pre-token"))
    username = cog.create_user(pool_id)
    refresh_token = cog.tokens(client["ClientId"], username)["RefreshToken"]
    refreshed = cog.idp.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
        ClientMetadata={"why": "refresh"},
    )["AuthenticationResult"]
    assert claims(refreshed["IdToken"])["tenant"] == "acme"
    events = hooks.events("pre-token")
    assert [e["triggerSource"] for e in events] == [
        "TokenGeneration_Authentication",
        "TokenGeneration_RefreshTokens",
    ]
    assert events[1]["request"]["clientMetadata"] == {"why": "refresh"}


# --- PreTokenGeneration, version 2 ----------------------------------------------------------------


def test_pre_token_generation_v2_access_token_claims_and_scopes(cog, hooks):
    hooks.on(
        "pre-token",
        lambda e: respond(
            e,
            claimsAndScopeOverrideDetails={
                "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}},
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"tenant": {"id": 7}, "roles": ["a", "b"], "quota": 10},
                    "scopesToAdd": ["orders/read", "orders/write"],
                    "scopesToSuppress": ["orders/write"],
                },
            },
        ),
    )
    pool_id, client = _pool_and_client(
        cog, PreTokenGenerationConfig={"LambdaVersion": "V2_0", "LambdaArn": hooks.url("pre-token")}
    )
    username = cog.create_user(pool_id)
    tokens = cog.tokens(client["ClientId"], username)
    access = cog.verify(tokens["AccessToken"], pool_id)
    assert access["tenant"] == {"id": 7}
    assert access["roles"] == ["a", "b"]
    assert access["quota"] == 10
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "orders/read"]
    assert claims(tokens["IdToken"])["tier"] == "gold"
    assert "tier" not in access
    event = hooks.events("pre-token")[0]
    assert event["version"] == "2"
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    # The access token still works with the API.
    assert cog.idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == username


# --- LambdaConfig ---------------------------------------------------------------------------------


def test_describe_user_pool_round_trips_pre_token_generation_config(cog, hooks):
    url = hooks.url("pre-token")
    pool_id = cog.create_pool(LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": url}})
    lambda_config = cog.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
    assert lambda_config["PreTokenGeneration"] == url
    assert lambda_config["PreTokenGenerationConfig"] == {"LambdaVersion": "V2_0", "LambdaArn": url}

    cog.idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PreTokenGeneration": url})
    lambda_config = cog.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
    assert lambda_config["PreTokenGenerationConfig"] == {"LambdaVersion": "V1_0", "LambdaArn": url}


def test_pre_token_generation_config_with_another_arn_is_invalid(cog, hooks):
    with raises_aws("InvalidParameterException"):
        cog.idp.create_user_pool(
            PoolName=unique("pool"),
            LambdaConfig={
                "PreTokenGeneration": hooks.url("a"),
                "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": hooks.url("b")},
            },
        )
