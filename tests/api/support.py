"""Helpers shared by the API v1 behaviour suite (the fixtures live in ``conftest.py``).

Everything here talks HTTP to the Falcon app through ``falcon.testing``; nothing reaches
into storage except the clock, which the ``clock`` fixture replaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import falcon.testing

from tests.clock import EPOCH, Clock  # noqa: F401 - re-exported for the suites

#: The Client-ID most requests send (dashed form).
CLIENT_ID = "3381af92-2b9e-11e3-b191-71861300734c"
#: A second client.
OTHER_CLIENT_ID = "c1a0ba3e-57a6-4f3b-9a3e-2d4d1b2c3f40"
#: The project most requests send.
PROJECT = "480924"

#: Message and claim ids must be opaque ``[a-zA-Z0-9_-]+`` strings.
ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+$")

#: "Use the default" marker for keyword arguments where ``None`` means "leave out".
DEFAULT: Any = object()
#: "No description expected" marker for ``assert_error``.
NO_DESCRIPTION: Any = object()

JSON_CT = "application/json"


def encode(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


def message_id(href: str) -> str:
    """The id at the end of a message href, without any query."""
    return href.split("?", 1)[0].rsplit("/", 1)[1]


def claim_id_of(location: str) -> str:
    return location.rsplit("/", 1)[1]


class Api:
    """A thin HTTP client with the default headers of a well-behaved v1 client."""

    def __init__(self, app: Any, boot: Any) -> None:
        self.app = app
        self.boot = boot
        self.client = falcon.testing.TestClient(app)

    # -- raw requests --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = DEFAULT,
        body: bytes | str | None = None,
        headers: dict[str, str | None] | None = None,
        project: str | None = DEFAULT,
        client_id: str | None = DEFAULT,
        content_type: str | None = DEFAULT,
    ) -> falcon.testing.Result:
        """``project``/``client_id`` None leaves the header out; DEFAULT sends the usual one.

        ``headers`` entries override everything; a None value removes that header.
        """
        merged: dict[str, str | None] = {
            "Client-ID": CLIENT_ID if client_id is DEFAULT else client_id,
            "X-Project-ID": PROJECT if project is DEFAULT else project,
        }
        if json is not DEFAULT:
            body = encode(json)
        if body is not None:
            merged["Content-Type"] = JSON_CT if content_type is DEFAULT else content_type
        merged.update(headers or {})
        sent = {name: value for name, value in merged.items() if value is not None}
        return self.client.simulate_request(method, path, headers=sent, body=body)

    def get(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.request("HEAD", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.request("DELETE", path, **kwargs)

    # -- conveniences that assert success ------------------------------------------------

    def create_queue(self, name: str, project: str | None = DEFAULT) -> None:
        resp = self.put(f"/v1/queues/{name}", project=project)
        assert resp.status_code == 201, resp.text

    def post_messages(
        self,
        queue: str,
        count: int = 1,
        ttl: int = 300,
        *,
        bodies: Iterable[Any] | None = None,
        project: str | None = DEFAULT,
        client_id: str | None = DEFAULT,
    ) -> list[str]:
        """Post one batch (bodies default to ``{"n": 0}``, ...) and return its ids."""
        if bodies is None:
            bodies = [{"n": n} for n in range(count)]
        batch = [{"ttl": ttl, "body": body} for body in bodies]
        resp = self.post(
            f"/v1/queues/{queue}/messages", json=batch, project=project, client_id=client_id
        )
        assert resp.status_code == 201, resp.text
        return [message_id(href) for href in resp.json["resources"]]

    def claim(
        self,
        queue: str,
        ttl: int = 300,
        grace: int = 60,
        limit: int | None = None,
        *,
        project: str | None = DEFAULT,
    ) -> tuple[str, list[dict[str, Any]]]:
        """Claim and return ``(claim id, claimed messages)``; asserts a 201."""
        path = f"/v1/queues/{queue}/claims"
        if limit is not None:
            path += f"?limit={limit}"
        resp = self.post(path, json={"ttl": ttl, "grace": grace}, project=project)
        assert resp.status_code == 201, resp.text
        return claim_id_of(resp.headers["Location"]), resp.json

    def list_all(
        self, queue: str, query: str = "echo=true", *, project: str | None = DEFAULT
    ) -> list[dict[str, Any]]:
        """Every message of a listing, following ``next`` links until a 204."""
        found: list[dict[str, Any]] = []
        path = f"/v1/queues/{queue}/messages?{query}"
        for _ in range(1000):
            resp = self.get(path, project=project)
            if resp.status_code == 204:
                return found
            assert resp.status_code == 200, resp.text
            found.extend(resp.json["messages"])
            path = resp.json["links"][0]["href"]
        raise AssertionError("listing never ended")


def assert_error(
    resp: falcon.testing.Result,
    status: int,
    title: str,
    description: str | None = NO_DESCRIPTION,
    *,
    method: str = "GET",
) -> None:
    """An error response with exactly this JSON body (and no traceback).

    A HEAD response carries no body, so for ``method="HEAD"`` only the status is checked.
    """
    assert resp.status_code == status, (resp.status, resp.text)
    if method == "HEAD":
        assert_no_body(resp)
        return
    assert resp.headers.get("Content-Type", "").startswith(JSON_CT), resp.headers
    expected: dict[str, str] = {"title": title}
    if description is not NO_DESCRIPTION:
        assert description is not None
        expected["description"] = description
    assert resp.json == expected
    assert "Traceback" not in resp.text


def assert_client_error(resp: falcon.testing.Result) -> None:
    """Some 4xx with a JSON title and description: the least any bad input may get."""
    assert 400 <= resp.status_code < 500, (resp.status, resp.text)
    assert resp.headers.get("Content-Type", "").startswith(JSON_CT), resp.headers
    document = resp.json
    assert isinstance(document, dict)
    assert isinstance(document.get("title"), str) and document["title"]
    assert isinstance(document.get("description"), str) and document["description"]


def assert_no_body(resp: falcon.testing.Result) -> None:
    assert resp.content == b"", resp.content
