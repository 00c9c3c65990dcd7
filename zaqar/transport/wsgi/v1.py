"""API v1: its policy, its representations and its route table.

The behaviour lives in ``zaqar.api``; the responders, shared by every version, in
``resources.py``.
"""

from __future__ import annotations

import json
from typing import Any

import falcon

from zaqar.api import context
from zaqar.api.service import Service
from zaqar.storage import base
from zaqar.transport.wsgi import admin, media, resources
from zaqar.transport.wsgi.views import home_resource, stats_document

POLICY = context.V1
PREFIX = "/" + POLICY.version


# -- representations ---------------------------------------------------------------------


def queue_path(name: str) -> str:
    return f"{PREFIX}/queues/{name}"


def message_path(queue: str, message_id: str) -> str:
    return f"{PREFIX}/queues/{queue}/messages/{message_id}"


def message_view(queue: str, message: base.Message, claim_id: str | None = None) -> dict[str, Any]:
    """A message as v1 shows it: exactly href, ttl, age and body."""
    href = message_path(queue, message.id)
    if claim_id is not None:
        href += f"?claim_id={claim_id}"
    return {"href": href, "ttl": message.ttl, "age": message.age, "body": message.body}


class Views:
    """What v1 shows: bare arrays for messages by id and claims, 204 for an empty page."""

    prefix = PREFIX

    def queue_page(
        self,
        page: base.Page[base.Queue],
        detailed: bool,
        next_href: str | None,
        count: int | None = None,
    ) -> dict[str, Any] | None:
        if not page.items or next_href is None:
            return None
        queues = []
        for queue in page.items:
            view: dict[str, Any] = {"name": queue.name}
            if detailed:
                view["metadata"] = queue.metadata
            view["href"] = queue_path(queue.name)
            queues.append(view)
        return {"queues": queues, "links": [{"rel": "next", "href": next_href}]}

    def stats(self, queue: str, stats: base.QueueStats) -> dict[str, Any]:
        return stats_document(stats, lambda message_id: message_path(queue, message_id))

    def posted(self, queue: str, ids: list[str]) -> dict[str, Any]:
        return {"resources": [message_path(queue, i) for i in ids], "partial": False}

    def message_page(
        self, queue: str, page: base.Page[base.Message], next_href: str | None
    ) -> dict[str, Any] | None:
        if not page.items or next_href is None:
            return None
        return {
            "messages": [message_view(queue, m) for m in page.items],
            "links": [{"rel": "next", "href": next_href}],
        }

    def by_ids(
        self, queue: str, found: list[base.Message], ids: list[str], project: str | None
    ) -> list[Any] | None:
        return [message_view(queue, m) for m in found] if found else None

    def message(self, queue: str, message: base.Message) -> dict[str, Any]:
        return message_view(queue, message)

    def claimed(self, queue: str, claim: base.Claim) -> list[Any]:
        return [message_view(queue, m, claim.id) for m in claim.messages]

    def claim(self, queue: str, claim: base.Claim, href: str) -> dict[str, Any]:
        return {
            "age": claim.age,
            "ttl": claim.ttl,
            "href": href,
            "messages": [message_view(queue, m, claim.id) for m in claim.messages],
        }


_QUEUE = {"queue_name": "param/queue_name"}
HOME = {
    "resources": {
        "rel/queues": home_resource(
            "/v1/queues{?marker,limit,detailed}",
            ["GET"],
            {"marker": "param/marker", "limit": "param/queue_limit", "detailed": "param/detailed"},
        ),
        "rel/queue": home_resource(
            "/v1/queues/{queue_name}", ["GET", "HEAD", "PUT", "DELETE"], _QUEUE
        ),
        "rel/queue-metadata": home_resource(
            "/v1/queues/{queue_name}/metadata", ["GET", "PUT"], _QUEUE
        ),
        "rel/queue-stats": home_resource("/v1/queues/{queue_name}/stats", ["GET"], _QUEUE),
        "rel/messages": home_resource(
            "/v1/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
            ["GET"],
            {
                **_QUEUE,
                "marker": "param/marker",
                "limit": "param/messages_limit",
                "echo": "param/echo",
                "include_claimed": "param/include_claimed",
            },
        ),
        "rel/post-messages": home_resource(
            "/v1/queues/{queue_name}/messages",
            ["POST"],
            _QUEUE,
            **{"accept-post": ["application/json"]},
        ),
        "rel/claim": home_resource(
            "/v1/queues/{queue_name}/claims{?limit}",
            ["POST"],
            {**_QUEUE, "limit": "param/claim_limit"},
            **{"accept-post": ["application/json"]},
        ),
    }
}
HOME_DOCUMENT = json.dumps(HOME, indent=4).encode("utf-8")


class Home:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "application/json-home"
        resp.cache_control = ["max-age=86400"]
        resp.data = HOME_DOCUMENT


# -- routes --------------------------------------------------------------------------------


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    operations = service.under(POLICY)
    views = Views()
    queue = PREFIX + "/queues/{queue_name}"
    return [
        (PREFIX + "/", Home()),
        (PREFIX + "/health", resources.Ping(service)),
        (PREFIX + "/queues", resources.Queues(operations, views)),
        (queue, resources.Queue(operations)),
        (queue + "/metadata", resources.Metadata(operations, body)),
        (queue + "/stats", resources.Stats(operations, views)),
        (queue + "/messages", resources.Messages(operations, views, body)),
        (queue + "/messages/{message_id}", resources.Message(operations, views)),
        (queue + "/claims", resources.Claims(operations, views, body)),
        (queue + "/claims/{claim_id}", resources.Claim(operations, views, body)),
    ]


def admin_routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """Routes mounted only with ``admin_mode``; each resource guards itself with
    ``auth.require_admin``.

    v1 has one family of admin routes, ``/v1/pools`` (SPEC §2.12, ``admin.py``), which also
    needs ``pooling``.
    """
    return admin.routes(service, body)
