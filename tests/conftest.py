"""How make test spreads the suites over its processes (pytest-xdist, ``--dist loadgroup``).

A test file runs whole in one process, as with ``--dist loadfile``, so its module fixtures
are made once; and every end-to-end test (``tests/e2e``: real servers on loopback, timed
against slow clients and killed masters) runs in the same process, one after the other, so
two servers under load never share the two cores with each other.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        group = "e2e" if module.startswith("tests/e2e/") else module
        item.add_marker(pytest.mark.xdist_group(group))
