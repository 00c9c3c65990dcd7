"""API v1: routes and representations. The behaviour lives in ``zaqar.api``."""

from __future__ import annotations

import json
import time
from typing import Any

import falcon

from zaqar.api import validation
from zaqar.api.errors import BadRequestBody, ValidationFailed
from zaqar.api.service import Service
from zaqar.storage import base
from zaqar.transport.wsgi import admin, media, openapi, params

PREFIX = "/v1"

QUEUE_LIST_PARAMS = (("marker", str), ("limit", int), ("detailed", bool))
MESSAGE_LIST_PARAMS = (
    ("marker", str),
    ("limit", int),
    ("echo", bool),
    ("include_claimed", bool),
)
DEFAULT_LIMIT = 10


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


def stamp_view(queue: str, stamp: base.MessageStamp) -> dict[str, Any]:
    return {
        "age": stamp.age,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp.created)),
        "href": message_path(queue, stamp.id),
    }


def stats_view(queue: str, stats: base.QueueStats) -> dict[str, Any]:
    counts: dict[str, Any] = {"claimed": stats.claimed, "free": stats.free, "total": stats.total}
    if stats.oldest is not None and stats.newest is not None:
        counts["oldest"] = stamp_view(queue, stats.oldest)
        counts["newest"] = stamp_view(queue, stats.newest)
    return {"messages": counts}


