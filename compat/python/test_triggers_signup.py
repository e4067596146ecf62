"""PreSignUp, PostConfirmation, CustomMessage and UserMigration with boto3 against real hooks on
loopback (hook_server.HookServer): the events cognate sends and what the hooks' answers change."""

from __future__ import annotations

import re

import pytest

from cognate_testlib import FAST_ARGON2, PASSWORD, Cog, boto_client, claims, free_port, raises_aws, unique, unique_email
from conftest import start_server
from hook_server import HookFailure, HookServer, respond

LEGACY_PASSWORD = "Legacy-Passw0rd!"


@pytest.fixture
def hooks():
    with HookServer() as server:
        yield server


def _pool_and_client(cog, **lambda_config):
    pool_id = cog.create_pool(LambdaConfig=lambda_config)
    return pool_id, cog.create_client(pool_id)["ClientId"]


# --- PreSignUp ------------------------------------------------------------------------------------


def test_pre_sign_up_auto_confirm_and_verify_confirms_without_code(cog, hooks):
    hooks.on("pre", lambda e: respond(e, autoConfirmUser=True, autoVerifyEmail=True))
    pool_id, client_id = _pool_and_client(cog, PreSignUp=hooks.url("pre"))
    email = unique_email("auto")
    username = unique("auto")
    resp = cog.idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
        ValidationData=[{"Name": "invite", "Value": "XYZ"}],
        ClientMetadata={"source": "compat"},
    )
    assert resp["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in resp
    event = hooks.events("pre")[0]
    assert event["triggerSource"] == "PreSignUp_SignUp"
    assert event["userName"] == username
    assert event["userPoolId"] == pool_id
    assert event["callerContext"]["clientId"] == client_id
    assert event["request"]["userAttributes"] == {"email": email}
    assert event["request"]["validationData"] == {"invite": "XYZ"}
    assert event["request"]["clientMetadata"] == {"source": "compat"}
    user = cog.user(pool_id, username)
    assert user["UserStatus"] == "CONFIRMED"
    assert cog.user_attrs(pool_id, username)["email_verified"] == "true"
    id_token = cog.tokens(client_id, username)["IdToken"]
    assert claims(id_token)["email_verified"] is True


def test_pre_sign_up_rejection_is_user_lambda_validation_and_no_user(cog, hooks):
    def reject(event):
        raise HookFailure("Sign-ups from this domain are closed")

    hooks.on("pre", reject)
    pool_id, client_id = _pool_and_client(cog, PreSignUp=hooks.url("pre"))
    username = unique("rejected")
    with raises_aws(
        "UserLambdaValidationException", "PreSignUp failed with error Sign-ups from this domain are closed."
    ):
        cog.sign_up(client_id, username=username)
    with raises_aws("UserNotFoundException"):
        cog.user(pool_id, username)


def test_pre_sign_up_hook_timeout_is_unexpected_lambda(cog, hooks):
    hooks.slow("pre", 6)
    pool_id, client_id = _pool_and_client(cog, PreSignUp=hooks.url("pre"))
    username = unique("slow")
    with raises_aws("UnexpectedLambdaException"):
        cog.sign_up(client_id, username=username)
    with raises_aws("UserNotFoundException"):
        cog.user(pool_id, username)


def test_pre_sign_up_unreachable_hook_is_unexpected_lambda(cog):
    url = f"http://127.0.0.1:{free_port()}/nobody"
    _, client_id = _pool_and_client(cog, PreSignUp=url)
    with raises_aws("UnexpectedLambdaException"):
        cog.sign_up(client_id)


# --- PostConfirmation -----------------------------------------------------------------------------


def test_post_confirmation_event_after_confirm_sign_up(cog, server, hooks):
    hooks.on("post", lambda e: e)
    pool_id, client_id = _pool_and_client(cog, PostConfirmation=hooks.url("post"))
    username, resp = cog.sign_up(client_id)
    assert hooks.events("post") == []
    code = server.wait_code(username, "SignUp")
    cog.idp.confirm_sign_up(
        ClientId=client_id, Username=username, ConfirmationCode=code, ClientMetadata={"step": "confirm"}
    )
    (event,) = hooks.events("post")
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["userName"] == username
    assert event["callerContext"]["clientId"] == client_id
    attributes = event["request"]["userAttributes"]
    assert attributes["sub"] == resp["UserSub"]
    assert attributes["cognito:user_status"] == "CONFIRMED"
    assert attributes["email_verified"] == "true"
    assert event["request"]["clientMetadata"] == {"step": "confirm"}


def test_post_confirmation_failure_keeps_user_confirmed(cog, hooks):
    def fail(event):
        raise HookFailure("CRM unavailable")

    hooks.on("post", fail)
    pool_id, client_id = _pool_and_client(cog, PostConfirmation=hooks.url("post"))
    username, _ = cog.sign_up(client_id)
    with raises_aws("UserLambdaValidationException", "PostConfirmation failed with error CRM unavailable."):
        cog.idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"


# --- CustomMessage --------------------------------------------------------------------------------


def _custom_message(event):
    source = event["triggerSource"]
    return respond(
        event,
        emailSubject=f"Welcome ({source})",
        emailMessage=f"Hello {{username}}, your code is {{####}} [{source}]",
        smsMessage="code {####}",
    )


def test_custom_message_changes_the_delivered_sign_up_mail(smtp_cog, smtp_sink, hooks):
    cog = smtp_cog
    hooks.on("custom", _custom_message)
    pool_id, client_id = _pool_and_client(cog, CustomMessage=hooks.url("custom"))
    address = unique_email("custom")
    mark = smtp_sink.mark()
    username, _ = cog.sign_up(client_id, email=address)
    mail = smtp_sink.wait_for(address, since=mark)
    assert mail.subject == "Welcome (CustomMessage_SignUp)"
    found = re.search(r"^Hello (\S+), your code is (\d{6}) \[CustomMessage_SignUp\]$", mail.text.strip())
    assert found, mail.text
    assert found.group(1) == username
    code = found.group(2)
    (event,) = hooks.events("custom")
    assert event["triggerSource"] == "CustomMessage_SignUp"
    assert event["request"]["codeParameter"] == "{####}"
    assert event["request"]["usernameParameter"] is None
    assert event["request"]["userAttributes"]["email"] == address
    cog.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"


def test_custom_message_code_is_the_logged_code(cog, server, hooks):
    hooks.on("custom", _custom_message)
    pool_id, client_id = _pool_and_client(cog, CustomMessage=hooks.url("custom"))
    mark = server.mark()
    username, _ = cog.sign_up(client_id)
    code = server.wait_code(username, "SignUp", since=mark)
    event = server.events_for(username, since=mark)[-1]
    assert event.fields["medium"] == "EMAIL"
    assert hooks.sources() == ["CustomMessage_SignUp"]
    cog.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"


def test_custom_message_changes_the_invitation_mail(smtp_cog, smtp_sink, hooks):
    cog = smtp_cog
    hooks.on("custom", _custom_message)
    pool_id, _ = _pool_and_client(cog, CustomMessage=hooks.url("custom"))
    address = unique_email("invite")
    username = unique("invited")
    mark = smtp_sink.mark()
    cog.idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword="Temp-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": address}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    mail = smtp_sink.wait_for(address, since=mark)
    assert mail.subject == "Welcome (CustomMessage_AdminCreateUser)"
    assert f"Hello {username}, your code is Temp-Passw0rd!" in mail.text
    (event,) = hooks.events("custom")
    assert event["request"]["usernameParameter"] == "{username}"


