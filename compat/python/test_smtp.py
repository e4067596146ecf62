"""Mail delivery: a server configured with [smtp] sends codes and invitations to a loopback
aiosmtpd sink, and the codes read from those mails complete the flows."""

from __future__ import annotations

import re
from email.utils import parseaddr

from cognate_testlib import OTHER_PASSWORD, PASSWORD, unique, unique_email


def test_sign_up_code_arrives_by_mail_and_confirms_user(smtp_cog, smtp_sink):
    cog = smtp_cog
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email("mailtest")
    mark = smtp_sink.mark()
    username, resp = cog.sign_up(client_id, email=address)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    mail = smtp_sink.wait_for(address, since=mark)
    assert parseaddr(str(mail.message["From"]))[1] == "no-reply@example.com"
    assert mail.subject
    cog.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=mail.code())
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"
    assert cog.user_attrs(pool_id, username)["email_verified"] == "true"


def test_resent_confirmation_code_arrives_by_mail(smtp_cog, smtp_sink):
    cog = smtp_cog
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email("resend")
    username, _ = cog.sign_up(client_id, email=address)
    smtp_sink.wait_for(address)
    mark = smtp_sink.mark()
    cog.idp.resend_confirmation_code(ClientId=client_id, Username=username)
    mail = smtp_sink.wait_for(address, since=mark)
    cog.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=mail.code())
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"


def test_forgot_password_code_arrives_by_mail_and_resets_password(smtp_cog, smtp_sink):
    cog = smtp_cog
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email("reset")
    username = cog.create_user(pool_id, email=address)
    mark = smtp_sink.mark()
    cog.idp.forgot_password(ClientId=client_id, Username=username)
    mail = smtp_sink.wait_for(address, since=mark)
    cog.idp.confirm_forgot_password(
        ClientId=client_id, Username=username, ConfirmationCode=mail.code(), Password=OTHER_PASSWORD
    )
    assert cog.tokens(client_id, username, OTHER_PASSWORD)["AccessToken"]


def test_admin_create_user_invitation_mail_has_username_and_temporary_password(smtp_cog, smtp_sink):
    cog = smtp_cog
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email("invite")
    username = unique("invitee")
    temporary = "Temp-Passw0rd-" + unique("x").split("-")[1]
    mark = smtp_sink.mark()
    cog.idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=temporary,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    mail = smtp_sink.wait_for(address, since=mark)
    assert username in mail.text
    assert temporary in mail.text
    assert cog.sign_in(client_id, username, temporary)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_create_user_generated_password_in_mail_signs_in(smtp_cog, smtp_sink):
    cog = smtp_cog
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email("invite")
    username = unique("invitee")
    mark = smtp_sink.mark()
    cog.idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    mail = smtp_sink.wait_for(address, since=mark)
    assert username in mail.text
    # The generated password is the word after "password" (maybe followed by sentence punctuation).
    # Try at most 4 candidates: 5 failed sign-ins would lock the user out.
    m = re.search(r"password(?:\s+is|:)?\s+(\S+)", mail.text, re.IGNORECASE)
    assert m, f"no temporary password in the invitation:\n{mail.text}"
    word = m.group(1)
    candidates = list(dict.fromkeys([word, word[:-1], word.strip("\"'"), word[:-2]]))
    for candidate in candidates[:4]:
        try:
            resp = cog.sign_in(client_id, username, candidate)
        except cog.idp.exceptions.NotAuthorizedException:
            continue
        assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        break
    else:
        raise AssertionError(f"no word of the invitation signs {username} in:\n{mail.text}")


def test_suppressed_invitation_sends_no_mail(smtp_cog, smtp_sink):
    import time

    cog = smtp_cog
    pool_id = cog.create_pool()
    address = unique_email("quiet")
    mark = smtp_sink.mark()
    cog.idp.admin_create_user(
        UserPoolId=pool_id,
        Username=unique("quiet"),
        TemporaryPassword=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    time.sleep(1.0)
    assert [m for m in smtp_sink.mails[mark:] if address in m.rcpt_tos] == []
