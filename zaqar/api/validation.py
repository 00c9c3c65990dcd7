"""Limits and rules on client input, with the exact messages clients see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from zaqar.api.errors import BadRequestBody, InvalidPoolName, InvalidQueueName, ValidationFailed
from zaqar.conf import transport as limits_opts

QUEUE_NAME = re.compile(r"[a-zA-Z0-9_\-.]+")
QUEUE_NAME_MAX = 64
PROJECT_ID_MAX = 256
MIN_MESSAGE_TTL = 60
MIN_CLAIM_TTL = 60
MIN_CLAIM_GRACE = 60
INT64 = (-(2**63), 2**63 - 1)

_MISSING: Any = object()


@dataclass(frozen=True)
class Limits:
    max_queues_per_page: int
    max_messages_per_page: int
    max_messages_per_claim_or_pop: int
    max_queue_metadata: int
    max_messages_post_size: int
    max_message_ttl: int
    max_claim_ttl: int
    max_claim_grace: int

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Limits:
        group = conf[limits_opts.GROUP]
        return cls(**{opt.dest: group[opt.dest] for opt in limits_opts.ALL_OPTS})


def queue_identification(name: str, project: str | None) -> None:
    if (
        len(name) > QUEUE_NAME_MAX
        or not QUEUE_NAME.fullmatch(name)
        or (project is not None and len(project) > PROJECT_ID_MAX)
    ):
        raise InvalidQueueName("The format of the submitted queue name or project id is not valid.")


def field(document: dict[str, Any], name: str, kind: type, default: Any = _MISSING) -> Any:
    """``document[name]``, checked to be a ``kind`` (``isinstance``, so bools pass as ints)."""
    if name not in document:
        if default is _MISSING:
            raise BadRequestBody(f'Missing "{name}" field.')
        return default
    value = document[name]
    if kind is not object and not isinstance(value, kind):
        raise BadRequestBody(f'The value of the "{name}" field must be a {kind.__name__}.')
    return value


def _in_range(value: int, low: int, high: int, message: str) -> None:
    if not low <= value <= high:
        raise ValidationFailed(message)


def queue_listing_limit(limit: int, limits: Limits) -> None:
    high = limits.max_queues_per_page
    _in_range(limit, 1, high, f"Limit must be at least 1 and no greater than {high}.")


def message_listing_limit(limit: int, limits: Limits) -> None:
    high = limits.max_messages_per_page
    _in_range(limit, 1, high, f"Limit must be at least 1 and may not be greater than {high}.")


def claim_limit(limit: int, limits: Limits) -> None:
    high = limits.max_messages_per_claim_or_pop
    _in_range(limit, 1, high, f"Limit must be at least 1 and may not be greater than {high}.")


def message_ttl(ttl: int, limits: Limits) -> None:
    high = limits.max_message_ttl
    _in_range(
        ttl,
        MIN_MESSAGE_TTL,
        high,
        f"The TTL for a message may not exceed {high} seconds, and must be at least "
        f"{MIN_MESSAGE_TTL} seconds long.",
    )


def claim_ttl(ttl: int, limits: Limits) -> None:
    high = limits.max_claim_ttl
    _in_range(
        ttl,
        MIN_CLAIM_TTL,
        high,
        f"The TTL for a claim may not exceed {high} seconds, and must be at least "
        f"{MIN_CLAIM_TTL} seconds long.",
    )


def claim_grace(grace: int, limits: Limits) -> None:
    high = limits.max_claim_grace
    _in_range(
        grace,
        MIN_CLAIM_GRACE,
        high,
        f"The grace for a claim may not exceed {high} seconds, and must be at least "
        f"{MIN_CLAIM_GRACE} seconds long.",
    )


def metadata_size(content_length: int | None, limits: Limits) -> None:
    if content_length is not None and content_length > limits.max_queue_metadata:
        raise ValidationFailed(
            f"Queue metadata is too large. Max size: {limits.max_queue_metadata}"
        )


def post_size(content_length: int | None, limits: Limits) -> None:
    if content_length is not None and content_length > limits.max_messages_post_size:
        raise ValidationFailed(
            f"Message collection size is too large. Max size {limits.max_messages_post_size}"
        )


# -- pools (admin API) ----------------------------------------------------------------------

POOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
#: Pools per listing page, at most (SPEC §3 ``max_pools_per_page``; not configurable here).
MAX_POOLS_PER_PAGE = 20
MAX_POOL_WEIGHT = 2**32 - 1
MAX_POOL_URI = 255


def pool_name(name: str) -> None:
    # fullmatch: with ``$`` a trailing newline would pass.
    if not POOL_NAME.fullmatch(name):
        raise InvalidPoolName(
            "Pool names are 1 to 64 characters: ASCII letters, digits, '_' and '-'."
        )


def pool_listing_limit(limit: int) -> None:
    high = MAX_POOLS_PER_PAGE
    _in_range(limit, 1, high, f"Limit must be at least 1 and no greater than {high}.")
