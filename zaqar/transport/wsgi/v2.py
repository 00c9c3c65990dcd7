"""API v2: its policy and its route table.

Everything v1.1 does, v2 does the same way (``v1_1.Views`` under ``/v2``), and v2 adds the
queue's settings (a message posted without ``ttl`` takes the queue's ``_default_message_ttl``,
and reading a queue shows every setting with its default), changing a queue's metadata with
a JSON patch, and purging a queue.
"""

from __future__ import annotations

from typing import Any

from zaqar.api import context
from zaqar.api.service import Service
from zaqar.transport.wsgi import media, resources, v1_1

POLICY = context.V2
PREFIX = "/" + POLICY.version


def routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    return v1_1.queue_routes(
        PREFIX,
        service,
        service.under(POLICY),
        v1_1.Views(PREFIX),
        body,
        queue_resource=resources.PatchableQueueDocument,
        purge=True,
    )


def admin_routes(service: Service, body: media.BodyRules) -> list[tuple[str, Any]]:
    """The detailed health (its rule ``health:get`` is admin only); v2's pools and flavors
    are to come."""
    return v1_1.health_routes(PREFIX, service.under(POLICY))
