"""Helpers shared by the Python compatibility suite.

`CognateServer` starts the real `cognate` binary on 127.0.0.1:0 and tails its stderr so that
tests can pick up the verification codes and temporary passwords it logs (when no SMTP server is
configured). `Cog` bundles a boto3 client with small factories (pool, client, user) so that every
test builds its own independent pool in one or two lines.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import boto3
import jwt
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
PASSWORD = "Corr3ct-Horse-Battery!"
OTHER_PASSWORD = "An0ther-Secret-Phrase#"
POOL_ID_RE = re.compile(r"^us-east-1_[A-Za-z0-9]{9}$")
POOL_ARN_RE = re.compile(r"^arn:aws:cognito-idp:us-east-1:\d{12}:userpool/(us-east-1_[A-Za-z0-9]{9})$")
CLIENT_ID_RE = re.compile(r"^[a-z0-9]{26}$")
SUB_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ALL_TEST_FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
]
# Fast password hashing for tests (the server's defaults are the OWASP ones).
FAST_ARGON2 = """
[passwords]
argon2_memory_kib = 1024
argon2_iterations = 1
argon2_parallelism = 1
"""

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FIELD_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|\S+)')
LISTENING_RE = re.compile(r"cognate listening on (https?://\S+)")

for _name, _value in (
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_DEFAULT_REGION", REGION),
):
    os.environ.setdefault(_name, _value)
os.environ.pop("AWS_PROFILE", None)


# === helpers =====================================================================================


def unique(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.com"


def attrs(attribute_list: list[dict[str, str]] | None) -> dict[str, str]:
    """Cognito's [{'Name':..,'Value':..}] as a dict."""
    return {a["Name"]: a.get("Value") for a in (attribute_list or [])}


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def claims(token: str) -> dict[str, Any]:
    """The payload of a JWT without checking its signature (use `verify_*` for that)."""
    return jwt.decode(token, options={"verify_signature": False})


def header(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


def error_of(exc: ClientError) -> tuple[str, str]:
    err = exc.response.get("Error", {})
    return err.get("Code", ""), err.get("Message", "")


@contextlib.contextmanager
def raises_aws(code: str, message: str | None = None, status: int | None = 400) -> Iterator[Any]:
    """Expect a botocore ClientError with this error code (and message, when the reference fixes it)."""
    with pytest.raises(ClientError) as excinfo:
        yield excinfo
    got_code, got_message = error_of(excinfo.value)
    assert got_code == code, f"expected {code}, got {got_code}: {got_message!r}"
    if message is not None:
        assert got_message == message, f"{code}: expected message {message!r}, got {got_message!r}"
    if status is not None:
        got_status = excinfo.value.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"


@contextlib.contextmanager
def raises_one_of(*codes: str) -> Iterator[Any]:
    """Expect a 4xx botocore ClientError whose code is one of `codes` (where AWS's choice varies)."""
    with pytest.raises(ClientError) as excinfo:
        yield excinfo
    got_code, got_message = error_of(excinfo.value)
    assert got_code in codes, f"expected one of {codes}, got {got_code}: {got_message!r}"
    got_status = excinfo.value.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    assert got_status is not None and 400 <= got_status < 500, f"{got_code}: HTTP {got_status}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_cli(endpoint_url: str, home: Path, service: str):
    """A runner for the AWS CLI (v1, installed beside this Python) against `endpoint_url`, with a
    private home and config so that nothing of the developer's setup leaks in.
    `run(*args, check=True)` runs `aws --endpoint-url URL --output json SERVICE *args`."""
    beside_python = Path(sys.executable).parent / "aws"
    exe = str(beside_python) if beside_python.exists() else shutil.which("aws")
    if not exe:
        pytest.fail("the `aws` CLI is not installed (pip install awscli)", pytrace=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PAGER": "",
            "HOME": str(home),
        }
    )

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [exe, "--endpoint-url", endpoint_url, "--output", "json", service, *args]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, f"{' '.join(args[:1])} failed ({proc.returncode}):\n{proc.stderr}"
        return proc

    return run


def cognate_bin() -> Path:
    raw = os.environ.get("COGNATE_BIN") or str(REPO_ROOT / "target" / "release" / "cognate")
    path = Path(raw)
    if not path.is_absolute():
        path = (REPO_ROOT / path).resolve()
    return path


def boto_client(url: str, validate: bool = True, pool_connections: int = 20):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=pool_connections,
        ),
    )


# === the server under test =======================================================================


