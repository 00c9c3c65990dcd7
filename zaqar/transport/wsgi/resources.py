"""The responders of the queue, message and claim routes, for every API version.

A responder reads the request (path, query parameters, body), calls one operation of
``zaqar.api`` as the request's caller, and writes what its version's views make of the
result. What a version reads differently is in its ``Policy`` (inside the operations); what
it shows differently is in its ``Views``; which responder serves which path is in its route
table (``v1.py``, ``v1_1.py``, ``v2.py``).

``unavailable`` names, per method, what a 503 from the responder says it could not do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import falcon

from zaqar.api import validation
from zaqar.api.errors import BadRequestBody
from zaqar.api.service import Operations, Service
from zaqar.storage import base
from zaqar.transport.wsgi import auth, media, params
from zaqar.transport.wsgi.views import (
    PopViews,
    Views,
    dead_letter_view,
    delivery_view,
    subscription_view,
)

QUEUE_LIST_PARAMS = (("marker", str), ("limit", int), ("detailed", bool))
#: v2's: any other parameter is a metadata filter.
FILTERED_QUEUE_LIST_PARAMS = (*QUEUE_LIST_PARAMS, ("name", str), ("with_count", bool))
MESSAGE_LIST_PARAMS = (("marker", str), ("limit", int), ("echo", bool), ("include_claimed", bool))
SUBSCRIPTION_LIST_PARAMS = (("marker", str), ("limit", int))
#: v2's: delays are a queue setting.
DELAYED_MESSAGE_LIST_PARAMS = (*MESSAGE_LIST_PARAMS, ("include_delayed", bool))


def _answer(resp: falcon.Response, document: Any, status: str = falcon.HTTP_200) -> None:
    """``document`` as JSON, or 204 when the views had nothing to show."""
    if document is None:
        resp.status = falcon.HTTP_204
    else:
        media.write_json(resp, document, status)


def _body_or_none(
    req: falcon.Request, read: Callable[[], Any], optional: bool = True
) -> Callable[[], Any] | None:
    """``read``, or None when the body is ``optional`` and the request has none (no
    Content-Length, or 0). A body v1 requires is always read: an empty one is unparsable."""
    return read if req.content_length or not optional else None


def _next(req: falcon.Request, given: dict[str, Any], page: base.Page[Any]) -> str | None:
    """The link to the page after ``page``: the request's parameters with its marker."""
    if page.next_marker is None:
        return None
    return params.next_link(req.path, given, page.next_marker)


class Ping:
    """Whether the storage answers: 204, or 503."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204 if self._service.is_alive() else falcon.HTTP_503

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204


class Health:
    """The detailed health report (admin API): a real round of operations on every store."""

    unavailable = {"GET": "Health status could not be read."}

    def __init__(self, operations: Operations) -> None:
        self._health = operations.health

    @falcon.before(auth.require_admin)
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        media.write_json(resp, self._health.report(caller=req.context.caller))


class Queues:
    unavailable = {"GET": "Queues could not be listed."}

    def __init__(self, operations: Operations, views: Views) -> None:
        self._queues = operations.queues
        self._views = views
        self._filters = operations.policy.listing_filters

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_location = params.request_location(req)
        if self._filters:
            given = params.read(req, FILTERED_QUEUE_LIST_PARAMS)
            metadata = params.others(req, FILTERED_QUEUE_LIST_PARAMS)
        else:
            given, metadata = params.read(req, QUEUE_LIST_PARAMS), {}
        detailed = given.get("detailed", False)
        caller = req.context.caller
        page = self._queues.list(
            given.get("marker"),
            given.get("limit"),
            detailed,
            caller=caller,
            name=given.get("name"),
            metadata=metadata,
        )
        count = self._queues.count(caller=caller) if given.get("with_count") else None
        links = _next(req, {**given, **metadata}, page)
        _answer(resp, self._views.queue_page(page, detailed, links, count))


class Queue:
    """v1's queue: PUT creates it (the body is ignored), GET and HEAD say whether it exists."""

    unavailable = {
        "PUT": "Queue could not be created.",
        "GET": "Queue could not be queried.",
        "HEAD": "Queue could not be queried.",
        "DELETE": "Queue could not be deleted.",
    }

    def __init__(self, operations: Operations) -> None:
        self._queues = operations.queues

    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        created = self._queues.create(queue_name, caller=req.context.caller)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_204
        resp.location = req.path

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        exists = self._queues.exists(queue_name, caller=req.context.caller)
        resp.status = falcon.HTTP_204 if exists else falcon.HTTP_404
        resp.content_location = req.path

    on_head = on_get

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._queues.delete(queue_name, caller=req.context.caller)
        resp.status = falcon.HTTP_204


