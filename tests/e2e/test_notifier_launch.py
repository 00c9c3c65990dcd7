"""zaqar-notifier as an operator runs it: beside zaqar-server on one configuration, it
delivers what the server stores, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.notification.subscribers import endpoints

from .support import ZaqarServer, server_env, write_config

pytestmark = pytest.mark.e2e

ZAQAR_NOTIFIER = Path(sys.executable).parent / "zaqar-notifier"
HEADERS = {
    "Client-ID": "3381af92-2b9e-11e3-b191-71861300734c",
    "X-Project-ID": "e2e-notify",
    "Content-Type": "application/json",
}


def _post(url: str, document: Any) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(document).encode("utf-8"), headers=HEADERS, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def test_the_notifier_delivers_what_the_server_stores_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, tmp_path / "zaqar-e2e.sqlite")
    with config.open("a", encoding="utf-8") as settings:
        settings.write("\n[notification]\npoll_interval = 0.2\ncheckpoint_interval = 0.2\n")
    args = ["--config-file", str(config)]
    env = server_env(tmp_path, WEB_CONCURRENCY="1")
    log_path = tmp_path / "zaqar-notifier.log"
    with ZaqarServer(tmp_path, args, env=env) as server, endpoints() as (hooks, seen):
        queue = f"{server.url}/v2/queues/launched"
        assert _post(queue + "/subscriptions", {"subscriber": f"{hooks}/fast"}) == 201
        with log_path.open("wb") as log:
            notifier = subprocess.Popen(
                [str(ZAQAR_NOTIFIER), *args],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            assert _post(queue + "/messages", {"messages": [{"body": {"n": 1}}]}) == 201
            deadline = time.monotonic() + 30
            while not seen["fast"].received and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [body["body"] for body in seen["fast"].received] == [{"n": 1}]
        finally:
            notifier.send_signal(signal.SIGTERM)
            code = notifier.wait(timeout=30)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, text
    assert "started" in text and "stopped" in text, text
