"""A minimal HTTP/1.1 client for one worker: one connection, reopened when it drops.

``http.client`` costs far less per request than ``requests``, which matters when the load
generator shares two cores with the server it measures. Servers that close the connection
after each response (gunicorn's sync workers do) are handled: the next request reconnects.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
import uuid
from typing import Any

#: Exceptions meaning "no usable response"; the connection is dropped and reopened.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException)


class Client:
    """Requests to one Zaqar endpoint as one client (``Client-ID``) of one project."""

    def __init__(
        self,
        url: str,
        project: str | None = None,
        client_id: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        #: A path the API is mounted under, e.g. ``/messaging``; usually empty.
        self.base_path = parts.path.rstrip("/")
        self.timeout = timeout
        self.client_id = client_id or str(uuid.uuid4())
        self.headers = {
            "Accept": "application/json",
            "Client-ID": self.client_id,
            "User-Agent": "zaqar-bench",
        }
        if project:
            self.headers["X-Project-ID"] = project
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            factory = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            self._connection = factory(self.host, self.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def path(self, api_path: str) -> str:
        """``api_path`` (``/v1/...``, as the server writes hrefs) under the base path."""
        if self.base_path and not api_path.startswith(self.base_path + "/"):
            return self.base_path + api_path
        return api_path

    def request(self, method: str, api_path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request; return status and body. Raises a ``TRANSPORT_ERRORS`` member."""
        headers = self.headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        connection = self._connect()
        try:
            connection.request(method, self.path(api_path), body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except TRANSPORT_ERRORS:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def json(self, method: str, api_path: str, document: Any = None) -> tuple[int, Any]:
        """Like :meth:`request` with a JSON body and a parsed JSON answer (None if empty)."""
        body = None if document is None else json.dumps(document).encode()
        status, data = self.request(method, api_path, body)
        return status, (json.loads(data) if data else None)


def marker_of(href: str) -> str | None:
    """The ``marker`` query parameter of a ``next`` link."""
    query = urllib.parse.urlsplit(href).query
    values = urllib.parse.parse_qs(query).get("marker")
    return values[0] if values else None


def next_marker(document: Any) -> str | None:
    """The marker of the ``next`` link of a message-list page, if it has one."""
    if not isinstance(document, dict):
        return None
    for link in document.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == "next" and "href" in link:
            return marker_of(str(link["href"]))
    return None