def _resource(
    href: str, allow: list[str], href_vars: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {"href-template": href}
    if href_vars:
        resource["href-vars"] = href_vars
    hints: dict[str, Any] = {"allow": allow, "formats": {"application/json": {}}}
    hints.update(extra)
    resource["hints"] = hints
    return resource


_QUEUE = {"queue_name": "param/queue_name"}
HOME = {
    "resources": {
        "rel/queues": _resource(
            "/v1/queues{?marker,limit,detailed}",
            ["GET"],
            {"marker": "param/marker", "limit": "param/queue_limit", "detailed": "param/detailed"},
        ),
        "rel/queue": _resource("/v1/queues/{queue_name}", ["GET", "HEAD", "PUT", "DELETE"], _QUEUE),
        "rel/queue-metadata": _resource("/v1/queues/{queue_name}/metadata", ["GET", "PUT"], _QUEUE),
        "rel/queue-stats": _resource("/v1/queues/{queue_name}/stats", ["GET"], _QUEUE),
        "rel/messages": _resource(
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
        "rel/post-messages": _resource(
            "/v1/queues/{queue_name}/messages",
            ["POST"],
            _QUEUE,
            **{"accept-post": ["application/json"]},
        ),
        "rel/claim": _resource(
            "/v1/queues/{queue_name}/claims{?limit}",
            ["POST"],
            {**_QUEUE, "limit": "param/claim_limit"},
            **{"accept-post": ["application/json"]},
        ),
    }
}
HOME_DOCUMENT = json.dumps(HOME, indent=4).encode("utf-8")


# -- resources -----------------------------------------------------------------------------


def _require_client_id(req: falcon.Request) -> str:
    client_id: str | None = req.context.client_id
    if client_id is None:
        raise falcon.HTTPBadRequest(
            title="Missing header value", description='The "Client-ID" header is required.'
        )
    return client_id


class Home:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "application/json-home"
        resp.cache_control = ["max-age=86400"]
        resp.data = HOME_DOCUMENT


class Health:
    def __init__(self, service: Service) -> None:
        self._service = service

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204 if self._service.is_alive() else falcon.HTTP_503

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204


class Queues:
    unavailable = {"GET": "Queues could not be listed."}

    def __init__(self, service: Service) -> None:
        self._queues = service.queues

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_location = params.request_location(req)
        given = params.read(req, QUEUE_LIST_PARAMS)
        detailed = given.get("detailed", False)
        page = self._queues.list(
            req.context.project, given.get("marker"), given.get("limit", DEFAULT_LIMIT), detailed
        )
        if not page.items or page.next_marker is None:
            resp.status = falcon.HTTP_204
            return
        views = []
        for queue in page.items:
            view: dict[str, Any] = {"name": queue.name}
            if detailed:
                view["metadata"] = queue.metadata
            view["href"] = queue_path(queue.name)
            views.append(view)
        link = params.next_link(req.path, given, page.next_marker)
        media.write_json(resp, {"queues": views, "links": [{"rel": "next", "href": link}]})


class Queue:
    unavailable = {
        "PUT": "Queue could not be created.",
        "GET": "Queue could not be queried.",
        "HEAD": "Queue could not be queried.",
        "DELETE": "Queue could not be deleted.",
    }

    def __init__(self, service: Service) -> None:
        self._queues = service.queues

    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        # v1 ignores the body: metadata is set through /metadata only.
        created = self._queues.create(queue_name, req.context.project)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_204
        resp.location = req.path

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        exists = self._queues.exists(queue_name, req.context.project)
        resp.status = falcon.HTTP_204 if exists else falcon.HTTP_404
        resp.content_location = req.path

    on_head = on_get

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._queues.delete(queue_name, req.context.project)
        resp.status = falcon.HTTP_204


class Metadata:
    unavailable = {
        "GET": "Queue metadata could not be retrieved.",
        "PUT": "Metadata could not be updated.",
    }

    def __init__(self, service: Service, body: media.BodyRules) -> None:
        self._queues = service.queues
        self._limits = service.limits
        self._body = body

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        metadata = self._queues.get_metadata(queue_name, req.context.project)
        resp.content_location = req.path
        media.write_json(resp, metadata)

    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        limits = self._limits
        metadata = self._body.read_object(
            req, limits.max_queue_metadata, lambda size: validation.metadata_size(size, limits)
        )
        if any(key.startswith("_") for key in metadata):
            raise ValidationFailed(
                'Reserved queue attributes in metadata (which names start with "_") can not '
                "be set in API v1."
            )
        self._queues.set_metadata(queue_name, req.context.project, metadata)
        resp.status = falcon.HTTP_204
        resp.location = req.path


class Stats:
    unavailable = {"GET": "Queue stats could not be read."}

    def __init__(self, service: Service) -> None:
        self._queues = service.queues

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        stats = self._queues.stats(queue_name, req.context.project)
        resp.content_location = req.path
        media.write_json(resp, stats_view(queue_name, stats))


class Messages:
    unavailable = {
        "POST": "Messages could not be enqueued.",
        "GET": "Messages could not be listed.",
        "DELETE": "Messages could not be deleted.",
    }

    def __init__(self, service: Service, body: media.BodyRules) -> None:
        self._messages = service.messages
        self._limits = service.limits
        self._body = body

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        client_id = _require_client_id(req)
        limits = self._limits
        documents = self._body.read_array(
            req, limits.max_messages_post_size, lambda size: validation.post_size(size, limits)
        )
        batch = []
        for document in documents:
            if not isinstance(document, dict):
                raise BadRequestBody("Document type not supported.")
            ttl = validation.field(document, "ttl", int)
            body = validation.field(document, "body", object)
            batch.append(base.NewMessage(ttl=ttl, body=body))
        ids = self._messages.post(queue_name, req.context.project, batch, client_id)
        resp.location = f"{req.path}?ids={','.join(ids)}"
        media.write_json(
            resp,
            {"resources": [message_path(queue_name, i) for i in ids], "partial": False},
            falcon.HTTP_201,
        )

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        resp.content_location = params.request_location(req)
        ids = req.get_param_as_list("ids")
        if ids is not None:
            found = self._messages.bulk_get(queue_name, req.context.project, ids)
            if not found:
                resp.status = falcon.HTTP_204
                return
            media.write_json(resp, [message_view(queue_name, m) for m in found])
            return
        client_id = _require_client_id(req)
        given = params.read(req, MESSAGE_LIST_PARAMS)
        page = self._messages.list(
            queue_name,
            req.context.project,
            given.get("marker"),
            given.get("limit", DEFAULT_LIMIT),
            given.get("echo", False),
            client_id,
            given.get("include_claimed", False),
        )
        if not page.items or page.next_marker is None:
            resp.status = falcon.HTTP_204
            return
        link = params.next_link(req.path, given, page.next_marker)
        media.write_json(
            resp,
            {
                "messages": [message_view(queue_name, m) for m in page.items],
                "links": [{"rel": "next", "href": link}],
            },
        )

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = req.get_param_as_list("ids", required=True)
        self._messages.bulk_delete(queue_name, req.context.project, ids)
        resp.status = falcon.HTTP_204


class Message:
    unavailable = {
        "GET": "Message could not be retrieved.",
        "DELETE": "Message could not be deleted.",
    }

    def __init__(self, service: Service) -> None:
        self._messages = service.messages

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        message = self._messages.get(queue_name, req.context.project, message_id)
        resp.content_location = params.request_location(req)
        media.write_json(resp, message_view(queue_name, message))

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        claim_id = req.get_param("claim_id")
        self._messages.delete(queue_name, req.context.project, message_id, claim_id)
        resp.status = falcon.HTTP_204


class Claims:
    unavailable = {"POST": "Claim could not be created."}

    def __init__(self, service: Service, body: media.BodyRules) -> None:
        self._claims = service.claims
        self._body = body

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        document = self._body.read_object(req)
        ttl = validation.field(document, "ttl", int)
        grace = validation.field(document, "grace", int)
        limit = req.get_param_as_int("limit")
        claim = self._claims.create(
            queue_name,
            req.context.project,
            ttl,
            grace,
            DEFAULT_LIMIT if limit is None else limit,
        )
        if claim is None:
            resp.status = falcon.HTTP_204
            return
        resp.location = f"{req.path}/{claim.id}"
        media.write_json(
            resp, [message_view(queue_name, m, claim.id) for m in claim.messages], falcon.HTTP_201
        )


class Claim:
    unavailable = {
        "GET": "Claim could not be queried.",
        "PATCH": "Claim could not be updated.",
        "DELETE": "Claim could not be deleted.",
    }

    def __init__(self, service: Service, body: media.BodyRules) -> None:
        self._claims = service.claims
        self._body = body

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        claim = self._claims.get(queue_name, req.context.project, claim_id)
        resp.content_location = params.request_location(req)
        media.write_json(
            resp,
            {
                "age": claim.age,
                "ttl": claim.ttl,
                "href": req.path,
                "messages": [message_view(queue_name, m, claim.id) for m in claim.messages],
            },
        )

    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        document = self._body.read_object(req)
        ttl = validation.field(document, "ttl", int)
        grace = validation.field(document, "grace", int, default=0)
        self._claims.update(queue_name, req.context.project, claim_id, ttl, grace)
        resp.status = falcon.HTTP_204

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        self._claims.delete(queue_name, req.context.project, claim_id)
        resp.status = falcon.HTTP_204


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    queue = PREFIX + "/queues/{queue_name}"
    return [
        (PREFIX + "/", Home()),
        (PREFIX + "/health", Health(service)),
        (PREFIX + "/openapi.json", openapi.OpenAPI()),
        (PREFIX + "/queues", Queues(service)),
        (queue, Queue(service)),
        (queue + "/metadata", Metadata(service, body)),
        (queue + "/stats", Stats(service)),
        (queue + "/messages", Messages(service, body)),
        (queue + "/messages/{message_id}", Message(service)),
        (queue + "/claims", Claims(service, body)),
        (queue + "/claims/{claim_id}", Claim(service, body)),
    ]


def admin_routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """Routes mounted only with ``admin_mode``; each resource guards itself with
    ``auth.require_admin``.

    v1 has one family of admin routes, ``/v1/pools`` (SPEC §2.12, ``admin.py``), which also
    needs ``pooling``.
    """
    return admin.routes(service, body)
