"""USER_SRP_AUTH through pycognito's AWSSRP (the Cognito SRP-6a variant)."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

from cognate_testlib import OTHER_PASSWORD, PASSWORD, SUB_RE, raises_aws, unique, unique_email


def _srp(cog, pool_id, client, username, password=PASSWORD):
    return AWSSRP(
        username=username,
        password=password,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=cog.idp,
        client_secret=client.get("ClientSecret"),
    )


def test_srp_sign_in_returns_verifiable_tokens(cog, pool_id, client, user):
    resp = _srp(cog, pool_id, client, user).authenticate_user()
    result = resp["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    got = cog.verify(result["IdToken"], pool_id, audience=client["ClientId"])
    assert got["cognito:username"] == user
    assert cog.verify(result["AccessToken"], pool_id)["token_use"] == "access"
    assert result["RefreshToken"]


def test_srp_password_verifier_challenge_parameters(cog, pool_id, client, user):
    srp = _srp(cog, pool_id, client, user)
    resp = cog.idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
    )
    assert resp["ChallengeName"] == "PASSWORD_VERIFIER"
    params = resp["ChallengeParameters"]
    for key in ("SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"):
        assert params.get(key), key
    int(params["SALT"], 16)
    int(params["SRP_B"], 16)
    assert params["USER_ID_FOR_SRP"] == user


def test_srp_wrong_password_is_not_authorized(cog, pool_id, client, user):
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        _srp(cog, pool_id, client, user, "Wr0ng-Password!").authenticate_user()


def test_srp_unknown_user_with_prevent_user_existence_errors_is_not_authorized(cog, pool_id):
    client = cog.create_client(pool_id, PreventUserExistenceErrors="ENABLED")
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        _srp(cog, pool_id, client, unique("ghost")).authenticate_user()


def test_srp_with_client_secret(cog, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    resp = _srp(cog, pool_id, client, user).authenticate_user()
    assert resp["AuthenticationResult"]["AccessToken"]


def test_srp_after_password_change_uses_new_password(cog, idp, pool_id, client, user):
    idp.admin_set_user_password(UserPoolId=pool_id, Username=user, Password=OTHER_PASSWORD, Permanent=True)
    assert _srp(cog, pool_id, client, user, OTHER_PASSWORD).authenticate_user()["AuthenticationResult"]
    with raises_aws("NotAuthorizedException"):
        _srp(cog, pool_id, client, user, PASSWORD).authenticate_user()


def test_srp_for_email_username_pool_uses_sub_as_user_id(cog, idp):
    pool_id = cog.create_pool(UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False})
    client = cog.create_client(pool_id)
    address = unique_email("srp")
    idp.sign_up(ClientId=client["ClientId"], Username=address, Password=PASSWORD)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=address)
    srp = _srp(cog, pool_id, client, address)
    challenge = idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
    )
    assert SUB_RE.match(challenge["ChallengeParameters"]["USER_ID_FOR_SRP"])
    resp = _srp(cog, pool_id, client, address).authenticate_user()
    assert cog.verify(resp["AuthenticationResult"]["IdToken"], pool_id, audience=client["ClientId"])["email"] == address


def test_srp_invited_user_must_set_new_password(cog, idp, pool_id, client):
    username = unique("invited")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": unique_email()}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    with pytest.raises(ForceChangePasswordException):
        _srp(cog, pool_id, client, username).authenticate_user()
    _srp(cog, pool_id, client, username).set_new_password_challenge(OTHER_PASSWORD)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"
    assert _srp(cog, pool_id, client, username, OTHER_PASSWORD).authenticate_user()["AuthenticationResult"]
