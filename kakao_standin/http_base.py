"""The HTTP plumbing shared by the stand-in's routes."""

from __future__ import annotations

import json
import logging
import time
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

if TYPE_CHECKING:
    from kakao_standin.server import StandInServer

logger = logging.getLogger("kakao_standin.server")


class StandInRequestHandler(BaseHTTPRequestHandler):
    """Reading requests and writing answers; the routes live in the subclasses."""

    server: StandInServer
    protocol_version = "HTTP/1.1"
    # Headers and body in one write, sent at once: without these a keep-alive client
    # waits out a delayed ACK (~40 ms) on every answer.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        # Method and path only: query strings carry codes and states.
        logger.debug("standin %s %s", self.command, urlsplit(self.path).path)

    def _split(self) -> tuple[str, dict[str, str]]:
        # A keep-alive connection reuses this object: nothing of the last request stays.
        self._form_lists: dict[str, list[str]] = {}
        self._cookies_out: list[str] = []
        parts = urlsplit(self.path)
        return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 64 * 1024)) if length > 0 else b""

    def _json_body(self) -> dict[str, Any] | None:
        try:
            body = json.loads(self._body() or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _form(self) -> dict[str, str]:
        self._form_lists = parse_qs(self._body().decode("utf-8", "replace"))
        return {k: v[0] for k, v in self._form_lists.items()}

    def _form_values(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes) of the form read last."""
        return getattr(self, "_form_lists", {}).get(name, [])

    def _cookie(self, name: str) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie") or "")
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None

    def _set_cookie(self, value: str) -> None:
        """A ``Set-Cookie`` for the answer about to be sent."""
        self._cookies_out = [*getattr(self, "_cookies_out", []), value]

    def end_headers(self) -> None:
        for value in getattr(self, "_cookies_out", ()):
            self.send_header("Set-Cookie", value)
        self._cookies_out = []
        super().end_headers()

    def _delay(self) -> None:
        if self.server.standin.latency_ms:
            time.sleep(self.server.standin.latency_ms / 1000)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json;charset=UTF-8")

    def _html(self, status: int, body: str) -> None:
        self._send(status, body.encode(), "text/html; charset=utf-8")

    def _redirect(self, uri: str, params: dict[str, str]) -> None:
        """302 to ``uri`` with ``params`` added to its query."""
        separator = "&" if "?" in uri else "?"
        self.send_response(302)
        self.send_header("Location", f"{uri}{separator}{urlencode(params)}" if params else uri)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


def kakao_id_from(value: Any) -> int | None:
    """A Kakao id as a number or a string of digits (JavaScript cannot hold every id)."""
    if type(value) is int and value > 0:
        return value
    if type(value) is str and value.isascii() and value.isdigit() and 0 < len(value) <= 20:
        return int(value)
    return None
