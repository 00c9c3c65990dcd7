"""API v1.1: its policy, its representations and its route table.

v1.1 is v1 with the rules every later version keeps (SPEC §5.1): every request names its
client and project, queues come into being when posted to, a missing queue reads as empty,
messages carry their ``id`` and (while claimed) their claim in the href, bodies are objects,
lists always answer 200, and messages can be popped. v2 shows what it has in common with
v1.1 through these same views, under its own prefix.
"""

from __future__ import annotations

import json
from typing import Any

import falcon

from zaqar.api import context
from zaqar.api.errors import NotFound
from zaqar.api.service import Operations, Service
from zaqar.core import spaces
from zaqar.storage import base
from zaqar.transport.wsgi import media, resources
from zaqar.transport.wsgi.views import home_resource, stats_document

POLICY = context.V1_1


class Views:
    """What v1.1 and v2 show: objects with ``id``, envelopes everywhere, 200 for empty lists.
    v2's topics show as its queues do, under ``/v2/topics``."""

    def __init__(self, prefix: str, space: spaces.Space = spaces.QUEUES) -> None:
        self.prefix = prefix
        self._collection = space.collection
        self._noun = space.noun

    def queue_path(self, name: str) -> str:
        return f"{self.prefix}/{self._collection}/{name}"

    def message_path(self, queue: str, message_id: str) -> str:
        return f"{self.prefix}/{self._collection}/{queue}/messages/{message_id}"

    def message(self, queue: str, message: base.Message) -> dict[str, Any]:
        """``id, href, ttl, age, body``, and ``checksum`` when the message has one; the href
        names the claim while one holds it (python-zaqarclient reads a claim's id from its
        first message's href)."""
        href = self.message_path(queue, message.id)
        if message.claimed and message.claim_id is not None:
            href += f"?claim_id={message.claim_id}"
        view = {
            "id": message.id,
            "href": href,
            "ttl": message.ttl,
            "age": message.age,
            "body": message.body,
        }
        return _with_checksum(view, message)

    def queue_page(
        self,
        page: base.Page[base.Queue],
        detailed: bool,
        next_href: str | None,
        count: int | None = None,
    ) -> dict[str, Any]:
        queues = []
        for queue in page.items:
            view: dict[str, Any] = {"name": queue.name, "href": self.queue_path(queue.name)}
            if detailed:
                view["metadata"] = queue.metadata
            queues.append(view)
        links = [{"rel": "next", "href": next_href}] if queues and next_href else []
        shown: dict[str, Any] = {self._collection: queues, "links": links}
        if count:  # the original shows a count only when there is one
            shown["count"] = count
        return shown

    def stats(self, queue: str, stats: base.QueueStats) -> dict[str, Any]:
        return stats_document(stats, lambda message_id: self.message_path(queue, message_id))

    def posted(self, queue: str, ids: list[str]) -> dict[str, Any]:
        return {"resources": [self.message_path(queue, i) for i in ids]}

    def message_page(
        self, queue: str, page: base.Page[base.Message], next_href: str | None
    ) -> dict[str, Any]:
        messages = [self.message(queue, m) for m in page.items]
        links = [{"rel": "next", "href": next_href}] if messages and next_href else []
        return {"messages": messages, "links": links}

    def by_ids(
        self, queue: str, found: list[base.Message], ids: list[str], project: str | None
    ) -> dict[str, Any]:
        if not found:
            # The original's words, ids as a Python list.
            raise NotFound(
                f"No messages with IDs: {ids!r} found in the {self._noun} {queue} for project "
                f"{project}."
            )
        return {"messages": [self.message(queue, m) for m in found]}

    def claimed(self, queue: str, claim: base.Claim) -> dict[str, Any]:
        return {"messages": [self.message(queue, m) for m in claim.messages]}

    def claim(self, queue: str, claim: base.Claim, href: str) -> dict[str, Any]:
        return {
            "age": claim.age,
            "ttl": claim.ttl,
            "href": href,
            "messages": [self.message(queue, m) for m in claim.messages],
        }

    def popped(self, messages: list[base.Message]) -> dict[str, Any]:
        """Popped messages as stored: no href (they are gone); ``checksum`` when they have
        one."""
        return {
            "messages": [
                _with_checksum(
                    {
                        "id": m.id,
                        "age": m.age,
                        "ttl": m.ttl,
                        "body": m.body,
                        "claim_id": m.claim_id,
                        "claim_count": m.claim_count,
                    },
                    m,
                )
                for m in messages
            ]
        }


def _with_checksum(view: dict[str, Any], message: base.Message) -> dict[str, Any]:
    """``view`` with the message's ``checksum`` when it has one (``enable_checksum``)."""
    if message.checksum:
        view["checksum"] = message.checksum
    return view


#: The admin resources a home document can list (the original's names and templates).
ADMIN_HOME = ("health", "pools", "flavors")


