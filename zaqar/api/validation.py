"""Limits and rules on client input, with the exact messages clients see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from zaqar.api.errors import (
    BadRequestBody,
    InvalidFlavorName,
    InvalidPoolName,
    InvalidQueueName,
    InvalidTopicName,
    ValidationFailed,
)
from zaqar.conf import transport as limits_opts
from zaqar.core import retry, spaces

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
    max_message_delay: int
    #: What v1.1 and v2 take when a request leaves a value out.
    default_message_ttl: int
    default_claim_ttl: int
    default_claim_grace: int
    #: Subscriptions (v2): page size, the ttl of one created without, the URI schemes taken.
    max_subscriptions_per_page: int
    default_subscription_ttl: int
    subscriber_types: tuple[str, ...]
    #: A delete by ids names the claims holding the messages (v1.1 and v2).
    message_delete_with_claim_id: bool
    #: ``strict``: v1.1 and v2 take only UUIDs as Client-IDs; ``off``: any string of
    #: ``min_length_client_id..max_length_client_id`` characters.
    client_id_uuid_safe: str
    min_length_client_id: int
    max_length_client_id: int

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Limits:
        group = conf[limits_opts.GROUP]
        values: dict[str, Any] = {}
        for opt in limits_opts.ALL_OPTS:
            value = group[opt.dest]
            # Lists become tuples: Limits is frozen, and hashable.
            values[opt.dest] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


def queue_identification(
    name: str, project: str | None, space: spaces.Space = spaces.QUEUES
) -> None:
    """``name`` can name a channel of ``space`` (a queue or a topic) of ``project``. A
    topic's project is stored with its tag, within the same column: 249 characters."""
    if (
        len(name) > QUEUE_NAME_MAX
        or not QUEUE_NAME.fullmatch(name)
        or (project is not None and len(project) > PROJECT_ID_MAX - len(space.tag))
    ):
        error = InvalidTopicName if space is spaces.TOPICS else InvalidQueueName
        raise error(f"The format of the submitted {space.noun} name or project id is not valid.")


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


