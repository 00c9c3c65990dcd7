"""Helpers of the security suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import falcon

#: HTTP methods an OpenAPI path item can hold.
METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")


def _nodes(nodes: list[Any]) -> Iterator[Any]:
    for node in nodes:
        yield node
        yield from _nodes(node.children)


def served_routes(app: falcon.App[Any, Any]) -> set[tuple[str, str]]:
    """(uri template, method) of every responder the app's resources define themselves.

    Falcon's own defaults (405 for other methods, OPTIONS) are left out.
    """
    routes: set[tuple[str, str]] = set()
    for node in _nodes(app._router._roots):
        if node.resource is None:
            continue
        for method in METHODS:
            if callable(getattr(node.resource, f"on_{method.lower()}", None)):
                routes.add((node.uri_template, method))
    return routes
