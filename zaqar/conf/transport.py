"""[transport]: API limits and defaults. The old group [limits:transport] and old names still
work."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "transport"
_OLD_GROUP = "limits:transport"


def _limit(name: str, default: int, help: str, *old_names: str) -> cfg.IntOpt:
    deprecated = [cfg.DeprecatedOpt(old, group=_OLD_GROUP) for old in old_names]
    deprecated.append(cfg.DeprecatedOpt(name, group=_OLD_GROUP))
    deprecated.extend(cfg.DeprecatedOpt(old, group=GROUP) for old in old_names)
    return cfg.IntOpt(name, default=default, min=1, deprecated_opts=deprecated, help=help)


max_queues_per_page = _limit(
    "max_queues_per_page",
    20,
    "Largest number of queues one listing page may return.",
    "queue_paging_uplimit",
)
max_messages_per_page = _limit(
    "max_messages_per_page",
    20,
    "Largest number of messages one listing page may return, and largest number of ids "
    "in one get or delete by ids.",
    "message_paging_uplimit",
)
max_messages_per_claim_or_pop = _limit(
    "max_messages_per_claim_or_pop",
    20,
    "Largest number of messages one claim may take.",
    "max_messages_per_claim",
)
max_queue_metadata = _limit(
    "max_queue_metadata",
    64 * 1024,
    "Largest queue metadata document, in bytes of the request body.",
    "metadata_size_uplimit",
)
max_messages_post_size = _limit(
    "max_messages_post_size",
    256 * 1024,
    "Largest message POST, in bytes of the whole request body.",
    "message_size_uplimit",
    "max_message_size",
)
max_message_ttl = _limit(
    "max_message_ttl",
    1209600,
    "Longest message TTL, in seconds.",
    "message_ttl_max",
)
max_claim_ttl = _limit(
    "max_claim_ttl",
    43200,
    "Longest claim TTL, in seconds.",
    "claim_ttl_max",
)
max_claim_grace = _limit(
    "max_claim_grace",
    43200,
    "Longest claim grace period, in seconds.",
    "claim_grace_max",
)

max_message_delay = _limit(
    "max_message_delay",
    900,
    "Longest delay of a message or a queue's default delay, in seconds (API v2).",
)
default_message_ttl = _limit(
    "default_message_ttl",
    3600,
    "TTL, in seconds, of a message posted without one (API v1.1 and v2; v1 requires it). "
    "A queue's _default_message_ttl takes precedence in v2.",
)
default_claim_ttl = _limit(
    "default_claim_ttl",
    300,
    "TTL, in seconds, of a claim made or renewed without one (API v1.1 and v2).",
)
default_claim_grace = _limit(
    "default_claim_grace",
    60,
    "Grace, in seconds, of a claim made or renewed without one (API v1.1 and v2).",
)
max_subscriptions_per_page = _limit(
    "max_subscriptions_per_page",
    20,
    "Largest number of subscriptions one listing page may return (API v2).",
)
default_subscription_ttl = _limit(
    "default_subscription_ttl",
    3600,
    "TTL, in seconds, of a subscription created without one (API v2).",
)
subscriber_types = cfg.ListOpt(
    "subscriber_types",
    default=["http", "https", "mailto", "trust+http", "trust+https"],
    help="The URI schemes a subscriber may have (API v2).",
)

message_delete_with_claim_id = cfg.BoolOpt(
    "message_delete_with_claim_id",
    default=False,
    deprecated_opts=[cfg.DeprecatedOpt("message_delete_with_claim_id", group=_OLD_GROUP)],
    help="Whether a delete of messages by ids (API v1.1 and v2) must name, in claim_ids, "
    "the claims that hold them: each claim given must hold one of the messages.",
)

client_id_uuid_safe = cfg.StrOpt(
    "client_id_uuid_safe",
    default="strict",
    choices=[
        ("strict", "the Client-ID must be a UUID"),
        ("off", "any Client-ID of min_length_client_id to max_length_client_id characters"),
    ],
    help="What API v1.1 and v2 take as a Client-ID (v1 always takes a UUID only).",
)
min_length_client_id = cfg.IntOpt(
    "min_length_client_id",
    default=10,
    min=1,
    help="Shortest Client-ID, in characters, when client_id_uuid_safe is off.",
)
max_length_client_id = cfg.IntOpt(
    "max_length_client_id",
    default=36,
    min=1,
    max=36,
    help="Longest Client-ID, in characters, when client_id_uuid_safe is off (at most the 36 "
    "characters of a UUID's text, which every store keeps).",
)

ALL_OPTS = [
    max_queues_per_page,
    max_messages_per_page,
    max_messages_per_claim_or_pop,
    max_queue_metadata,
    max_messages_post_size,
    max_message_ttl,
    max_claim_ttl,
    max_claim_grace,
    max_message_delay,
    default_message_ttl,
    default_claim_ttl,
    default_claim_grace,
    max_subscriptions_per_page,
    default_subscription_ttl,
    subscriber_types,
    message_delete_with_claim_id,
    client_id_uuid_safe,
    min_length_client_id,
    max_length_client_id,
]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
