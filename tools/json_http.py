"""One JSON request to a server on loopback, and the headers of a pre-signed one, for the
tools that talk to servers side by side."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

#: The Client-ID the tools send (SPEC's example).
CLIENT_ID = "3381af92-2b9e-11e3-b191-71861300734c"


def call(
    url: str, method: str, headers: dict[str, str | None], body: Any = None
) -> tuple[int, Any]:
    """The status and the decoded JSON answer (None when empty; the text when no JSON); a
    None header is left out."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    given = {name: value for name, value in headers.items() if value is not None}
    sent = {"Client-ID": CLIENT_ID, "Accept": "application/json", **given}
    if data is not None:
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def signed_headers(grant: dict[str, Any], **changes: str | None) -> dict[str, str | None]:
    """The headers of a request made with a share's answer (``POST .../share``), no token
    (Heat's); ``changes`` replace some (None: leave that header out)."""
    headers: dict[str, str | None] = {
        "URL-Signature": grant["signature"],
        "URL-Expires": grant["expires"],
        "URL-Methods": ",".join(grant["methods"]),
        "URL-Paths": ",".join(grant["paths"]),
        "X-Project-ID": grant["project"],
    }
    headers.update(changes)
    return headers
