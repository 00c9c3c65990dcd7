"""The home documents of v1.1 and v2 list exactly the routes this server serves, admin
resources included when admin_mode (and pooling) serve them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.security.support import served_routes

from .conftest import MakeApi, MakePooled
from .support import Api
from .versions import V1_1, V2, Version, by_version


def shape(template: str) -> str:
    """A URI template with its variables unnamed (the home documents keep the original's
    names, such as ``subscriptions_id``)."""
    return re.sub(r"\{[^}?]+\}", "{}", template)


def listed(home: dict[str, Any]) -> set[tuple[str, str]]:
    routes = set()
    for resource in home["resources"].values():
        template = resource.get("href-template", resource.get("href"))
        path = re.sub(r"\{\?[^}]*\}$", "", template)
        for method in resource["hints"]["allow"]:
            routes.add((shape(path), method))
    return routes


def served(api: Api, version: Version) -> set[tuple[str, str]]:
    own = {version.prefix + "/", version.prefix + "/openapi.json"}
    return {
        (shape(path), method)
        for path, method in served_routes(api.app)
        if path.startswith(version.prefix + "/") and path not in own
    }


@by_version((V1_1, V2))
@pytest.mark.parametrize("mode", ["plain", "admin", "admin-pooled"])
def test_the_home_document_lists_every_served_route(
    make_api: MakeApi, make_pooled: MakePooled, version: Version, mode: str
) -> None:
    if mode == "admin-pooled":
        api = make_pooled()
    else:
        api = make_api(admin_mode=mode == "admin")
    home = api.get(version.prefix + "/")
    assert home.status_code == 200
    assert home.headers["Content-Type"] == "application/json-home"
    assert listed(home.json) == served(api, version)
    admin = {"rel/health", "rel/pools", "rel/pool", "rel/flavors", "rel/flavor"}
    shown = admin & set(home.json["resources"])
    if mode == "plain":
        assert shown == set()
    elif mode == "admin-pooled":
        # v1.1's pools and flavors are v1's (under /v1) for now.
        assert shown == (admin if version.name == "v2" else {"rel/health"})
