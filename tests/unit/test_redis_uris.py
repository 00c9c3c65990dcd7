"""Which Redis URIs the driver accepts, and the clear errors for those it refuses.

No server is needed: a URI is checked when the driver is built, and a client is only made
(and a server only reached) on first use.
"""

from __future__ import annotations

import urllib.parse
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from redis.cluster import RedisCluster

from tests.faults import free_port
from zaqar.storage import errors
from zaqar.storage.redis import connections, store
from zaqar.storage.redis.store import Connector, client_factory


def group(uri: str, socket_timeout: float = 5.0) -> Any:
    return SimpleNamespace(
        uri=uri, socket_timeout=socket_timeout, max_reconnect_attempts=0, reconnect_sleep=0.0
    )


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("http://127.0.0.1:6379", "unusable Redis URI scheme 'http'"),
        ("redis+cluster://127.0.0.1:7000/0", "a Redis cluster has no databases"),
        ("redis+cluster://127.0.0.1:7000?dbid=2", "unknown options in Redis URI: dbid"),
        ("redis+cluster://127.0.0.1:x", "unusable port in Redis URI: 'x'"),
        ("redis+cluster://", "needs at least one host"),
        ("redis+cluster://h:1?socket_timeout=soon", "unusable socket_timeout"),
        ("redis+cluster://h:1?socket_timeout=0", "socket_timeout in a Redis URI must be"),
        ("redis+sentinel://127.0.0.1:26379", "must name the master service"),
        ("redis+sentinel://127.0.0.1:26379/m/1/2", "path is /master[/db]"),
        ("redis+sentinel://127.0.0.1:26379/m/one", "unusable db in Redis URI: 'one'"),
    ],
)
def test_a_bad_uri_is_refused_when_the_driver_is_built(uri: str, message: str) -> None:
    with pytest.raises(errors.BadConfiguration) as raised:
        client_factory(group(uri))
    assert message in str(raised.value)


def test_a_password_never_appears_in_the_error() -> None:
    with pytest.raises(errors.BadConfiguration) as raised:
        client_factory(group("http://:s3cret@127.0.0.1:6379"))
    assert "s3cret" not in str(raised.value)


def test_a_cluster_uri_names_every_startup_node_and_its_options() -> None:
    uri = "rediss+cluster://:p%40w@10.0.0.1:7000,10.0.0.2,[::1]:7002?socket_timeout=0.5"
    parsed = store._parse_multi_host(urllib.parse.urlsplit(uri), 6379)
    assert parsed.nodes == [("10.0.0.1", 7000), ("10.0.0.2", 6379), ("::1", 7002)]
    assert (parsed.username, parsed.password, parsed.tls) == (None, "p@w", True)
    assert parsed.query == {"socket_timeout": "0.5"}


def test_a_cluster_that_cannot_be_reached_is_unavailable_not_misconfigured() -> None:
    build = client_factory(group(f"redis+cluster://127.0.0.1:{free_port()}", 0.5))
    with pytest.raises(errors.ServiceUnavailable):
        build()


def test_a_sentinel_uri_takes_the_master_from_the_path_or_the_query() -> None:
    for uri in (
        "redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/svc/3?socket_timeout=0.5",
        "redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380?master=svc&db=3&socket_timeout=0.5",
    ):
        client = client_factory(group(uri))()
        assert isinstance(client, redis.Redis)
        kwargs = client.connection_pool.connection_kwargs
        assert kwargs["db"] == 3
        assert kwargs["password"] == "pw"
        assert kwargs["socket_timeout"] == 0.5
        assert client.connection_pool.service_name == "svc"  # type: ignore[attr-defined]
        sentinels = client.connection_pool.sentinel_manager.sentinels  # type: ignore[attr-defined]
        ports = [s.connection_pool.connection_kwargs["port"] for s in sentinels]
        assert ports == [26379, 26380]


def test_a_plain_uri_keeps_its_own_options() -> None:
    client = client_factory(group("redis://127.0.0.1:6390/5?socket_timeout=0.25"))()
    assert isinstance(client, redis.Redis)
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["socket_timeout"]) == (6390, 5, 0.25)


def test_the_connector_builds_one_client_on_first_use_only() -> None:
    connector = Connector(group("redis://127.0.0.1:6390/5"))
    assert connector._client is None
    first = connector.get()
    assert connector.get() is first
    connector.close()
    assert connector._client is None


def test_the_cluster_client_repeats_only_commands_that_were_not_sent() -> None:
    # A script that timed out, or whose connection dropped, may have run; repeating it could
    # post a batch twice. The cluster client checks the exact type of the error.
    assert issubclass(store._Cluster, RedisCluster)
    allowed = store._Cluster.ERRORS_ALLOW_RETRY
    assert redis.exceptions.TimeoutError not in allowed
    assert redis.exceptions.ConnectionError not in allowed
    assert connections.ConnectFailed in allowed
