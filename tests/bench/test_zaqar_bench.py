"""zaqar-bench end to end: a short run of every role against a real server on SQLite.

Only the shape and the consistency of the figures are checked, never their size: the
machine running the tests may be slow or busy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.support import ZaqarServer, server_env, write_config

pytestmark = pytest.mark.e2e

ZAQAR_BENCH = Path(sys.executable).parent / "zaqar-bench"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir = tmp_path_factory.mktemp("zaqar-bench-e2e")
    config = write_config(workdir, workdir / "zaqar-bench.sqlite")
    args = ["--config-file", str(config), "--bind", "127.0.0.1", "--workers", "2"]
    with ZaqarServer(workdir, args, env=server_env(workdir)) as running:
        yield running


def run_bench(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ZAQAR_BENCH), "--url", url, "--no-progress", *options],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_role_runs_and_the_counts_add_up(server: ZaqarServer) -> None:
    done = run_bench(
        server.url,
        "--json",
        "-t", "2",
        "-pp", "1", "-pw", "2",
        "-cp", "1", "-cw", "1",
        "-op", "1", "-ow", "1",
        "-qno", "2",
        "--project", "bench-e2e",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    assert {"producer", "consumer", "observer"} <= result.keys()
    for role in ("producer", "consumer", "observer"):
        summary = result[role]
        assert summary["processes"] == 1
        assert summary["successful"] > 0, (role, summary)
        assert not any(code.startswith("5") for code in summary["errors"]), (role, summary)
        assert summary["requests"] == sum(op["requests"] for op in summary["ops"].values())
        assert summary["duration_sec"] > 0

    producer, consumer, observer = result["producer"], result["consumer"], result["observer"]
    assert set(producer["ops"]) == {"post"}
    assert set(observer["ops"]) == {"list"}
    assert set(consumer["ops"]) <= {"claim", "delete"} and "claim" in consumer["ops"]
    posted = producer["counts"]["messages_posted"]
    assert posted == producer["ops"]["post"]["statuses"]["201"]
    counts = consumer["counts"]
    claimed = counts.get("messages_claimed", 0)
    deleted = counts.get("messages_deleted", 0)
    # The queues were reset first, so nothing can be claimed that was not posted in this run.
    assert deleted <= claimed <= posted
    assert consumer["messages"] == deleted
    assert consumer["ops"]["claim"]["requests"] == counts.get("claims", 0) + counts.get(
        "empty_claims", 0
    ) + sum(n for code, n in consumer["ops"]["claim"]["errors"].items())
    for op in (*producer["ops"].values(), *observer["ops"].values()):
        assert op["p50_ms"] <= op["p90_ms"] <= op["p99_ms"] <= op["max_ms"]


def test_readable_report_and_a_wrong_api_version(server: ZaqarServer) -> None:
    done = run_bench(server.url, "-t", "1", "-pw", "1", "-ow", "0", "-qno", "1")
    assert done.returncode == 0, done.stderr
    assert "Producer (1 x 1" in done.stdout
    assert "Observer" not in done.stdout

    wrong = run_bench(server.url, "-api", "2")
    assert wrong.returncode == 2
    assert "only API 1.0" in wrong.stderr


def test_an_unreachable_server_is_reported(tmp_path: Path) -> None:
    from tests.faults import free_port

    done = run_bench(f"http://127.0.0.1:{free_port()}", "-t", "1")
    assert done.returncode == 2
    assert "cannot reach" in done.stderr
