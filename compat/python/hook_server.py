"""A real HTTP hook server on 127.0.0.1 for trigger tests.

A pool's LambdaConfig names `hooks.url("pre-sign-up")`; cognate POSTs the Lambda event there.
Each path runs a handler registered with `on(name, fn)`: `fn(event)` returns the event to answer
with (as a Lambda function returns it), or raises `HookFailure` to answer with an error the way a
failing Lambda does. Every event received is recorded, in order, per path.

    with HookServer() as hooks:
        hooks.on("pre-sign-up", lambda e: respond(e, autoConfirmUser=True))
        cog.pool(LambdaConfig={"PreSignUp": hooks.url("pre-sign-up")})
        ...
        assert hooks.events("pre-sign-up")[0]["triggerSource"] == "PreSignUp_SignUp"
"""

from __future__ import annotations

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Event = dict[str, Any]


class HookFailure(Exception):
    """Raised by a handler: the hook answers `status` with a Lambda-style error body."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def respond(event: Event, **response: Any) -> Event:
    """The event with `response` members set, as a Lambda function would return it."""
    answer = copy.deepcopy(event)
    answer.setdefault("response", {})
    if answer["response"] is None:
        answer["response"] = {}
    answer["response"].update(response)
    return answer


class HookServer:
    def __init__(self) -> None:
        self._handlers: dict[str, Callable[[Event], Any]] = {}
        self._events: list[tuple[str, Event]] = []
        self._lock = threading.Lock()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                name = self.path.strip("/")
                length = int(self.headers.get("content-length", "0"))
                event = json.loads(self.rfile.read(length) or b"{}")
                with hooks._lock:
                    hooks._events.append((name, event))
                    handler = hooks._handlers.get(name)
                status, body = 200, event
                try:
                    if handler is None:
                        raise HookFailure(f"no handler for {name}", 500)
                    body = handler(copy.deepcopy(event))
                except HookFailure as f:
                    status, body = f.status, {"errorType": "Error", "errorMessage": f.message}
                raw = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "HookServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{name}"

    def on(self, name: str, handler: Callable[[Event], Any]) -> None:
        """Registers what the hook at `url(name)` does with each event."""
        with self._lock:
            self._handlers[name] = handler

    def slow(self, name: str, seconds: float) -> None:
        """Makes the hook at `url(name)` answer after `seconds` (for timeouts)."""

        def handler(event: Event) -> Event:
            time.sleep(seconds)
            return event

        self.on(name, handler)

    def events(self, name: str) -> list[Event]:
        with self._lock:
            return [copy.deepcopy(e) for n, e in self._events if n == name]

    def sources(self) -> list[str]:
        """The triggerSource of every event received, oldest first."""
        with self._lock:
            return [e.get("triggerSource", "") for _, e in self._events]
