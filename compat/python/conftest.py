"""Fixtures of the Python compatibility suite.

- `server`: one `cognate serve` per session (fast argon2 parameters, codes read from its log).
- `cog`: boto3 `cognito-idp` client on that server plus factories; each test makes its own pool.
- `pool_id` / `client` / `client_id`: a fresh pool with the default test settings and an app client
  with every password flow enabled.
- `backend` / `ag`: per test module, an echo backend on loopback (`apigw_testlib.EchoBackend`)
  and a boto3 `apigateway` client on the session's server.
- `smtp_sink` / `smtp_server`: an aiosmtpd sink on loopback and a second server that mails codes to it.

On a failing test the server's log lines written during that test are attached to the report.
"""

from __future__ import annotations

import pytest

from apigw_testlib import EchoBackend, apigw_client
from cognate_testlib import FAST_ARGON2, CognateServer, Cog, MailSink, boto_client, free_port

_SERVERS: list[CognateServer] = []


def start_server(tmp_path_factory, name: str, config: str | None = FAST_ARGON2, extra_args=None) -> CognateServer:
    base = tmp_path_factory.mktemp(name)
    srv = CognateServer(base / "data", config=config, extra_args=extra_args, name=name)
    _SERVERS.append(srv)
    return srv.start()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory, "cognate")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def cog(server) -> Cog:
    return Cog(server=server, idp=boto_client(server.url), raw=boto_client(server.url, validate=False))


@pytest.fixture(scope="session")
def idp(cog):
    return cog.idp


@pytest.fixture
def pool_id(cog) -> str:
    return cog.create_pool()


@pytest.fixture
def client(cog, pool_id) -> dict:
    return cog.create_client(pool_id)


@pytest.fixture
def client_id(client) -> str:
    return client["ClientId"]


@pytest.fixture
def user(cog, pool_id) -> str:
    """A CONFIRMED user with a verified email and the password `PASSWORD`."""
    return cog.create_user(pool_id)


# --- SMTP ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backend():
    b = EchoBackend().start()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def ag(server):
    return apigw_client(server.url)


@pytest.fixture(scope="session")
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = MailSink()
    last_error = None
    for _ in range(5):
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except Exception as exc:  # noqa: BLE001 - port raced away: try another one
            last_error = exc
    else:
        raise RuntimeError(f"could not start the SMTP sink: {last_error}")
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory, smtp_sink):
    config = FAST_ARGON2 + f"""
[smtp]
host = "127.0.0.1"
port = {smtp_sink.port}
from = "no-reply@example.com"
tls = "none"
"""
    srv = start_server(tmp_path_factory, "cognate-smtp", config=config)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def smtp_cog(smtp_server) -> Cog:
    return Cog(server=smtp_server, idp=boto_client(smtp_server.url), raw=boto_client(smtp_server.url, validate=False))


def pytest_sessionfinish(session, exitstatus):
    """Never leave a server behind, whatever failed."""
    for srv in _SERVERS:
        try:
            srv.stop(timeout=5)
        except Exception:  # noqa: BLE001 - best effort at teardown
            srv.kill()


# --- attach server logs to failures -------------------------------------------------------------


def pytest_runtest_setup(item):
    item._cognate_log_marks = {id(s): len(s.lines) for s in _SERVERS}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    marks = getattr(item, "_cognate_log_marks", {})
    for srv in _SERVERS:
        since = marks.get(id(srv), 0)
        text = srv.tail(60, since=since)
        if text:
            report.sections.append((f"{srv.name} log during this test", text))
