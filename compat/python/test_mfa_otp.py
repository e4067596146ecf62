"""SMS_MFA and EMAIL_OTP with boto3: SMS codes arrive at a webhook (`[sms] webhook_url`), e-mail
codes are read from the server log; SELECT_MFA_TYPE chooses between factors."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cognate_testlib import FAST_ARGON2, Cog, boto_client, raises_aws, unique
from conftest import start_server

PHONE = "+15555550123"
SNS = {"SnsCallerArn": "arn:aws:iam::000000000000:role/cognito-sns", "ExternalId": "cognate"}


class SmsCatcher:
    """A webhook on 127.0.0.1 that records every JSON body POSTed to it and answers `status`."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.status = 200
        self._cond = threading.Condition()
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with catcher._cond:
                    catcher.messages.append(json.loads(body))
                    catcher._cond.notify_all()
                self.send_response(catcher.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, username: str, since: int, timeout: float = 10.0) -> dict:
        with self._cond:
            found = self._cond.wait_for(
                lambda: any(m["username"] == username for m in self.messages[since:]), timeout
            )
            assert found, f"no SMS for {username} reached the webhook"
            return [m for m in self.messages[since:] if m["username"] == username][-1]

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def sms():
    catcher = SmsCatcher()
    yield catcher
    catcher.close()


@pytest.fixture(scope="module")
def sms_server(tmp_path_factory, sms):
    config = FAST_ARGON2 + f'\n[sms]\nwebhook_url = "{sms.url}"\n'
    srv = start_server(tmp_path_factory, "cognate-sms", config=config)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def scog(sms_server) -> Cog:
    return Cog(server=sms_server, idp=boto_client(sms_server.url), raw=boto_client(sms_server.url, validate=False))


@pytest.fixture
def otp_pool(scog):
    """A pool offering SMS (its own template), e-mail and TOTP factors, MFA OPTIONAL, and a client."""
    pool_id = scog.create_pool(SmsConfiguration=SNS)
    scog.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Sign-in code {####}", "SmsConfiguration": SNS},
        EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Sign-in code"},
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    return pool_id, scog.create_client(pool_id)["ClientId"]


@pytest.fixture
def phone_user(scog, otp_pool):
    pool_id, _ = otp_pool
    return scog.create_user(pool_id, extra_attributes={"phone_number": PHONE})


def respond(scog, client_id, challenge, username, **responses):
    return scog.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName=challenge["ChallengeName"],
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, **responses},
    )


def test_mfa_config_round_trips_through_boto3(scog, otp_pool):
    pool_id, _ = otp_pool
    got = scog.idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert got["SmsMfaConfiguration"] == {"SmsAuthenticationMessage": "Sign-in code {####}", "SmsConfiguration": SNS}
    assert got["EmailMfaConfiguration"] == {"Message": "Your code is {####}", "Subject": "Sign-in code"}
    assert got["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert got["MfaConfiguration"] == "OPTIONAL"


def test_sms_template_without_placeholder_is_invalid(scog, otp_pool):
    pool_id, _ = otp_pool
    with raises_aws("InvalidParameterException"):
        scog.idp.set_user_pool_mfa_config(
            UserPoolId=pool_id, SmsMfaConfiguration={"SmsAuthenticationMessage": "no code at all"}
        )


def test_enabling_sms_needs_a_phone_number(scog, otp_pool):
    pool_id, _ = otp_pool
    username = scog.create_user(pool_id)
    with raises_aws("InvalidParameterException"):
        scog.idp.admin_set_user_mfa_preference(
            UserPoolId=pool_id, Username=username, SMSMfaSettings={"Enabled": True}
        )


def test_sms_mfa_code_reaches_the_webhook_and_signs_in(scog, sms, otp_pool, phone_user):
    pool_id, client_id = otp_pool
    scog.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=phone_user, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    user = scog.idp.admin_get_user(UserPoolId=pool_id, Username=phone_user)
    assert user["UserMFASettingList"] == ["SMS_MFA"]
    assert user["PreferredMfaSetting"] == "SMS_MFA"
    mark = sms.mark()
    challenge = scog.sign_in(client_id, phone_user)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
        "CODE_DELIVERY_DESTINATION": "+*******0123",
    }
    sent = sms.wait_for(phone_user, mark)
    assert sent["to"] == PHONE
    assert sent["poolId"] == pool_id
    assert sent["purpose"] == "Authentication"
    assert sent["message"] == f"Sign-in code {sent['code']}"
    done = respond(scog, client_id, challenge, phone_user, SMS_MFA_CODE=sent["code"])
    assert scog.verify(done["AuthenticationResult"]["IdToken"], pool_id, audience=client_id)