def test_custom_message_without_code_placeholder_sends_the_default(smtp_cog, smtp_sink, hooks):
    cog = smtp_cog
    hooks.on("custom", lambda e: respond(e, emailSubject="Nope", emailMessage="no code here"))
    _, client_id = _pool_and_client(cog, CustomMessage=hooks.url("custom"))
    address = unique_email("default")
    mark = smtp_sink.mark()
    cog.sign_up(client_id, email=address)
    mail = smtp_sink.wait_for(address, since=mark)
    assert mail.subject != "Nope"
    assert "no code here" not in mail.text
    assert mail.code()


# --- UserMigration --------------------------------------------------------------------------------


def _legacy_directory(known: dict[str, str]):
    """A migration hook backed by a dict of username -> password."""

    def migrate(event):
        name = event["userName"]
        request = event["request"]
        if name not in known:
            raise HookFailure("User does not exist")
        if event["triggerSource"] == "UserMigration_Authentication" and request["password"] != known[name]:
            raise HookFailure("Bad password")
        signing_in = event["triggerSource"] == "UserMigration_Authentication"
        return respond(
            event,
            userAttributes={"email": f"{name}@legacy.example.com", "email_verified": "true"},
            finalUserStatus="CONFIRMED" if signing_in else "RESET_REQUIRED",
            messageAction="SUPPRESS",
        )

    return migrate


