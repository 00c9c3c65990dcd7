"""API v2: its policy and its route table.

Everything v1.1 does, v2 does the same way (``v1_1.Views`` under ``/v2``), and v2 adds the
queue's settings (a message posted without ``ttl`` takes the queue's ``_default_message_ttl``,
and reading a queue shows every setting with its default), changing a queue's metadata with
a JSON patch, purging a queue, sharing it with pre-signed URLs, subscriptions, and topics.
"""

from __future__ import annotations

from typing import Any

from zaqar.api import context
from zaqar.api.service import Service
from zaqar.core import spaces
from zaqar.transport.wsgi import admin, media, resources, v1_1

POLICY = context.V2
PREFIX = "/" + POLICY.version


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    queues = v1_1.queue_routes(
        PREFIX,
        service,
        service.under(POLICY),
        v1_1.Views(PREFIX),
        body,
        queue_resource=resources.PatchableQueueDocument,
        purge=True,
        admin=served_admin(service),
        subscriptions=True,
        share=True,
        topics=True,
    )
    return queues + topic_routes(service, body)


def topic_routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """Topics: v2's queues in a name space of their own (``zaqar.core.spaces``), served by
    the queue's resources, without claims (a topic's subscribers get every message)."""
    operations = service.under(POLICY, spaces.TOPICS)
    views = v1_1.Views(PREFIX, spaces.TOPICS)
    topic = PREFIX + "/topics/{topic_name}"
    table = [
        (PREFIX + "/topics", resources.Queues(operations, views)),
        (topic, resources.PatchableQueueDocument(operations, body)),
        (topic + "/stats", resources.Stats(operations, views)),
        (topic + "/purge", resources.Purge(operations, body)),
        (topic + "/messages", resources.MessagesWithPop(operations, views, body)),
        (topic + "/messages/{message_id}", resources.Message(operations, views)),
        *v1_1.subscription_routes(topic, operations, body),
    ]
    return [(path, resources.OfTopic(resource)) for path, resource in table]


def served_admin(service: Service) -> tuple[str, ...]:
    """What of ``admin_routes`` this server serves: nothing without admin_mode, the pools
    and flavors only with pooling."""
    if not service.admin_mode:
        return ()
    return v1_1.ADMIN_HOME if service.pools is not None else ("health",)


#: v2's pools: no link on an empty page, and a PATCH answers with the pool.
POOL_VIEWS = admin.PoolViews(PREFIX, always_link=False, patch_shows_pool=True)


def admin_routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """The detailed health and the pools (with ``pooling``), whose rules (``health:get``,
    ``pools:*``, ``flavors:create/update/delete``) are admin only by default."""
    operations = service.under(POLICY)
    return [
        *v1_1.health_routes(PREFIX, operations),
        *admin.pool_routes(operations, body, POOL_VIEWS),
    ]
