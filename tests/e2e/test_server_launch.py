"""How zaqar-server starts: worker count from WEB_CONCURRENCY, and the zero-config default."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .support import ZaqarServer, child_pids, http_status, server_env, v1_client, write_config

pytestmark = pytest.mark.e2e


def wait_for_children(pid: int, expected: int, timeout: float = 10.0) -> set[int]:
    """The children of ``pid`` once there are ``expected`` of them (or whatever is there)."""
    deadline = time.monotonic() + timeout
    children = child_pids(pid)
    while len(children) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        children = child_pids(pid)
    return children


def test_without_a_workers_flag_the_server_starts_web_concurrency_workers(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, tmp_path / "zaqar-e2e.sqlite")
    args = ["--config-file", str(config), "--bind", "127.0.0.1"]
    env = server_env(tmp_path, WEB_CONCURRENCY="3")

    with ZaqarServer(tmp_path, args, env=env) as server:
        workers = wait_for_children(server.pid, 3)
        assert len(workers) == 3, f"workers {sorted(workers)}; log:\n{server.log()}"
        assert "with 3 workers" in server.log()


def test_with_no_config_at_all_the_server_keeps_messages_in_zaqar_sqlite_in_its_cwd(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "fresh"
    workdir.mkdir()
    # HOME is the fresh directory too, so no ~/.zaqar/zaqar.conf or ~/zaqar.conf is found.
    # One worker keeps start-up quick on many-core machines (the default is 2 x CPUs + 1).
    env = server_env(workdir, WEB_CONCURRENCY="1")

    with ZaqarServer(workdir, [], env=env) as server:
        assert (workdir / "zaqar.sqlite").is_file(), sorted(p.name for p in workdir.iterdir())
        assert f"serving on http://127.0.0.1:{server.port} " in server.log()
        assert http_status(f"{server.url}/v1/health", method="HEAD") == 204

        cli = v1_client(server.url)
        queue = cli.queue("zero-config")
        result = queue.post([{"ttl": 300, "body": {"stored": "in sqlite"}}])
        message_id = result["resources"][0].rsplit("/", 1)[1]
        reader = v1_client(server.url).queue("zero-config", auto_create=False)
        assert reader.message(message_id).body == {"stored": "in sqlite"}
        assert [m.body for m in reader.messages().stream()] == [{"stored": "in sqlite"}]

    # The data outlived the server: it is in the file, not in memory.
    with ZaqarServer(workdir, [], env=env) as restarted:
        reader = v1_client(restarted.url).queue("zero-config", auto_create=False)
        assert reader.exists() is True
        assert reader.message(message_id).body == {"stored": "in sqlite"}
