"""Query parameters and the ``next`` links built from them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import falcon


def read(req: falcon.Request, spec: tuple[tuple[str, type], ...]) -> dict[str, Any]:
    """The recognised parameters the client sent, parsed, in the order of ``spec``.

    Blank values count as absent; Falcon answers 400 "Invalid parameter" for bad values.
    """
    values: dict[str, Any] = {}
    for name, kind in spec:
        if req.params.get(name) == []:
            # Only commas (``?marker=,``): the CSV split leaves nothing, which Falcon's
            # getters cannot take (they index the empty list). Blank, so absent.
            continue
        if kind is int:
            value: Any = req.get_param_as_int(name)
        elif kind is bool:
            value = req.get_param_as_bool(name)
        else:
            value = req.get_param(name)
        if value is not None:
            values[name] = value
    return values


def others(req: falcon.Request, spec: tuple[tuple[str, type], ...]) -> dict[str, str]:
    """The parameters the client sent that ``spec`` does not name, as text (a value split
    at commas, or repeated, is joined again with commas)."""
    known = {name for name, _ in spec}
    found: dict[str, str] = {}
    for name, value in req.params.items():
        if name in known:
            continue
        found[name] = ",".join(value) if isinstance(value, list) else str(value)
    return found


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return quote(str(value), safe="")


def next_link(path: str, params: dict[str, Any], marker: str) -> str:
    """``path`` with the recognised parameters and ``marker`` (set in place or appended)."""
    merged = dict(params)
    merged["marker"] = marker
    return link(path, merged)


def request_location(req: falcon.Request) -> str:
    """The request path plus its raw query string, for Content-Location."""
    return f"{req.path}?{req.query_string}" if req.query_string else req.path


def link(path: str, params: dict[str, Any]) -> str:
    """``path`` with the recognised parameters as sent (no query when there are none)."""
    if not params:
        return path
    return path + "?" + "&".join(f"{name}={_render(value)}" for name, value in params.items())
