"""API v1 admin routes: the pools API (SPEC §2.12), mounted with ``admin_mode`` and
``pooling`` only. Every responder is guarded by ``auth.require_admin``; the behaviour lives
in ``zaqar.api.pools``."""

from __future__ import annotations

from typing import Any

import falcon

from zaqar.api.pools import Pools, redacted
from zaqar.api.service import Service
from zaqar.storage import base
from zaqar.transport.wsgi import auth, media, params

PREFIX = "/v1"

POOL_LIST_PARAMS = (("marker", str), ("limit", int), ("detailed", bool))
DEFAULT_LIMIT = 10


def pool_path(name: str) -> str:
    return f"{PREFIX}/pools/{name}"


def pool_view(pool: base.Pool, detailed: bool) -> dict[str, Any]:
    """A pool as v1 shows it; the URI never shows a password."""
    view: dict[str, Any] = {
        "name": pool.name,
        "uri": redacted(pool.uri),
        "weight": pool.weight,
        "flavor": pool.flavor,
    }
    if detailed:
        view["options"] = pool.options
    view["href"] = pool_path(pool.name)
    return view


@falcon.before(auth.require_admin)
class PoolList:
    unavailable = {"GET": "Pools could not be listed."}

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_location = params.request_location(req)
        given = params.read(req, POOL_LIST_PARAMS)
        detailed = given.get("detailed", False)
        page = self._pools.list(given.get("marker"), given.get("limit", DEFAULT_LIMIT))
        # v1 always shows a next link, even for an empty page (then: the request's own).
        if page.items and page.next_marker is not None:
            href = params.next_link(req.path, given, page.next_marker)
        else:
            href = params.link(req.path, given)
        media.write_json(
            resp,
            {
                "pools": [pool_view(pool, detailed) for pool in page.items],
                "links": [{"rel": "next", "href": href}],
            },
        )


@falcon.before(auth.require_admin)
class Pool:
    unavailable = {
        "PUT": "Pool could not be created.",
        "GET": "Pool could not be queried.",
        "PATCH": "Pool could not be updated.",
        "DELETE": "Pool could not be deleted.",
    }

    def __init__(self, pools: Pools, body: media.BodyRules) -> None:
        self._pools = pools
        self._body = body

    def on_put(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        # Creating an existing pool replaces it wholly, and answers 201 as well.
        self._pools.create(pool_name, self._body.read_object(req))
        resp.status = falcon.HTTP_201
        resp.location = req.path

    def on_get(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        detailed = req.get_param_as_bool("detailed") or False
        pool = self._pools.get(pool_name)
        resp.content_location = params.request_location(req)
        media.write_json(resp, pool_view(pool, detailed))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        self._pools.update(pool_name, self._body.read_object(req))
        resp.status = falcon.HTTP_200

    def on_delete(self, req: falcon.Request, resp: falcon.Response, pool_name: str) -> None:
        self._pools.delete(pool_name)
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


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """The pools routes, or none without ``pooling``."""
    if service.pools is None:
        return []
    return [
        (PREFIX + "/pools", PoolList(service.pools)),
        (PREFIX + "/pools/{pool_name}", Pool(service.pools, body)),
        (PREFIX + "/pools/{pool_name}/moves", PoolMoves(service.pools, body)),
    ]