class QueueDocument:
    """v1.1 and v2's queue: PUT creates it with the metadata of an optional body, GET gives
    its metadata (no HEAD)."""

    unavailable = {
        "PUT": "Queue could not be created.",
        "GET": "Queue metadata could not be retrieved.",
        "DELETE": "Queue could not be deleted.",
    }

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._queues = operations.queues
        self._limits = operations.limits
        self._body = body

    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        limits = self._limits
        created = self._queues.create(
            queue_name,
            _body_or_none(
                req,
                lambda: self._body.read_json(
                    req,
                    limits.max_queue_metadata,
                    lambda size: validation.metadata_size(size, limits),
                ),
            ),
            caller=req.context.caller,
        )
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_204
        resp.location = req.path

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        metadata = self._queues.get_metadata(queue_name, caller=req.context.caller)
        resp.content_location = req.path
        media.write_json(resp, metadata)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._queues.delete(queue_name, caller=req.context.caller)
        resp.status = falcon.HTTP_204


#: The only media type a queue PATCH may have (JSON patch, draft 10, as v2 names it).
JSON_PATCH = "application/openstack-messaging-v2.0-json-patch"


class PatchableQueueDocument(QueueDocument):
    """v2's queue: also PATCH with a JSON patch of its metadata."""

    unavailable = {**QueueDocument.unavailable, "PATCH": "Queue could not be updated."}

    def on_patch(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        if req.content_type != JSON_PATCH:
            accepted = {"Accept-Patch": JSON_PATCH}
            raise falcon.HTTPUnsupportedMediaType(
                description=f"Accepted media type for PATCH: {accepted}.",
                headers=accepted,
            )
        if not req.content_length:
            raise BadRequestBody("PATCH body could not be empty for update.")
        limits = self._limits
        metadata = self._queues.patch(
            queue_name,
            lambda: self._body.read_json(
                req, limits.max_queue_metadata, lambda size: validation.metadata_size(size, limits)
            ),
            caller=req.context.caller,
        )
        resp.content_location = req.path
        media.write_json(resp, metadata)


class Purge:
    """v2's ``POST .../purge``: empties the queue of what the body names (everything
    without a body)."""

    unavailable = {"POST": "Queue could not be purged."}

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._queues = operations.queues
        self._body = body

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._queues.purge(
            queue_name,
            _body_or_none(req, lambda: self._body.read_json(req)),
            caller=req.context.caller,
        )
        resp.status = falcon.HTTP_204


class Share:
    """v2's ``POST .../share``: a pre-signed URL for some of the queue's resources."""

    unavailable = {"POST": "The queue could not be shared."}

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._shares = operations.shares
        self._body = body

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        grant, signature = self._shares.share(
            queue_name,
            lambda: self._body.read_json(req),
            caller=req.context.caller,
            queue_path=req.path.rsplit("/", 1)[0],
        )
        media.write_json(
            resp,
            {
                "paths": list(grant.paths),
                "methods": list(grant.methods),
                "project": grant.project,
                "expires": grant.expires_text,
                "signature": signature,
            },
        )


class Metadata:
    unavailable = {
        "GET": "Queue metadata could not be retrieved.",
        "PUT": "Metadata could not be updated.",
    }

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._queues = operations.queues
        self._limits = operations.limits
        self._body = body

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        metadata = self._queues.get_metadata(queue_name, caller=req.context.caller)
        resp.content_location = req.path
        media.write_json(resp, metadata)

    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        limits = self._limits
        self._queues.set_metadata(
            queue_name,
            lambda: self._body.read_json(
                req, limits.max_queue_metadata, lambda size: validation.metadata_size(size, limits)
            ),
            caller=req.context.caller,
        )
        resp.status = falcon.HTTP_204
        resp.location = req.path


class Stats:
    unavailable = {"GET": "Queue stats could not be read."}

    def __init__(self, operations: Operations, views: Views) -> None:
        self._queues = operations.queues
        self._views = views

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        stats = self._queues.stats(queue_name, caller=req.context.caller)
        resp.content_location = req.path
        media.write_json(resp, self._views.stats(queue_name, stats))


class Messages:
    unavailable = {
        "POST": "Messages could not be enqueued.",
        "GET": "Messages could not be listed.",
        "DELETE": "Messages could not be deleted.",
    }

    def __init__(self, operations: Operations, views: Views, body: media.BodyRules) -> None:
        self._messages = operations.messages
        self._views = views
        self._body = body
        self._listing = (
            DELAYED_MESSAGE_LIST_PARAMS if operations.policy.queue_settings else MESSAGE_LIST_PARAMS
        )

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = self._messages.post(
            queue_name,
            lambda limit: self._body.read_json(
                req, limit, lambda size: validation.post_size(size, limit)
            ),
            caller=req.context.caller,
        )
        resp.location = f"{req.path}?ids={','.join(ids)}"
        media.write_json(resp, self._views.posted(queue_name, ids), falcon.HTTP_201)

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        resp.content_location = params.request_location(req)
        caller = req.context.caller
        ids = req.get_param_as_list("ids")
        if ids is not None:
            found = self._messages.bulk_get(queue_name, ids, caller=caller)
            _answer(resp, self._views.by_ids(queue_name, found, ids, caller.project))
            return
        given = params.read(req, self._listing)
        listing = self._messages.list(
            queue_name,
            given.get("marker"),
            given.get("limit"),
            given.get("echo", False),
            given.get("include_claimed", False),
            given.get("include_delayed", False),
            caller=caller,
        )
        page = listing.page
        link = _next(req, {**given, **listing.chosen}, page)
        _answer(resp, self._views.message_page(queue_name, page, link))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = req.get_param_as_list("ids", required=True)
        self._messages.bulk_delete(queue_name, ids, caller=req.context.caller)
        resp.status = falcon.HTTP_204


class MessagesWithPop(Messages):
    """v1.1 and v2's messages: DELETE takes ``ids`` or ``pop``."""

    def __init__(self, operations: Operations, views: PopViews, body: media.BodyRules) -> None:
        super().__init__(operations, views, body)
        self._pop_views = views

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        popped = self._messages.delete_or_pop(
            queue_name,
            req.get_param_as_list("ids"),
            req.get_param_as_int("pop"),
            req.get_param_as_list("claim_ids"),
            caller=req.context.caller,
        )
        if popped is None:
            resp.status = falcon.HTTP_204
        else:
            media.write_json(resp, self._pop_views.popped(popped))


class Message:
    unavailable = {
        "GET": "Message could not be retrieved.",
        "DELETE": "Message could not be deleted.",
    }

    def __init__(self, operations: Operations, views: Views) -> None:
        self._messages = operations.messages
        self._views = views

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        message = self._messages.get(queue_name, message_id, caller=req.context.caller)
        resp.content_location = params.request_location(req)
        media.write_json(resp, self._views.message(queue_name, message))

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        claim_id = req.get_param("claim_id")
        self._messages.delete(queue_name, message_id, claim_id, caller=req.context.caller)
        resp.status = falcon.HTTP_204


class Claims:
    unavailable = {"POST": "Claim could not be created."}

    def __init__(self, operations: Operations, views: Views, body: media.BodyRules) -> None:
        self._claims = operations.claims
        self._views = views
        self._body = body
        self._optional = operations.policy.request_defaults

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        claim = self._claims.create(
            queue_name,
            _body_or_none(req, lambda: self._body.read_json(req), self._optional),
            req.get_param_as_int("limit"),
            caller=req.context.caller,
        )
        if claim is None:
            resp.status = falcon.HTTP_204
            return
        resp.location = f"{req.path}/{claim.id}"
        media.write_json(resp, self._views.claimed(queue_name, claim), falcon.HTTP_201)


class Claim:
    unavailable = {
        "GET": "Claim could not be queried.",
        "PATCH": "Claim could not be updated.",
        "DELETE": "Claim could not be deleted.",
    }

    def __init__(self, operations: Operations, views: Views, body: media.BodyRules) -> None:
        self._claims = operations.claims
        self._views = views
        self._body = body
        self._optional = operations.policy.request_defaults

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        claim = self._claims.get(queue_name, claim_id, caller=req.context.caller)
        resp.content_location = params.request_location(req)
        media.write_json(resp, self._views.claim(queue_name, claim, req.path))

    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        self._claims.update(
            queue_name,
            claim_id,
            _body_or_none(req, lambda: self._body.read_json(req), self._optional),
            caller=req.context.caller,
        )
        resp.status = falcon.HTTP_204

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        self._claims.delete(queue_name, claim_id, caller=req.context.caller)
        resp.status = falcon.HTTP_204


def _document_or_empty(req: falcon.Request, body: media.BodyRules) -> Callable[[], Any]:
    """The request's JSON document; ``{}`` when it has no body (as the original reads a
    subscription request without one)."""
    return _body_or_none(req, lambda: body.read_json(req)) or dict


class Subscriptions:
    """v2's ``.../subscriptions``: list and subscribe."""

    unavailable = {
        "GET": "Subscriptions could not be listed.",
        "POST": "Subscription could not be created.",
    }

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._subscriptions = operations.subscriptions
        self._body = body

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        given = params.read(req, SUBSCRIPTION_LIST_PARAMS)
        page = self._subscriptions.list(
            queue_name, given.get("marker"), given.get("limit"), caller=req.context.caller
        )
        shown = [subscription_view(subscription) for subscription in page.items]
        # The original links on to the next page whenever this one has subscriptions.
        link = _next(req, given, page) if shown else None
        links = [{"rel": "next", "href": link}] if link else []
        media.write_json(resp, {"subscriptions": shown, "links": links})

    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        created = self._subscriptions.create(
            queue_name, _document_or_empty(req, self._body), caller=req.context.caller
        )
        resp.location = req.path
        answer: dict[str, Any] = {"subscription_id": created.id}
        if created.secret is not None:
            # Ours: the key to check the webhooks' X-Zaqar-Signature with; never shown again.
            answer["signing_secret"] = created.secret
        media.write_json(resp, answer, falcon.HTTP_201)


class Subscription:
    unavailable = {
        "GET": "Subscription could not be retrieved.",
        "PATCH": "Subscription could not be updated.",
        "DELETE": "Subscription could not be deleted.",
    }

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._subscriptions = operations.subscriptions
        self._body = body

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        found = self._subscriptions.get(queue_name, subscription_id, caller=req.context.caller)
        media.write_json(resp, subscription_view(found))

    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        self._subscriptions.update(
            queue_name,
            subscription_id,
            _document_or_empty(req, self._body),
            caller=req.context.caller,
        )
        resp.status = falcon.HTTP_204
        resp.location = req.path

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        self._subscriptions.delete(queue_name, subscription_id, caller=req.context.caller)
        resp.status = falcon.HTTP_204


class SubscriptionDeliveries:
    """``.../subscriptions/{id}/deliveries``: the delivery log, newest first."""

    unavailable = {"GET": "The delivery log could not be read."}

    def __init__(self, operations: Operations) -> None:
        self._subscriptions = operations.subscriptions

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        given = params.read(req, (("limit", int),))
        found = self._subscriptions.deliveries(
            queue_name, subscription_id, given.get("limit"), caller=req.context.caller
        )
        queue_href = req.path.rsplit("/subscriptions/", 1)[0]
        media.write_json(
            resp, {"deliveries": [delivery_view(attempt, queue_href) for attempt in found]}
        )


class SubscriptionDeadLetters:
    """``.../subscriptions/{id}/dead_letters``: what delivery gave up, by message order."""

    unavailable = {"GET": "The dead letters could not be read."}

    def __init__(self, operations: Operations) -> None:
        self._subscriptions = operations.subscriptions

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        given = params.read(req, SUBSCRIPTION_LIST_PARAMS)
        page = self._subscriptions.dead_letters(
            queue_name,
            subscription_id,
            given.get("marker"),
            given.get("limit"),
            caller=req.context.caller,
        )
        shown = [dead_letter_view(letter) for letter in page.items]
        link = _next(req, given, page) if shown else None
        links = [{"rel": "next", "href": link}] if link else []
        media.write_json(resp, {"dead_letters": shown, "links": links})


class SubscriptionReplay:
    """``.../dead_letters/replay``: deliver dead letters again (202: the notifier will)."""

    unavailable = {"POST": "The dead letters could not be replayed."}

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._subscriptions = operations.subscriptions
        self._body = body

    def on_post(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        count = self._subscriptions.replay(
            queue_name,
            subscription_id,
            _body_or_none(req, lambda: self._body.read_json(req)),
            caller=req.context.caller,
        )
        media.write_json(resp, {"replaying": count}, falcon.HTTP_202)


class SubscriptionConfirmation:
    unavailable = {"PUT": "Subscription could not be confirmed."}

    def __init__(self, operations: Operations, body: media.BodyRules) -> None:
        self._subscriptions = operations.subscriptions
        self._body = body

    def on_put(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, subscription_id: str
    ) -> None:
        self._subscriptions.confirm(
            queue_name,
            subscription_id,
            _document_or_empty(req, self._body),
            caller=req.context.caller,
        )
        resp.status = falcon.HTTP_204
        resp.location = req.path


class OfTopic:
    """A queue's resource serving a topic's route (``/v2/topics/{topic_name}...``): its
    responders get the topic as ``queue_name``, and its 503s speak of topics."""

    def __init__(self, resource: Any) -> None:
        self._resource = resource
        self.unavailable = {
            method: text.replace("Queue", "Topic")
            for method, text in getattr(resource, "unavailable", {}).items()
        }

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._resource, name)
        if not name.startswith("on_"):
            return found

        def responder(
            req: falcon.Request, resp: falcon.Response, topic_name: str | None = None, **fields: Any
        ) -> None:
            if topic_name is not None:
                fields["queue_name"] = topic_name
            found(req, resp, **fields)

        return responder