def test_user_migration_sign_in_returns_tokens_then_signs_in_without_the_hook(cog, hooks):
    username = unique("legacy")
    hooks.on("migrate", _legacy_directory({username: LEGACY_PASSWORD}))
    pool_id, client_id = _pool_and_client(cog, UserMigration=hooks.url("migrate"))
    resp = cog.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": LEGACY_PASSWORD},
        ClientMetadata={"app": "compat"},
    )
    id_claims = cog.verify(resp["AuthenticationResult"]["IdToken"], pool_id, audience=client_id)
    assert id_claims["cognito:username"] == username
    assert id_claims["email"] == f"{username}@legacy.example.com"
    (event,) = hooks.events("migrate")
    assert event["triggerSource"] == "UserMigration_Authentication"
    assert event["request"]["password"] == LEGACY_PASSWORD
    assert event["request"]["clientMetadata"] == {"app": "compat"}
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"

    def must_not_run(event):
        raise HookFailure("must not be called")

    hooks.on("migrate", must_not_run)
    again = cog.tokens(client_id, username, LEGACY_PASSWORD)
    assert again["AccessToken"]
    assert len(hooks.events("migrate")) == 1


def test_user_migration_wrong_password_is_user_not_found(cog, hooks):
    username = unique("legacy")
    hooks.on("migrate", _legacy_directory({username: LEGACY_PASSWORD}))
    pool_id, client_id = _pool_and_client(cog, UserMigration=hooks.url("migrate"))
    with raises_aws("UserNotFoundException", f"Exception migrating user in app client {client_id}"):
        cog.sign_in(client_id, username, "Wrong-Passw0rd!")
    with raises_aws("UserNotFoundException"):
        cog.user(pool_id, username)


def test_user_migration_forgot_password_creates_user_and_sends_reset_code(cog, server, hooks):
    username = unique("legacy")
    hooks.on("migrate", _legacy_directory({username: LEGACY_PASSWORD}))
    pool_id, client_id = _pool_and_client(cog, UserMigration=hooks.url("migrate"))
    mark = server.mark()
    resp = cog.idp.forgot_password(ClientId=client_id, Username=username)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert hooks.events("migrate")[0]["triggerSource"] == "UserMigration_ForgotPassword"
    assert cog.user(pool_id, username)["UserStatus"] == "RESET_REQUIRED"
    code = server.wait_code(username, "ForgotPassword", since=mark)
    cog.idp.confirm_forgot_password(
        ClientId=client_id, Username=username, ConfirmationCode=code, Password="N3w-Passw0rd!"
    )
    assert cog.tokens(client_id, username, "N3w-Passw0rd!")["AccessToken"]


# --- Lambda ARNs mapped to hooks ------------------------------------------------------------------

PRE_SIGN_UP_ARN = "arn:aws:lambda:us-east-1:000000000000:function:pre-sign-up"


def test_lambda_arn_mapped_in_triggers_config_runs_its_hook_and_unmapped_arn_is_unexpected_lambda(
    tmp_path_factory, hooks
):
    hooks.on("pre", lambda e: respond(e, autoConfirmUser=True))
    config = FAST_ARGON2 + f'\n[triggers]\n"{PRE_SIGN_UP_ARN}" = "{hooks.url("pre")}"\n'
    srv = start_server(tmp_path_factory, "cognate-triggers", config=config)
    try:
        cog = Cog(server=srv, idp=boto_client(srv.url), raw=boto_client(srv.url, validate=False))
        _, client_id = _pool_and_client(cog, PreSignUp=PRE_SIGN_UP_ARN)
        username = unique("arn")
        _, resp = cog.sign_up(client_id, username=username)
        assert resp["UserConfirmed"] is True
        assert [e["userName"] for e in hooks.events("pre")] == [username]

        _, other = _pool_and_client(
            cog, PreSignUp="arn:aws:lambda:us-east-1:000000000000:function:not-mapped"
        )
        with raises_aws("UnexpectedLambdaException"):
            cog.sign_up(other)
    finally:
        srv.stop()
