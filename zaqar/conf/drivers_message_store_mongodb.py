"""[drivers:message_store:mongodb]: the MongoDB message store."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf.breaker import breaker_open_period

GROUP = "drivers:message_store:mongodb"

uri = cfg.StrOpt(
    "uri",
    secret=True,
    help="MongoDB connection string: ``mongodb://[user:password@]host[:port][,host...]"
    "/?replicaSet=NAME`` for a replica set, the router(s) of a sharded cluster, or "
    "``mongodb+srv://...``. TLS and authentication options go in the query "
    "(``tls=true&tlsCAFile=...``). A ``w`` in the query sets the write concern; without "
    "one the driver writes with ``w=majority``. Required.",
)

database = cfg.StrOpt(
    "database",
    default="zaqar",
    help="Base name of the databases the driver uses: queues live in ``<database>_queues`` "
    "and messages in ``<database>_messages_p<N>`` (message store), pools and the catalogue "
    "in ``<database>`` (management store).",
)

partitions = cfg.IntOpt(
    "partitions",
    default=2,
    min=1,
    help="Number of databases messages are spread over, by a stable hash of project and "
    "queue name. Never change it after deployment: queues would look for their messages in "
    "the wrong database.",
)

max_attempts = cfg.IntOpt(
    "max_attempts",
    default=1000,
    min=1,
    help="Attempts at an operation that keeps losing a race with other writers (a post "
    "waiting for the queue's posting lock, a claim whose messages were taken meanwhile) "
    "before answering 503.",
)

max_retry_sleep = cfg.FloatOpt(
    "max_retry_sleep",
    default=0.1,
    min=0.0,
    help="Longest pause, in seconds, between two such attempts; the pause grows with each "
    "attempt up to this value.",
)

max_retry_jitter = cfg.FloatOpt(
    "max_retry_jitter",
    default=0.005,
    min=0.0,
    help="Random seconds, up to this value, added to each pause so that racing writers "
    "drift apart.",
)

max_reconnect_attempts = cfg.IntOpt(
    "max_reconnect_attempts",
    default=1,
    min=0,
    help="Times an operation is tried again after the connection failed or no suitable "
    "server (a primary) could be selected, before answering 503. Every operation the "
    "driver repeats is safe to run twice. The default fails fast (a refused or dead server "
    "gives 503 in under a second); about 10 rides out a replica-set election instead.",
)

reconnect_sleep = cfg.FloatOpt(
    "reconnect_sleep",
    default=0.02,
    min=0.0,
    help="Seconds to wait before the first reconnection attempt; the wait doubles with each "
    "further attempt, up to 1 second.",
)

server_selection_timeout = cfg.FloatOpt(
    "server_selection_timeout",
    default=0.4,
    min=0.01,
    help="Seconds one attempt waits for a suitable server (pymongo's "
    "serverSelectionTimeoutMS). With max_reconnect_attempts this bounds how long a request "
    "waits for a primary before answering 503: under a second with the defaults.",
)

connect_timeout = cfg.FloatOpt(
    "connect_timeout",
    default=2.0,
    min=0.01,
    help="Seconds to wait for a TCP connection to a server (connectTimeoutMS).",
)

socket_timeout = cfg.FloatOpt(
    "socket_timeout",
    default=5.0,
    min=0.01,
    help="Seconds to wait for a server's answer to one operation (socketTimeoutMS). An "
    "operation that timed out is not tried again (the server is busy): a read answers 503, "
    "a change 504 (its outcome is unknown) unless the driver can find it out.",
)

unreliable = cfg.BoolOpt(
    "unreliable",
    default=False,
    deprecated_opts=[cfg.DeprecatedOpt("unreliable", group="DEFAULT")],
    help="Allow a server that can lose acknowledged writes: a standalone mongod (no replica "
    "set, no mongos) or a write concern other than ``majority``. Without it the driver "
    "refuses to start on such a server. Only for development and tests; the durability "
    "capability is not declared then.",
)

#: The options the management store shares (each group keeps its own values).
COMMON_OPTS = [
    uri,
    database,
    max_attempts,
    max_retry_sleep,
    max_retry_jitter,
    max_reconnect_attempts,
    reconnect_sleep,
    server_selection_timeout,
    connect_timeout,
    socket_timeout,
    unreliable,
    breaker_open_period,
]

ALL_OPTS = [*COMMON_OPTS[:2], partitions, *COMMON_OPTS[2:]]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
