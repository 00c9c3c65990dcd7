"""A worker whose store is down when it starts answers 503, then serves once it is back."""

from __future__ import annotations

import json
from typing import Any

from zaqar.storage import errors
from zaqar.transport.wsgi.app import LazyApp


def call(app: LazyApp) -> tuple[str, bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = status

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, start_response))
    return answer["status"], body


def test_a_store_down_at_start_gives_503s_until_it_is_back() -> None:
    attempts = []

    def served(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    def build() -> Any:
        attempts.append(1)
        if len(attempts) < 3:
            raise errors.ServiceUnavailable("database down")
        return served

    app = LazyApp(build).prime()  # does not raise
    status, body = call(app)
    assert status.startswith("503")
    assert json.loads(body)["title"] == "Service temporarily unavailable"
    assert call(app)[0] == "204 No Content"
    assert call(app)[0] == "204 No Content"
    assert len(attempts) == 3  # built once it could be, then kept
