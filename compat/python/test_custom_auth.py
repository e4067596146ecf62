"""CUSTOM_AUTH with boto3 against real Define/Create/VerifyAuthChallengeResponse hooks on loopback,
with and without pycognito's SRP password step first."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import AWSSRP

from cognate_testlib import PASSWORD, raises_aws, secret_hash, unique
from hook_server import HookFailure, HookServer, respond

SECRET = "seven.seven"
FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
INCORRECT = "Incorrect username or password."


def define(event):
    """SRP_A -> PASSWORD_VERIFIER -> CUSTOM_CHALLENGE; a right answer issues tokens, two wrong fail."""
    session = event["request"]["session"]
    last = session[-1] if session else None
    wrong = sum(1 for c in session if c["challengeName"] == "CUSTOM_CHALLENGE" and not c["challengeResult"])
    if last and last["challengeName"] == "SRP_A":
        return respond(event, challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    if last and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        return respond(event, issueTokens=True, failAuthentication=False)
    if wrong >= 2 or (last and last["challengeName"] == "PASSWORD_VERIFIER" and not last["challengeResult"]):
        return respond(event, issueTokens=False, failAuthentication=True)
    return respond(event, challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)


def create(event):
    round_ = len(event["request"]["session"]) + 1
    return respond(
        event,
        publicChallengeParameters={"question": "the secret number?"},
        privateChallengeParameters={"answer": SECRET},
        challengeMetadata=f"NUMBER-{round_}",
    )


def verify(event):
    request = event["request"]
    return respond(event, answerCorrect=request["challengeAnswer"] == request["privateChallengeParameters"]["answer"])


@pytest.fixture
def hooks():
    with HookServer() as server:
        server.on("define", define)
        server.on("create", create)
        server.on("verify", verify)
        yield server


@pytest.fixture
def custom_pool(cog, hooks):
    return cog.create_pool(
        LambdaConfig={
            "DefineAuthChallenge": hooks.url("define"),
            "CreateAuthChallenge": hooks.url("create"),
            "VerifyAuthChallengeResponse": hooks.url("verify"),
        }
    )


@pytest.fixture
def custom_client(cog, custom_pool):
    return cog.create_client(custom_pool, ExplicitAuthFlows=FLOWS)


@pytest.fixture
def alice(cog, custom_pool):
    return cog.create_user(custom_pool)


def initiate(idp, client_id, username, **params):
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": username, **params},
        ClientMetadata={"app": "compat"},
    )


def answer(idp, client_id, challenge, value, **extra):
    return idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": challenge["ChallengeParameters"]["USERNAME"], "ANSWER": value, **extra},
    )


def test_custom_challenge_answered_right_returns_verifiable_tokens(cog, idp, custom_pool, custom_client, alice):
    client_id = custom_client["ClientId"]
    challenge = initiate(idp, client_id, alice)
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert challenge["ChallengeParameters"] == {"question": "the secret number?", "USERNAME": alice}
    assert 20 <= len(challenge["Session"]) <= 2048
    assert SECRET not in str(challenge)
    done = answer(idp, client_id, challenge, SECRET)
    claims = cog.verify(done["AuthenticationResult"]["IdToken"], custom_pool, audience=client_id)
    assert claims["cognito:username"] == alice


def test_hooks_receive_cognito_events(idp, hooks, custom_pool, custom_client, alice):
    client_id = custom_client["ClientId"]
    answer(idp, client_id, initiate(idp, client_id, alice), SECRET)
    assert hooks.sources() == [
        "DefineAuthChallenge_Authentication",
        "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
        "DefineAuthChallenge_Authentication",
    ]
    first, second = hooks.events("define")
    assert first["userPoolId"] == custom_pool
    assert first["userName"] == alice
    assert first["callerContext"]["clientId"] == client_id
    assert first["request"]["session"] == []
    assert first["request"]["userNotFound"] is False
    assert first["request"]["clientMetadata"] == {"app": "compat"}
    assert first["request"]["userAttributes"]["email_verified"] == "true"
    assert second["request"]["session"] == [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "NUMBER-1"}
    ]
    (checked,) = hooks.events("verify")
    assert checked["request"]["privateChallengeParameters"] == {"answer": SECRET}
    assert checked["request"]["challengeAnswer"] == SECRET


def test_two_wrong_answers_fail_the_sign_in(idp, custom_client, alice):
    client_id = custom_client["ClientId"]
    challenge = initiate(idp, client_id, alice)
    again = answer(idp, client_id, challenge, "six")
    assert again["ChallengeName"] == "CUSTOM_CHALLENGE"
    with raises_aws("NotAuthorizedException", INCORRECT):
        answer(idp, client_id, again, "eight")


def test_a_session_is_single_use(idp, custom_client, alice):
    client_id = custom_client["ClientId"]
    challenge = initiate(idp, client_id, alice)
    answer(idp, client_id, challenge, SECRET)
    with raises_aws("NotAuthorizedException", "Invalid session for the user, session can only be used once."):
        answer(idp, client_id, challenge, SECRET)


def test_srp_password_then_custom_challenge_with_pycognito(cog, idp, hooks, custom_pool, custom_client, alice):
    client_id = custom_client["ClientId"]
    srp = AWSSRP(username=alice, password=PASSWORD, pool_id=custom_pool, client_id=client_id, client=idp)
    params = srp.get_auth_params()
    verifier = idp.initiate_auth(
        ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={**params, "CHALLENGE_NAME": "SRP_A"}
    )
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    challenge = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=verifier["Session"],
        ChallengeResponses=srp.process_challenge(verifier["ChallengeParameters"], params),
    )
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    done = answer(idp, client_id, challenge, SECRET)
    assert cog.verify(done["AuthenticationResult"]["AccessToken"], custom_pool)["username"] == alice
    sessions = [[c["challengeName"] for c in e["request"]["session"]] for e in hooks.events("define")]
    assert sessions == [
        ["SRP_A"],
        ["SRP_A", "PASSWORD_VERIFIER"],
        ["SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"],
    ]


def test_srp_with_a_wrong_password_is_not_authorized(idp, custom_pool, custom_client, alice):
    client_id = custom_client["ClientId"]
    srp = AWSSRP(username=alice, password="Wr0ng-Password!", pool_id=custom_pool, client_id=client_id, client=idp)
    params = srp.get_auth_params()
    verifier = idp.initiate_auth(
        ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={**params, "CHALLENGE_NAME": "SRP_A"}
    )
    with raises_aws("NotAuthorizedException", INCORRECT):
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="PASSWORD_VERIFIER",
            Session=verifier["Session"],
            ChallengeResponses=srp.process_challenge(verifier["ChallengeParameters"], params),
        )


def test_unknown_user_runs_hooks_with_user_not_found_then_fails(cog, idp, hooks, custom_pool):
    client_id = cog.create_client(custom_pool, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")[
        "ClientId"
    ]
    ghost = unique("ghost")
    challenge = initiate(idp, client_id, ghost)
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    with raises_aws("NotAuthorizedException", INCORRECT):
        answer(idp, client_id, challenge, SECRET)
    for name in ("define", "create", "verify"):
        for event in hooks.events(name):
            assert event["userName"] == ghost
            assert event["request"]["userNotFound"] is True


def test_unknown_user_is_user_not_found_without_prevention(idp, hooks, custom_client):
    with raises_aws("UserNotFoundException", "User does not exist."):
        initiate(idp, custom_client["ClientId"], unique("ghost"))
    assert hooks.sources() == []


def test_client_with_secret_needs_secret_hash(cog, idp, custom_pool, alice):
    client = cog.create_client(custom_pool, ExplicitAuthFlows=FLOWS, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    with raises_aws("NotAuthorizedException"):
        initiate(idp, client_id, alice)
    hashed = secret_hash(alice, client_id, secret)
    challenge = initiate(idp, client_id, alice, SECRET_HASH=hashed)
    done = answer(idp, client_id, challenge, SECRET, SECRET_HASH=hashed)
    assert done["AuthenticationResult"]["IdToken"]


def test_failing_create_hook_is_user_lambda_validation(idp, hooks, custom_client, alice):
    def refuse(event):
        raise HookFailure("no phone on file")

    hooks.on("create", refuse)
    with raises_aws("UserLambdaValidationException", "CreateAuthChallenge failed with error no phone on file."):
        initiate(idp, custom_client["ClientId"], alice)


def test_pool_without_custom_auth_triggers_is_invalid_parameter(cog, idp):
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id, ExplicitAuthFlows=FLOWS)["ClientId"]
    user = cog.create_user(pool_id)
    with raises_aws(
        "InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool."
    ):
        initiate(idp, client_id, user)


def test_client_without_allow_custom_auth_is_refused(cog, idp, custom_pool, alice):
    client_id = cog.create_client(custom_pool)["ClientId"]
    with raises_aws("InvalidParameterException", "CUSTOM_AUTH flow not enabled for this client"):
        initiate(idp, client_id, alice)
