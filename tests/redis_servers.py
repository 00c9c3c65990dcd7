"""Private Redis servers for tests: one server, a cluster, or a server watched by sentinels.

Each runs on free loopback ports with its files in a folder of the caller's, keeps nothing
on disk that outlives the test, and is killed by ``stop``.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import zaqar.conf
from tests.faults import free_port

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def redis_conf(uri: str, socket_timeout: float = 1.0, prefix: str | None = None) -> Any:
    """A configuration with both stores on Redis at ``uri``, giving up quickly: one
    reconnection attempt after 0.1 s, ``socket_timeout`` for each call."""
    conf = zaqar.conf.load([], default_config_files=[])
    conf.set_override("message_store", "redis", group="drivers")
    conf.set_override("management_store", "redis", group="drivers")
    for group in ("drivers:message_store:redis", "drivers:management_store:redis"):
        conf.set_override("uri", uri, group=group)
        conf.set_override("max_reconnect_attempts", 1, group=group)
        conf.set_override("reconnect_sleep", 0.1, group=group)
        conf.set_override("socket_timeout", socket_timeout, group=group)
        if prefix is not None:
            conf.set_override("prefix", prefix, group=group)
    return conf


def _wait_for_port(port: int, what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not start on port {port}")


class RedisProcess:
    """One redis-server (or sentinel) on ``port``; ``start`` may be called again after
    ``stop`` to bring the same server back on the same port."""

    def __init__(self, port: int, folder: Path, *extra: str) -> None:
        self.port = port
        self.folder = folder
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None, "redis-server is not installed"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *self.extra,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[RedisProcess]:
    """A running redis-server of its own on a free port, killed afterwards (resumed first
    if a test left it stopped with SIGSTOP)."""
    if REDIS_SERVER is None:
        raise AssertionError("redis-server is not installed")
    server = RedisProcess(free_port(), folder)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.process.send_signal(signal.SIGCONT)
        server.stop()


def cli(port: int, *args: str) -> str:
    assert REDIS_CLI is not None, "redis-cli is not installed"
    done = subprocess.run(
        [REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


class RedisClusterProcesses:
    """A cluster of ``size`` masters and no replicas, its slots spread evenly over them."""

    def __init__(self, folder: Path, size: int = 3) -> None:
        self.nodes: list[RedisProcess] = []
        for _ in range(size):
            port, bus = free_port(), free_port()
            node_folder = folder / f"node-{port}"
            self.nodes.append(
                RedisProcess(
                    port,
                    node_folder,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-port",
                    str(bus),
                    "--cluster-config-file",
                    str(node_folder / "nodes.conf"),
                    "--cluster-node-timeout",
                    "5000",
                )
            )

    @property
    def ports(self) -> list[int]:
        return [node.port for node in self.nodes]

    @property
    def uri(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{port}" for port in self.ports]
        cli(
            self.ports[0],
            "--cluster",
            "create",
            *addresses,
            "--cluster-replicas",
            "0",
            "--cluster-yes",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all("cluster_state:ok" in cli(port, "cluster", "info") for port in self.ports):
                return
            time.sleep(0.2)
        raise AssertionError("the Redis cluster did not reach cluster_state:ok")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class RedisWithSentinel:
    """A master, a replica of it, and one sentinel watching the master as ``service``.

    With a quorum of one and a one-second ``down-after``, killing the master makes the
    sentinel promote the replica within a few seconds.
    """

    def __init__(self, folder: Path, service: str = "zaqar") -> None:
        self.service = service
        self.master = RedisProcess(free_port(), folder / "master")
        self.replica = RedisProcess(
            free_port(), folder / "replica", "--replicaof", "127.0.0.1", str(self.master.port)
        )
        sentinel_folder = folder / "sentinel"
        sentinel_folder.mkdir(parents=True, exist_ok=True)
        config = sentinel_folder / "sentinel.conf"
        config.write_text(
            f"sentinel monitor {service} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {service} 1000\n"
            f"sentinel failover-timeout {service} 10000\n"
        )
        # A sentinel rewrites its configuration file, so it must be its own writable file.
        self.sentinel = RedisProcess(free_port(), sentinel_folder, str(config), "--sentinel")

    def uri(self, db: int = 0) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{self.service}/{db}"

    def master_port(self) -> int:
        reply = cli(self.sentinel.port, "sentinel", "get-master-addr-by-name", self.service)
        return int(reply.split()[1])

    def start(self) -> None:
        self.master.start()
        self.replica.start()
        self.sentinel.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            info = cli(self.master.port, "info", "replication")
            if "connected_slaves:1" in info and "state=online" in info:
                return
            time.sleep(0.1)
        raise AssertionError("the replica did not join the master")

    def stop(self) -> None:
        self.sentinel.stop()
        self.replica.stop()
        self.master.stop()