def test_wrong_sms_code_is_code_mismatch(scog, sms, otp_pool, phone_user):
    pool_id, client_id = otp_pool
    scog.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=phone_user, SMSMfaSettings={"Enabled": True}
    )
    mark = sms.mark()
    challenge = scog.sign_in(client_id, phone_user)
    code = sms.wait_for(phone_user, mark)["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException", "Invalid code or auth state for the user."):
        respond(scog, client_id, challenge, phone_user, SMS_MFA_CODE=wrong)


def test_email_otp_code_from_the_log_signs_in(scog, sms_server, otp_pool):
    pool_id, client_id = otp_pool
    username = scog.create_user(pool_id)
    scog.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=username, EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    mark = sms_server.mark()
    challenge = scog.sign_in(client_id, username)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    code = sms_server.wait_code(username, "Authentication", since=mark)
    done = respond(scog, client_id, challenge, username, EMAIL_OTP_CODE=code)
    assert "AccessToken" in done["AuthenticationResult"]


def test_select_mfa_type_then_sms(scog, sms, otp_pool, phone_user):
    pool_id, client_id = otp_pool
    scog.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username=phone_user,
        SMSMfaSettings={"Enabled": True},
        EmailMfaSettings={"Enabled": True},
    )
    select = scog.sign_in(client_id, phone_user)
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(select["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["SMS_MFA", "EMAIL_OTP"]
    mark = sms.mark()
    challenge = respond(scog, client_id, select, phone_user, ANSWER="SMS_MFA")
    assert challenge["ChallengeName"] == "SMS_MFA"
    code = sms.wait_for(phone_user, mark)["code"]
    done = respond(scog, client_id, challenge, phone_user, SMS_MFA_CODE=code)
    assert "IdToken" in done["AuthenticationResult"]


def test_mfa_on_sends_sms_to_a_user_with_only_a_phone(scog, sms):
    pool_id = scog.create_pool(SmsConfiguration=SNS)
    scog.idp.set_user_pool_mfa_config(UserPoolId=pool_id, SmsMfaConfiguration={}, MfaConfiguration="ON")
    client_id = scog.create_client(pool_id)["ClientId"]
    username = scog.create_user(pool_id, extra_attributes={"phone_number": PHONE})
    mark = sms.mark()
    challenge = scog.sign_in(client_id, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    sent = sms.wait_for(username, mark)
    assert sent["message"] == f"Your authentication code is {sent['code']}. "


def test_sign_up_code_by_sms_goes_to_the_webhook(scog, sms):
    pool_id = scog.create_pool(AutoVerifiedAttributes=["phone_number"], SmsConfiguration=SNS)
    client_id = scog.create_client(pool_id)["ClientId"]
    username = unique("u")
    mark = sms.mark()
    out = scog.idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password="Passw0rd!",
        UserAttributes=[{"Name": "phone_number", "Value": PHONE}],
    )
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    sent = sms.wait_for(username, mark)
    assert sent["purpose"] == "SignUp"
    scog.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=sent["code"])


def test_failing_webhook_is_code_delivery_failure(scog, sms, otp_pool, phone_user):
    pool_id, client_id = otp_pool
    scog.idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=phone_user, SMSMfaSettings={"Enabled": True}
    )
    sms.status = 503
    try:
        with raises_aws("CodeDeliveryFailureException"):
            scog.sign_in(client_id, phone_user)
    finally:
        sms.status = 200