def admin_home(prefix: str, served: tuple[str, ...]) -> dict[str, Any]:
    """The home document's entries of the ``served`` admin resources (of ``ADMIN_HOME``)."""
    entries: dict[str, Any] = {}
    if "health" in served:
        entries["rel/health"] = {
            "href": prefix + "/health",
            "hints": {"allow": ["GET"], "formats": {"application/json": {}}},
        }
    for kind, singular in (("pools", "pool"), ("flavors", "flavor")):
        if kind not in served:
            continue
        entries[f"rel/{kind}"] = home_resource(
            prefix + f"/{kind}{{?detailed,limit,marker}}",
            ["GET"],
            {
                "detailed": "param/detailed",
                "limit": f"param/{singular}_limit",
                "marker": "param/marker",
            },
        )
        entries[f"rel/{singular}"] = home_resource(
            prefix + f"/{kind}/{{{singular}_name}}",
            ["GET", "PUT", "PATCH", "DELETE"],
            {f"{singular}_name": f"param/{singular}_name"},
        )
    return entries


def subscriptions_home(base_path: str) -> dict[str, Any]:
    """The home document's entries of a queue's subscriptions: the original's, and the
    confirmation it leaves out."""
    queue = {"queue_name": "param/queue_name"}
    one = {**queue, "subscriptions_id": "param/subscriptions_id"}
    path = base_path + "/subscriptions"
    json_body = {"accept-post": ["application/json"]}
    return {
        "rel/subscriptions_get": home_resource(
            path + "{?marker,limit}",
            ["GET"],
            {**queue, "marker": "param/marker", "limit": "param/subscription_limit"},
        ),
        "rel/subscriptions_post": home_resource(
            path, ["POST"], {**queue, "limit": "param/subscription_limit"}, **json_body
        ),
        "rel/subscription": home_resource(path + "/{subscriptions_id}", ["GET", "DELETE"], one),
        "rel/subscription_patch": home_resource(
            path + "/{subscriptions_id}", ["PATCH"], one, **json_body
        ),
        # Ours: the delivery log and what delivery gave up.
        "rel/subscription_deliveries": home_resource(
            path + "/{subscriptions_id}/deliveries", ["GET"], {**one, "limit": "param/limit"}
        ),
        "rel/subscription_dead_letters": home_resource(
            path + "/{subscriptions_id}/dead_letters",
            ["GET"],
            {**one, "marker": "param/marker", "limit": "param/limit"},
        ),
        "rel/subscription_replay": home_resource(
            path + "/{subscriptions_id}/dead_letters/replay", ["POST"], one, **json_body
        ),
        "rel/subscription_confirm": home_resource(
            path + "/{subscriptions_id}/confirm", ["PUT"], one, **json_body
        ),
    }


def home_document(
    prefix: str,
    queue_methods: list[str],
    purge: bool,
    admin: tuple[str, ...] = (),
    subscriptions: bool = False,
    share: bool = False,
    topics: bool = False,
) -> bytes:
    """The JSON-home document of v1.1 or v2 at ``prefix``: the routes this server serves,
    with the ``admin`` resources it serves (``ADMIN_HOME``)."""
    queue = {"queue_name": "param/queue_name"}
    message = {**queue, "message_id": "param/message_id"}
    claim = {**queue, "claim_id": "param/claim_id"}
    base_path = prefix + "/queues/{queue_name}"
    home = {
        "resources": {
            "rel/queues": home_resource(
                prefix + "/queues{?marker,limit,detailed}",
                ["GET"],
                {
                    "marker": "param/marker",
                    "limit": "param/queue_limit",
                    "detailed": "param/detailed",
                },
            ),
            "rel/queue": home_resource(base_path, queue_methods, queue),
            "rel/queue_stats": home_resource(base_path + "/stats", ["GET"], queue),
            "rel/messages": home_resource(
                base_path + "/messages{?marker,limit,echo,include_claimed}",
                ["GET"],
                {
                    **queue,
                    "marker": "param/marker",
                    "limit": "param/messages_limit",
                    "echo": "param/echo",
                    "include_claimed": "param/include_claimed",
                },
            ),
            "rel/post_messages": home_resource(
                base_path + "/messages",
                ["POST"],
                queue,
                **{"accept-post": ["application/json"]},
            ),
            "rel/messages_delete": home_resource(
                base_path + "/messages{?ids,pop}",
                ["DELETE"],
                {**queue, "ids": "param/ids", "pop": "param/pop"},
            ),
            "rel/message_delete": home_resource(
                base_path + "/messages/{message_id}{?claim}",
                ["DELETE"],
                {**message, "claim": "param/claim_id"},
            ),
            "rel/message_get": home_resource(
                base_path + "/messages/{message_id}", ["GET"], message
            ),
            "rel/claim": home_resource(base_path + "/claims/{claim_id}", ["GET"], claim),
            "rel/post_claim": home_resource(
                base_path + "/claims{?limit}",
                ["POST"],
                {**queue, "limit": "param/claim_limit"},
                **{"accept-post": ["application/json"]},
            ),
            "rel/patch_claim": home_resource(
                base_path + "/claims/{claim_id}",
                ["PATCH"],
                claim,
                **{"accept-post": ["application/json"]},
            ),
            "rel/delete_claim": home_resource(base_path + "/claims/{claim_id}", ["DELETE"], claim),
            "rel/ping": home_resource(prefix + "/ping", ["GET", "HEAD"]),
        }
    }
    if purge:
        home["resources"]["rel/queue_purge"] = home_resource(
            base_path + "/purge", ["POST"], queue, **{"accept-post": ["application/json"]}
        )
    if share:
        home["resources"]["rel/queue_share"] = home_resource(
            base_path + "/share", ["POST"], queue, **{"accept-post": ["application/json"]}
        )
    if subscriptions:
        home["resources"].update(subscriptions_home(base_path))
    if topics:
        home["resources"].update(topics_home(prefix, home["resources"]))
    home["resources"].update(admin_home(prefix, admin))
    return json.dumps(home, indent=4).encode("utf-8")