def message_delay(delay: int, limits: Limits) -> None:
    high = limits.max_message_delay
    # The original's text, its missing space included.
    _in_range(
        delay,
        0,
        high,
        f"The Delay TTL for a message may not exceed {high} seconds,and must be at least "
        "0 seconds long.",
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


def post_size(content_length: int | None, limit: int) -> None:
    """A post's body is at most ``limit`` bytes (the configured limit, or a queue's own)."""
    if content_length is not None and content_length > limit:
        raise ValidationFailed(f"Message collection size is too large. Max size {limit}")


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


def flavor_name(name: str) -> None:
    if not POOL_NAME.fullmatch(name):
        raise InvalidFlavorName(
            "Flavor names are 1 to 64 characters: ASCII letters, digits, '_' and '-'."
        )


def subscription_listing_limit(limit: int, limits: Limits) -> None:
    high = limits.max_subscriptions_per_page
    _in_range(limit, 1, high, f"Limit must be at least 1 and may not be greater than {high}.")


#: Delivery attempts and dead letters a page may hold.
MAX_DELIVERIES_PER_PAGE = 100


def delivery_listing_limit(limit: int) -> None:
    high = MAX_DELIVERIES_PER_PAGE
    _in_range(limit, 1, high, f"Limit must be at least 1 and may not be greater than {high}.")


def pool_listing_limit(limit: int) -> None:
    high = MAX_POOLS_PER_PAGE
    _in_range(limit, 1, high, f"Limit must be at least 1 and no greater than {high}.")


# -- queue settings (reserved metadata, API v1.1 and v2) --------------------------------------


def reserved_defaults(limits: Limits) -> dict[str, Any]:
    """What ``GET /v2/queues/{q}`` shows for a setting the queue has not (or has falsy):
    the service's behaviour without it."""
    return {
        "_max_messages_post_size": limits.max_messages_post_size,
        "_default_message_ttl": limits.default_message_ttl,
        "_default_message_delay": 0,
        "_dead_letter_queue": None,
        "_dead_letter_queue_messages_ttl": None,
        "_max_claim_count": None,
        "_enable_encrypt_messages": False,
    }


def _setting_int(metadata: dict[str, Any], key: str) -> int | None:
    value = metadata.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(f"{key} must be integer.")
    return value


def queue_settings(metadata: dict[str, Any], limits: Limits) -> None:
    """The reserved keys of ``metadata`` are valid settings (the original's messages)."""
    ttl_range = (MIN_MESSAGE_TTL, limits.max_message_ttl)
    ttl = _setting_int(metadata, "_default_message_ttl")
    if ttl is not None:
        _in_range(
            ttl,
            *ttl_range,
            f"_default_message_ttl can not exceed {limits.max_message_ttl} seconds, and must "
            f"be at least {MIN_MESSAGE_TTL} seconds long.",
        )
    size = _setting_int(metadata, "_max_messages_post_size")
    if size is not None:
        _in_range(
            size,
            1,
            limits.max_messages_post_size,
            f"_max_messages_post_size can not exceed {limits.max_messages_post_size},  and "
            "must be at least greater than 0.",
        )
    _setting_int(metadata, "_max_claim_count")
    dlq_ttl = _setting_int(metadata, "_dead_letter_queue_messages_ttl")
    if dlq_ttl is not None:
        _in_range(
            dlq_ttl,
            *ttl_range,
            f"The TTL for a message may not exceed {limits.max_message_ttl} seconds, and must "
            f"be at least {MIN_MESSAGE_TTL} seconds long.",
        )
    delay = _setting_int(metadata, "_default_message_delay")
    if delay is not None:
        _in_range(
            delay,
            0,
            limits.max_message_delay,
            f"The TTL can not exceed {limits.max_message_delay} seconds, and must be at least "
            "0 seconds long.",
        )
    dlq = metadata.get("_dead_letter_queue")
    if dlq is not None and not (isinstance(dlq, str) and QUEUE_NAME.fullmatch(dlq)):
        raise ValidationFailed("_dead_letter_queue must be a queue name.")
    encrypted = metadata.get("_enable_encrypt_messages", False)
    if not isinstance(encrypted, bool):
        raise ValidationFailed("_enable_encrypt_messages must be boolean.")
    retry_policy(metadata.get("_retry_policy"))


# -- notification retry policies (queue ``_retry_policy``, subscription options) ---------------

_RETRY_INTS = (
    "retries_with_no_delay",
    "minimum_delay_retries",
    "minimum_delay",
    "maximum_delay",
    "maximum_delay_retries",
)


def retry_policy(policy: Any) -> None:
    """A ``_retry_policy`` is valid (the original's rules and messages)."""
    if not policy:
        return
    if not isinstance(policy, dict):
        raise ValidationFailed("retry_policy must be a dict.")
    backoff = policy.get("retry_backoff_function")
    if backoff and not isinstance(backoff, str):
        raise ValidationFailed("retry_backoff_function must be a string.")
    if backoff and backoff not in retry.BACKOFF_FUNCTIONS:
        raise ValidationFailed("invalid retry_backoff_function.")
    ignore = policy.get("ignore_subscription_override")
    if ignore and not isinstance(ignore, bool):
        raise ValidationFailed("ignore_subscription_override must be a boolean.")
    for key in _RETRY_INTS:
        value = policy.get(key)
        # Stricter than the original, which let falsy non-integers through to fail later.
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ValidationFailed(f"Retry policy: {key} must be a integer.")
    low = policy.get("minimum_delay")
    low = retry.MINIMUM_DELAY if low is None else low
    high = policy.get("maximum_delay")
    high = retry.MAXIMUM_DELAY if high is None else high
    if high < low:
        raise ValidationFailed("minimum_delay must less than maximum_delay.")
    if high - low < 2 * retry.LINEAR_INTERVAL:
        raise ValidationFailed("invalid minimum_delay and maximum_delay.")
