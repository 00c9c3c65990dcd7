"""Schema of the SQL store.

Claims have no table: like the reference driver, a claim lives on the messages it holds
(``claim_id``, ``claim_expires``, ``claim_ttl``), so claiming is one conditional UPDATE.
Times are UNIX seconds stored as doubles; the global namespace is stored as project ``''``,
which the API never accepts as a project name.

``subscriptions`` (API v2) belong to a queue by project and name, not by the queue's row:
a subscription may exist before its queue does (lazy queues). A subscriber URI may be of any
length, so its uniqueness per queue is kept on a SHA-256 of it (``subscriber_digest``), which
fits the index limits of every database.

``outbox``, ``delivery_attempts`` and ``dead_letters`` are push delivery's state
(``deliveries``); like subscriptions they name their queue by project and name.

``pools`` and ``catalogue`` are management data (pooling). The catalogue names its pool
without a foreign key, because SQLite does not enforce one unless asked on every
connection; the controllers keep the two consistent under row locks instead.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects import mysql, postgresql

metadata = MetaData()

# Queue names and projects sort in byte order on every database.
_Name = (
    String(64)
    .with_variant(mysql.VARCHAR(64, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")
)
_Project = (
    String(256)
    .with_variant(mysql.VARCHAR(256, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(256, collation="C"), "postgresql")
)
_Uri = (
    String(255)
    .with_variant(mysql.VARCHAR(255, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(255, collation="C"), "postgresql")
)
# Bodies reach 256 KiB; MySQL's TEXT stops at 64 KiB.
_Document = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
# SQLite only autoincrements an INTEGER PRIMARY KEY.
_Id = BigInteger().with_variant(Integer(), "sqlite")

queues = Table(
    "queues",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("project", _Project, nullable=False),
    Column("name", _Name, nullable=False),
    Column("metadata", _Document, nullable=False),
    Column("created", Double, nullable=False),
    # The marker the next posted message gets; advanced under the row's write lock.
    Column("next_marker", BigInteger, nullable=False),
    UniqueConstraint("project", "name", name="uq_queues_project_name"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("queue_id", _Id, nullable=False),
    Column("marker", BigInteger, nullable=False),
    # A UUID's hex, or any client id of up to 36 characters (client_id_uuid_safe = off).
    Column("client_uuid", String(36), nullable=False),
    Column("ttl", Integer, nullable=False),
    Column("created", Double, nullable=False),
    Column("expires", Double, nullable=False),
    Column("body", _Document, nullable=False),
    Column("claim_id", String(32), nullable=True),
    Column("claim_expires", Double, nullable=True),
    Column("claim_ttl", Integer, nullable=True),
    Column("claim_count", Integer, nullable=False, default=0),
    # Until when the message is invisible to listing, claiming and popping; 0 when never.
    Column("delay_until", Double, nullable=False, default=0.0, server_default="0"),
    # The body's checksum as the API computed it at posting (API v1.1/v2); NULL when none.
    Column("checksum", String(64), nullable=True),
    # Listing and claiming walk a queue in marker order.
    UniqueConstraint("queue_id", "marker", name="uq_messages_queue_marker"),
    Index("ix_messages_queue_claim", "queue_id", "claim_id"),
    # The purge deletes by expiry.
    Index("ix_messages_expires", "expires"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("project", _Project, nullable=False),
    Column("queue", _Name, nullable=False),
    Column("subscriber", Text, nullable=False),
    # The hex SHA-256 of the subscriber's UTF-8 (``subscriptions.digest``).
    Column("subscriber_digest", String(64), nullable=False),
    # Heat asks for 220367260800 seconds: more than an INTEGER holds.
    Column("ttl", BigInteger, nullable=False),
    Column("created", Double, nullable=False),
    Column("expires", Double, nullable=False),
    Column("options", _Document, nullable=False),
    Column("confirmed", Boolean, nullable=False),
    # The key its webhook requests are signed with; NULL when it has none.
    Column("secret", String(64), nullable=True),
    # Push delivery (``deliveries``): the marker up to which the queue's notifications are
    # handled, and the notifier that holds the subscription's lease, until when.
    Column("cursor_marker", BigInteger, nullable=False, default=0, server_default="0"),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Double, nullable=False, default=0.0, server_default="0"),
    # One live subscription per subscriber and queue; an expired one that clashes is
    # deleted in the transaction that inserts its successor.
    UniqueConstraint("project", "queue", "subscriber_digest", name="uq_subscriptions_subscriber"),
    # Listing pages through a queue's subscriptions by id.
    Index("ix_subscriptions_queue_id", "project", "queue", "id"),
    # The purge deletes by expiry.
    Index("ix_subscriptions_expires", "expires"),
)

# A queue's notifications (``base.Notification``), written with the messages they announce
# while the queue has subscriptions, and kept until every cursor has passed them.
outbox = Table(
    "outbox",
    metadata,
    Column("project", _Project, primary_key=True),
    Column("queue", _Name, primary_key=True),
    Column("marker", BigInteger, primary_key=True),
    Column("message_id", String(32), nullable=False),
    Column("ttl", Integer, nullable=False),
    Column("body", _Document, nullable=False),
    Column("posted", Double, nullable=False),
    # When the purge may drop it: the message's expiry plus ``base.OUTBOX_GRACE``.
    Column("expires", Double, nullable=False),
    Index("ix_outbox_expires", "expires"),
)

# The delivery log: the newest attempts of each subscription.
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("subscription_id", String(32), nullable=False),
    Column("marker", BigInteger, nullable=False),
    Column("message_id", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", Double, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("latency", Double, nullable=False),
    Column("next_try", Double, nullable=True),
    Index("ix_delivery_attempts_subscription", "subscription_id", "id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("subscription_id", String(32), primary_key=True),
    Column("marker", BigInteger, primary_key=True),
    Column("message_id", String(32), nullable=False),
    Column("ttl", Integer, nullable=False),
    Column("body", _Document, nullable=False),
    Column("posted", Double, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("failed", Double, nullable=False),
    # Asked to be delivered again; the notifier finds these by the index.
    Column("replay", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_dead_letters_replay", "subscription_id", "replay", "marker"),
)

pools = Table(
    "pools",
    metadata,
    Column("name", _Name, primary_key=True),
    Column("uri", _Uri, nullable=False),
    Column("weight", BigInteger, nullable=False),
    Column("flavor", _Name, nullable=True),
    Column("options", _Document, nullable=False),
    UniqueConstraint("uri", name="uq_pools_uri"),
)

# A project's flavors; pools name theirs (pools.flavor).
flavors = Table(
    "flavors",
    metadata,
    Column("project", _Project, primary_key=True),
    Column("name", _Name, primary_key=True),
)

catalogue = Table(
    "catalogue",
    metadata,
    Column("project", _Project, primary_key=True),
    Column("queue", _Name, primary_key=True),
    Column("pool", _Name, nullable=False),
    # The pool the queue is being moved to, while it moves.
    Column("moving_to", _Name, nullable=True),
    # Counting a pool's queues, before it may be deleted.
    Index("ix_catalogue_pool", "pool"),
    Index("ix_catalogue_moving_to", "moving_to"),
)
