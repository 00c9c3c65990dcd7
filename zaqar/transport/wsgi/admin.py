"""The pools admin API (v1: SPEC §2.12; v2: §5.2), mounted with ``admin_mode`` and
``pooling`` only. Every responder is guarded by ``auth.require_admin``; the behaviour lives
in ``zaqar.api.pools``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon

from zaqar.api import context
from zaqar.api.flavors import Flavors, FlavorShown
from zaqar.api.pools import Pools, redacted
from zaqar.api.service import Operations, Service
from zaqar.storage import base
from zaqar.transport.wsgi import auth, media, params

POOL_LIST_PARAMS = (("marker", str), ("limit", int), ("detailed", bool))
DEFAULT_LIMIT = 10


def next_links(
    req: falcon.Request, given: dict[str, Any], shown: bool, marker: str | None, always: bool
) -> list[dict[str, str]]:
    """The ``next`` link of an admin listing: after ``marker`` when the page ``shown``
    something; else the request's own when ``always`` (v1), or none."""
    if shown and marker is not None:
        return [{"rel": "next", "href": params.next_link(req.path, given, marker)}]
    if always:
        return [{"rel": "next", "href": params.link(req.path, given)}]
    return []


@dataclass(frozen=True)
class PoolViews:
    """How one API version shows pools (v1 and v2 differ in two details)."""

    prefix: str
    #: v1 shows a next link even on an empty page (then: the request's own); v2 none.
    always_link: bool
    #: v2's PATCH answers with the pool as it now is; v1's answers no body.
    patch_shows_pool: bool

    def path(self, name: str) -> str:
        return f"{self.prefix}/pools/{name}"

    def pool(self, pool: base.Pool, detailed: bool) -> dict[str, Any]:
        """A pool; the URI never shows a password."""
        view: dict[str, Any] = {
            "name": pool.name,
            "uri": redacted(pool.uri),
            "weight": pool.weight,
            "flavor": pool.flavor,
        }
        if detailed:
            view["options"] = pool.options
        view["href"] = self.path(pool.name)
        return view

    def page(
        self, req: falcon.Request, given: dict[str, Any], page: base.Page[base.Pool]
    ) -> dict[str, Any]:
        detailed = given.get("detailed", False)
        links = next_links(req, given, bool(page.items), page.next_marker, self.always_link)
        return {"pools": [self.pool(pool, detailed) for pool in page.items], "links": links}


V1_VIEWS = PoolViews("/v1", always_link=True, patch_shows_pool=False)


@falcon.before(auth.require_admin)
class PoolList:
    unavailable = {"GET": "Pools could not be listed."}

    def __init__(self, pools: Pools, views: PoolViews = V1_VIEWS) -> None:
        self._pools = pools
        self._views = views

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_location = params.request_location(req)
        given = params.read(req, POOL_LIST_PARAMS)
        page = self._pools.list(
            given.get("marker"), given.get("limit", DEFAULT_LIMIT), caller=req.context.caller
        )
        media.write_json(resp, self._views.page(req, given, page))


