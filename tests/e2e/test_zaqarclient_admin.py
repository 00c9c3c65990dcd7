"""Today's python-zaqarclient (4.7) in admin mode against a pooled zaqar-server: pools,
flavors and the detailed health. The server's
policy opens v2's admin rules, since the client's noauth session sends no roles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .support import pooled_server
from .test_zaqarclient_v2 import CURRENT_CLIENT

pytestmark = pytest.mark.e2e


def test_todays_python_zaqarclient_manages_pools_and_flavors_in_admin_mode(
    tmp_path: Path,
) -> None:
    script = Path(__file__).with_name("zaqarclient_current.py")
    env = {**os.environ, "PYTHONPATH": str(CURRENT_CLIENT)}
    pool_uri = f"sqlite:///{tmp_path / 'extra-pool.sqlite'}"
    workdir = tmp_path / "pooled"
    workdir.mkdir()
    with pooled_server(workdir) as running:
        done = subprocess.run(
            [sys.executable, str(script), running.url, "admin-client", "admin", pool_uri],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr + running.log()
    assert done.stdout.strip().endswith("ok")
