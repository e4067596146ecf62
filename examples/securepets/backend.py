#!/usr/bin/env python3
"""The SecurePets backend: a tiny JSON service behind the SecurePets API.

    python3 backend.py [--port 8081]

Standard library only. It trusts the gateway in front of it: who is calling comes from the
x-user-sub and x-user-email headers the API maps from the token's claims, and every answer echoes
them back under "caller".

    GET      /pets      the pets, and which are still for sale
    PURCHASE /pets      buys the pet named in the JSON body {"pet": "Rex"}
    POST     /purchase  the same, for clients that only speak standard methods; 201
    GET      /health    {"status": "ok"}
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PETS = ["Rex", "Tom", "Polly"]


class Shop:
    """The pets and who bought which, in memory."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.purchases: list[dict[str, str]] = []

    def listing(self) -> list[dict[str, object]]:
        with self.lock:
            sold = {p["pet"] for p in self.purchases}
        return [{"name": pet, "for_sale": pet not in sold} for pet in PETS]

    def buy(self, pet: str, buyer: str) -> tuple[int, dict[str, object]]:
        if pet not in PETS:
            return 404, {"message": f"no pet named {pet!r}"}
        with self.lock:
            if any(p["pet"] == pet for p in self.purchases):
                return 409, {"message": f"{pet} is already sold"}
            purchase = {"pet": pet, "buyer": buyer}
            self.purchases.append(purchase)
        return 201, {"purchase": purchase}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    shop: Shop

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write(f"backend: {self.command} {self.path} -> {fmt % args}\n")

    def caller(self) -> dict[str, str | None]:
        return {"sub": self.headers.get("x-user-sub"), "email": self.headers.get("x-user-email")}

    def answer(self, status: int, payload: dict[str, object]) -> None:
        payload = {**payload, "caller": self.caller()}
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self) -> dict[str, object]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            value = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def route(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    def buy(self) -> None:
        pet = str(self.body().get("pet", ""))
        buyer = self.headers.get("x-user-email") or self.headers.get("x-user-sub") or "anonymous"
        status, payload = self.shop.buy(pet, buyer)
        self.answer(status, payload)

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        if self.route() == "/pets":
            self.answer(200, {"pets": self.shop.listing()})
        elif self.route() == "/health":
            self.answer(200, {"status": "ok"})
        else:
            self.answer(404, {"message": "not found"})

    def do_PURCHASE(self) -> None:  # noqa: N802
        if self.route() == "/pets":
            self.buy()
        else:
            self.answer(404, {"message": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        if self.route() == "/purchase":
            self.buy()
        else:
            self.answer(404, {"message": "not found"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (default 8081)")
    args = parser.parse_args()
    Handler.shop = Shop()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"SecurePets backend listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