#: The queue entries a topic has no counterpart of: claims, and sharing.
_NOT_OF_TOPICS = ("rel/ping", "rel/queue_share", "claim")


def topics_home(prefix: str, queue_entries: dict[str, Any]) -> dict[str, Any]:
    """v2's topic entries (ours: the original lists none): the queue's, under
    ``/topics/{topic_name}``, named ``rel/topic...`` (``rel/messages`` is
    ``rel/topic_messages``)."""
    entries: dict[str, Any] = {}
    for name, entry in queue_entries.items():
        if any(part in name for part in _NOT_OF_TOPICS):
            continue
        rel = name.removeprefix("rel/")
        rel = "topic" + rel.removeprefix("queue") if rel.startswith("queue") else "topic_" + rel
        text = json.dumps(entry)
        text = text.replace(f"{prefix}/queues", f"{prefix}/topics")
        text = text.replace("queue_name", "topic_name")
        entries["rel/" + rel] = json.loads(text)
    return entries


class Home:
    def __init__(self, document: bytes) -> None:
        self._document = document

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "application/json-home"
        resp.cache_control = ["max-age=86400"]
        resp.data = self._document


def queue_routes(
    prefix: str,
    service: Service,
    operations: Any,
    views: Views,
    body: media.BodyRules,
    queue_resource: type[resources.QueueDocument] = resources.QueueDocument,
    purge: bool = False,
    admin: tuple[str, ...] = (),
    subscriptions: bool = False,
    share: bool = False,
    topics: bool = False,
) -> list[tuple[str, Any]]:
    """The routes v1.1 and v2 share, under ``prefix``; v2's queue also takes PATCH, and v2
    can purge and share queues and has subscriptions. ``admin`` names the admin resources the
    version serves, and ``topics`` says whether it serves topics (its home document lists
    them; v2 adds their routes)."""
    queue = prefix + "/queues/{queue_name}"
    queue_methods = [
        method
        for method in ("GET", "PUT", "DELETE", "PATCH")  # the original's order
        if hasattr(queue_resource, f"on_{method.lower()}")
    ]
    table = [
        (
            prefix + "/",
            Home(home_document(prefix, queue_methods, purge, admin, subscriptions, share, topics)),
        ),
        (prefix + "/ping", resources.Ping(service)),
        (prefix + "/queues", resources.Queues(operations, views)),
        (queue, queue_resource(operations, body)),
        (queue + "/stats", resources.Stats(operations, views)),
        (queue + "/messages", resources.MessagesWithPop(operations, views, body)),
        (queue + "/messages/{message_id}", resources.Message(operations, views)),
        (queue + "/claims", resources.Claims(operations, views, body)),
        (queue + "/claims/{claim_id}", resources.Claim(operations, views, body)),
    ]
    if purge:
        table.append((queue + "/purge", resources.Purge(operations, body)))
    if share:
        table.append((queue + "/share", resources.Share(operations, body)))
    if subscriptions:
        table += subscription_routes(queue, operations, body)
    return table


def subscription_routes(
    channel: str, operations: Operations, body: media.BodyRules
) -> list[tuple[str, Any]]:
    """The subscriptions of the queue (or topic) at path template ``channel``."""
    one = channel + "/subscriptions/{subscription_id}"
    return [
        (channel + "/subscriptions", resources.Subscriptions(operations, body)),
        (one, resources.Subscription(operations, body)),
        (one + "/confirm", resources.SubscriptionConfirmation(operations, body)),
        (one + "/deliveries", resources.SubscriptionDeliveries(operations)),
        (one + "/dead_letters", resources.SubscriptionDeadLetters(operations)),
        (one + "/dead_letters/replay", resources.SubscriptionReplay(operations, body)),
    ]


PREFIX = "/" + POLICY.version


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    admin = ("health",) if service.admin_mode else ()
    return queue_routes(PREFIX, service, service.under(POLICY), Views(PREFIX), body, admin=admin)


def admin_routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """The detailed health; v1.1's pools and flavors are to come (v1's pools serve
    meanwhile)."""
    return health_routes(PREFIX, service.under(POLICY))


def health_routes(prefix: str, operations: Operations) -> list[tuple[str, Any]]:
    return [(prefix + "/health", resources.Health(operations))]