@falcon.before(auth.require_admin)
class Pool:
    unavailable = {
        "PUT": "Pool could not be created.",
        "GET": "Pool could not be queried.",
        "PATCH": "Pool could not be updated.",
        "DELETE": "Pool could not be deleted.",
    }

    def __init__(self, pools: Pools, body: media.BodyRules, views: PoolViews = V1_VIEWS) -> None:
        self._pools = pools
        self._body = body
        self._views = views

    def on_put(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        # Creating an existing pool replaces it wholly, and answers 201 as well.
        self._pools.create(pool_name, self._body.read_object(req), caller=req.context.caller)
        resp.status = falcon.HTTP_201
        resp.location = req.path

    def on_get(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        detailed = req.get_param_as_bool("detailed") or False
        pool = self._pools.get(pool_name, caller=req.context.caller)
        resp.content_location = params.request_location(req)
        media.write_json(resp, self._views.pool(pool, detailed))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        pool = self._pools.update(pool_name, self._body.read_object(req), caller=req.context.caller)
        if self._views.patch_shows_pool:
            media.write_json(resp, self._views.pool(pool, detailed=True))
        resp.status = falcon.HTTP_200

    def on_delete(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        self._pools.delete(pool_name, caller=req.context.caller)
        resp.status = falcon.HTTP_204


@falcon.before(auth.require_admin)
class PoolMoves:
    """``POST /v1/pools/{name}/moves`` moves a queue onto the pool (not in the original
    API). It answers when the move is done: writes to that queue pause meanwhile."""

    unavailable = {"POST": "The queue could not be moved."}

    def __init__(self, pools: Pools, body: media.BodyRules) -> None:
        self._pools = pools
        self._body = body

    def on_post(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        report = self._pools.move_queue(pool_name, self._body.read_object(req))
        media.write_json(
            resp,
            {
                "queue": report.queue,
                "project": report.project,
                "from": report.source,
                "to": report.target,
                "messages": report.messages,
                "paused": round(report.paused, 3),
            },
        )


FLAVOR_LIST_PARAMS = (("marker", str), ("limit", int), ("detailed", bool))


def flavor_view(prefix: str, shown: FlavorShown) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": shown.flavor.name,
        "project": shown.flavor.project,
        "pool_list": shown.pools,
    }
    if shown.capabilities is not None:
        view["capabilities"] = shown.capabilities
    view["href"] = f"{prefix}/flavors/{shown.flavor.name}"
    return view


@falcon.before(auth.require_admin)
class FlavorList:
    unavailable = {"GET": "Flavors could not be listed."}

    def __init__(self, flavors: Flavors, prefix: str) -> None:
        self._flavors = flavors
        self._prefix = prefix

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_location = params.request_location(req)
        given = params.read(req, FLAVOR_LIST_PARAMS)
        shown, marker = self._flavors.list(
            given.get("marker"),
            given.get("limit", DEFAULT_LIMIT),
            given.get("detailed", False),
            caller=req.context.caller,
        )
        links = next_links(req, given, bool(shown), marker, always=False)
        document = {"flavors": [flavor_view(self._prefix, f) for f in shown], "links": links}
        media.write_json(resp, document)


@falcon.before(auth.require_admin)
class Flavor:
    unavailable = {
        "PUT": "Flavor could not be created.",
        "GET": "Flavor could not be queried.",
        "PATCH": "Flavor could not be updated.",
        "DELETE": "Flavor could not be deleted.",
    }

    def __init__(self, flavors: Flavors, body: media.BodyRules, prefix: str) -> None:
        self._flavors = flavors
        self._body = body
        self._prefix = prefix

    def on_put(self, req: falcon.Request, resp: falcon.Response, flavor_name: str) -> None:
        self._flavors.create(flavor_name, self._body.read_json(req), caller=req.context.caller)
        resp.status = falcon.HTTP_201
        resp.location = req.path

    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_name: str) -> None:
        shown = self._flavors.get(flavor_name, caller=req.context.caller)
        resp.content_location = req.path
        media.write_json(resp, flavor_view(self._prefix, shown))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, flavor_name: str) -> None:
        shown = self._flavors.update(
            flavor_name, self._body.read_json(req), caller=req.context.caller
        )
        media.write_json(resp, flavor_view(self._prefix, shown))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, flavor_name: str) -> None:
        self._flavors.delete(flavor_name, caller=req.context.caller)
        resp.status = falcon.HTTP_204


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """v1's pools routes, or none without ``pooling``."""
    pools = service.under(context.V1).pools
    if pools is None:
        return []
    return [
        ("/v1/pools", PoolList(pools)),
        ("/v1/pools/{pool_name}", Pool(pools, body)),
        ("/v1/pools/{pool_name}/moves", PoolMoves(pools, body)),
    ]


def pool_routes(
    operations: Operations, body: media.BodyRules, views: PoolViews
) -> list[tuple[str, Any]]:
    """v2's pools and flavors routes (checking its rules), or none without ``pooling``."""
    if operations.pools is None or operations.flavors is None:
        return []
    prefix = views.prefix
    return [
        (prefix + "/pools", PoolList(operations.pools, views)),
        (prefix + "/pools/{pool_name}", Pool(operations.pools, body, views)),
        (prefix + "/flavors", FlavorList(operations.flavors, prefix)),
        (prefix + "/flavors/{flavor_name}", Flavor(operations.flavors, body, prefix)),
    ]