@dataclass
class LogEvent:
    seq: int
    kind: str  # "code" or "invitation"
    fields: dict[str, str]
    line: str


def _unquote(raw: str) -> str:
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        try:
            return json.loads(raw)
        except ValueError:
            return raw[1:-1]
    return raw


def _parse_fields(line: str) -> dict[str, str]:
    """`key=value` fields of a tracing line (values bare or Debug-quoted)."""
    out: dict[str, str] = {}
    for key, raw in FIELD_RE.findall(line):
        value = _unquote(raw)
        out[key] = value
        out.setdefault(key.rsplit(".", 1)[-1], value)
    # A generated temporary password may hold any symbol, quotes included: when it is the last
    # field of the line (as tracing's formatter puts it), take the rest of the line verbatim.
    m = re.search(r"\btemporary_password=(.*)$", line)
    if m and not re.search(r"\s[A-Za-z_][A-Za-z0-9_]*=", m.group(1)):
        out["temporary_password"] = _unquote(m.group(1).rstrip())
    return out


class CognateServer:
    """One `cognate serve` process on 127.0.0.1:<ephemeral port> with its own data dir."""

    def __init__(
        self,
        data_dir: Path,
        config: str | None = None,
        extra_args: list[str] | None = None,
        name: str = "cognate",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_text = config
        self.extra_args = list(extra_args or [])
        self.name = name
        self.url: str | None = None
        self.proc: subprocess.Popen | None = None
        self.lines: list[str] = []
        self.events: list[LogEvent] = []
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.stderr.log"
        self.starts = 0
        self.port = 0  # 0: the server picks; restart(same_port=True) pins the last one

    # --- lifecycle ---

    def command(self) -> list[str]:
        binary = cognate_bin()
        cmd = [str(binary), "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir)]
        if self.config_text is not None:
            cfg = self.data_dir.parent / f"{self.data_dir.name}.toml"
            cfg.write_text(self.config_text)
            cmd += ["--config", str(cfg)]
        return cmd + self.extra_args

    def start(self, timeout: float = 30.0) -> "CognateServer":
        binary = cognate_bin()
        if not binary.exists():
            pytest.fail(
                f"cognate binary not found at {binary}; build it with `cargo build --release -p cognate` "
                "or set COGNATE_BIN",
                pytrace=False,
            )
        # Hermetic: no COGNATE_* setting of the developer's shell leaks into the server under test
        # (COGNATE_LOG, COGNATE_ISSUER_URL, COGNATE_CONFIG, COGNATE_DATABASE_URL, ...).
        env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_") and k != "RUST_LOG"}
        env["NO_COLOR"] = "1"
        env["COGNATE_LOG"] = os.environ.get("COGNATE_TEST_LOG", "info")
        self.url = None
        self.starts += 1
        listening = threading.Event()
        self.proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(self.data_dir.parent),
        )
        proc = self.proc
        log_file = open(self.log_path, "a", encoding="utf-8", errors="replace")
        log_file.write(f"----- start #{self.starts}: {' '.join(self.command())}\n")
        log_file.flush()

        def read_stdout() -> None:
            assert proc.stdout is not None
            for raw in iter(proc.stdout.readline, b""):
                line = ANSI_RE.sub("", raw.decode("utf-8", "replace")).rstrip("\n")
                m = LISTENING_RE.search(line)
                if m and not listening.is_set():
                    self.url = m.group(1).rstrip("/")
                    listening.set()
                with self._cond:
                    self.lines.append("[stdout] " + line)

        def read_stderr() -> None:
            assert proc.stderr is not None
            for raw in iter(proc.stderr.readline, b""):
                line = ANSI_RE.sub("", raw.decode("utf-8", "replace")).rstrip("\n")
                log_file.write(line + "\n")
                log_file.flush()
                self._ingest(line)
            log_file.close()

        for target in (read_stdout, read_stderr):
            t = threading.Thread(target=target, daemon=True, name=f"{self.name}-{target.__name__}")
            t.start()
            self._threads.append(t)

        deadline = time.monotonic() + timeout
        while not listening.wait(0.05):
            if proc.poll() is not None:
                time.sleep(0.2)  # let the readers drain
                pytest.fail(
                    f"{self.name} exited with {proc.returncode} before listening; stderr tail:\n{self.tail()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(
                    f"{self.name} did not print 'cognate listening on ...' within {timeout}s; "
                    f"output tail:\n{self.tail()}",
                    pytrace=False,
                )
        return self

    def stop(self, timeout: float = 10.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the crash case."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.kill()
        proc.wait(10)

    def restart(self, same_port: bool = True) -> "CognateServer":
        """SIGTERM and start again on the same data dir. On the same port by default, so that the
        issuer (http://127.0.0.1:<port>/<pool>) and thus tokens minted before stay valid."""
        self.stop()
        return self.start_again(same_port)

    def start_again(self, same_port: bool = True) -> "CognateServer":
        """Start after stop() or kill(), on the same data dir (and port, by default)."""
        if same_port and self.url:
            self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        else:
            self.port = 0
        try:
            return self.start()
        finally:
            self.port = 0

    # --- log scraping ---

    def _ingest(self, line: str) -> None:
        lower = line.lower()
        kind = None
        if "verification code" in lower:
            kind = "code"
        elif "temporary password" in lower or "temporary_password" in lower:
            kind = "invitation"
        with self._cond:
            self.lines.append(line)
            if kind is not None:
                fields = _parse_fields(line)
                self.events.append(LogEvent(len(self.events) + 1, kind, fields, line))
            self._cond.notify_all()

    def mark(self) -> int:
        """A position in the log: `wait_code(..., since=mark)` ignores anything logged before it."""
        with self._cond:
            return len(self.events)

    @staticmethod
    def _names_match(fields: dict[str, str], username: str) -> bool:
        wanted = username.casefold()
        if fields.get("username", "").casefold() == wanted:
            return True
        return any(str(v).casefold() == wanted for v in fields.values())

    def _wait_event(self, predicate, what: str, since: int, timeout: float) -> LogEvent:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [e for e in self.events[since:] if predicate(e)]
                if matching:
                    return matching[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = "\n".join(self.lines[-30:])
                    pytest.fail(f"no {what} in the {self.name} log within {timeout}s; last lines:\n{recent}")
                self._cond.wait(remaining)

    def wait_code(
        self, username: str, purpose: str, since: int = 0, timeout: float = 15.0, pool_id: str | None = None
    ) -> str:
        """The latest 6-digit code the server logged for (username, purpose) after `since`."""

        def pred(e: LogEvent) -> bool:
            f = e.fields
            if e.kind != "code" or not re.fullmatch(r"\d{6}", f.get("code", "")):
                return False
            if f.get("purpose", "").casefold() != purpose.casefold():
                return False
            if pool_id is not None and f.get("pool_id", pool_id) != pool_id:
                return False
            return self._names_match(f, username)

        return self._wait_event(pred, f"{purpose} code for {username}", since, timeout).fields["code"]

    def wait_temporary_password(self, username: str, since: int = 0, timeout: float = 15.0) -> str:
        def pred(e: LogEvent) -> bool:
            return e.kind == "invitation" and "temporary_password" in e.fields and self._names_match(e.fields, username)

        return self._wait_event(pred, f"temporary password for {username}", since, timeout).fields[
            "temporary_password"
        ]

    def events_for(self, username: str, since: int = 0) -> list[LogEvent]:
        with self._cond:
            return [e for e in self.events[since:] if self._names_match(e.fields, username)]

    def tail(self, n: int = 40, since: int = 0) -> str:
        with self._cond:
            return "\n".join(self.lines[since:][-n:])


# === mail sink (aiosmtpd) ========================================================================


@dataclass
class Mail:
    seq: int
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    text: str = ""

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    def code(self) -> str:
        m = re.search(r"(?<![\d#])(\d{6})(?!\d)", self.text)
        assert m, f"no 6-digit code in mail {self.subject!r}:\n{self.text}"
        return m.group(1)


class MailSink:
    """An aiosmtpd handler that keeps every message and lets tests wait for one."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        texts = []
        html = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            try:
                content = part.get_content()
            except Exception:  # noqa: BLE001 - undecodable part: keep the raw payload
                content = str(part.get_payload())
            if ctype == "text/plain":
                texts.append(str(content))
            elif ctype == "text/html":
                html.append(re.sub(r"<[^>]+>", " ", str(content)))
        with self._cond:
            self.mails.append(
                Mail(
                    seq=len(self.mails) + 1,
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=msg,
                    text="\n".join(texts or html),
                )
            )
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def mark(self) -> int:
        with self._cond:
            return len(self.mails)

    def wait_for(self, rcpt: str, since: int = 0, timeout: float = 15.0) -> Mail:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for mail in reversed(self.mails[since:]):
                    if any(r.casefold() == rcpt.casefold() for r in mail.rcpt_tos):
                        return mail
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = [(m.rcpt_tos, m.subject) for m in self.mails]
                    pytest.fail(f"no mail to {rcpt} within {timeout}s; received: {got}")
                self._cond.wait(remaining)


# === test facade =================================================================================


@dataclass
class Cog:
    """A boto3 cognito-idp client bound to one server, plus factories used by almost every test."""

    server: CognateServer
    idp: Any
    raw: Any  # same endpoint, client-side parameter validation off
    created_pools: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server.url
        return self.server.url

    def issuer(self, pool_id: str) -> str:
        return f"{self.url}/{pool_id}"

    def jwks_url(self, pool_id: str) -> str:
        return f"{self.url}/{pool_id}/.well-known/jwks.json"

    # --- pools and clients ---

    def create_pool(self, **overrides: Any) -> str:
        params: dict[str, Any] = {
            "PoolName": unique("pool"),
            "AutoVerifiedAttributes": ["email"],
            "Schema": [
                {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
                {"Name": "score", "AttributeDataType": "Number", "Mutable": True},
            ],
            "UsernameConfiguration": {"CaseSensitive": True},
        }
        params.update(overrides)
        params = {k: v for k, v in params.items() if v is not None}
        pool = self.idp.create_user_pool(**params)["UserPool"]
        self.created_pools.append(pool["Id"])
        return pool["Id"]

    def create_client(self, pool_id: str, **overrides: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "UserPoolId": pool_id,
            "ClientName": unique("app"),
            "ExplicitAuthFlows": list(ALL_TEST_FLOWS),
        }
        params.update(overrides)
        params = {k: v for k, v in params.items() if v is not None}
        return self.idp.create_user_pool_client(**params)["UserPoolClient"]

    # --- users ---

    def create_user(
        self,
        pool_id: str,
        username: str | None = None,
        password: str = PASSWORD,
        email: str | None = None,
        email_verified: bool = True,
        extra_attributes: dict[str, str] | None = None,
        permanent: bool = True,
    ) -> str:
        """AdminCreateUser (no message) + AdminSetUserPassword: a CONFIRMED user with a known password."""
        username = username or unique("user")
        email = email or unique_email()
        attributes = {"email": email}
        if email_verified:
            attributes["email_verified"] = "true"
        attributes.update(extra_attributes or {})
        self.idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=permanent
        )
        return username

    def sign_up(
        self,
        client_id: str,
        username: str | None = None,
        password: str = PASSWORD,
        email: str | None = None,
        secret: str | None = None,
        extra_attributes: dict[str, str] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        username = username or unique("user")
        attributes = {"email": email or unique_email()}
        attributes.update(extra_attributes or {})
        params: dict[str, Any] = {
            "ClientId": client_id,
            "Username": username,
            "Password": password,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }
        if secret:
            params["SecretHash"] = secret_hash(username, client_id, secret)
        return username, self.idp.sign_up(**params)

    def sign_in(
        self, client_id: str, username: str, password: str = PASSWORD, secret: str | None = None
    ) -> dict[str, Any]:
        """InitiateAuth USER_PASSWORD_AUTH; returns the whole response."""
        params = {"USERNAME": username, "PASSWORD": password}
        if secret:
            params["SECRET_HASH"] = secret_hash(username, client_id, secret)
        return self.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)

    def tokens(self, client_id: str, username: str, password: str = PASSWORD, secret: str | None = None) -> dict:
        resp = self.sign_in(client_id, username, password, secret)
        assert "AuthenticationResult" in resp, f"expected tokens, got a challenge: {resp.get('ChallengeName')}"
        return resp["AuthenticationResult"]

    def user(self, pool_id: str, username: str) -> dict[str, Any]:
        return self.idp.admin_get_user(UserPoolId=pool_id, Username=username)

    def user_attrs(self, pool_id: str, username: str) -> dict[str, str]:
        return attrs(self.user(pool_id, username)["UserAttributes"])

    # --- tokens ---

    def verify(self, token: str, pool_id: str, audience: str | None = None, issuer: str | None = None) -> dict:
        """Verify an RS256 token against the pool's JWKS with PyJWT, as a resource server would."""
        jwk_client = jwt.PyJWKClient(self.jwks_url(pool_id), cache_keys=False)
        key = jwk_client.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer or self.issuer(pool_id),
            options={"require": ["exp", "iat", "iss", "sub", "token_use"]},
        )
