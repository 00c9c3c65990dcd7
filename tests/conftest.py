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
        _name_by_case(item)
        module = item.nodeid.split("::", 1)[0]
        group = "e2e" if module.startswith("tests/e2e/") else module
        item.add_marker(pytest.mark.xdist_group(group))


def _name_by_case(item: pytest.Item) -> None:
    """Give a schemathesis case (one API operation) a node id of its own.

    schemathesis names each case ``test_x[GET /v1/queues]`` but, since pytest 9 keeps node ids
    apart from ``_nodeid``, every case of one test has the node id ``...::test_x``; pytest-xdist
    schedules by node id, so under ``--dist loadgroup`` all the cases of a test but one were
    silently never run.
    """
    function = item.nodeid.rpartition("::")[2]
    if item.name == function or not item.name.startswith(function + "["):
        return
    parent_id = getattr(item.parent, "id", None)
    if parent_id is not None and hasattr(item, "_id"):
        item._id = parent_id.child(item.name)  # pytest 9: the structured node id
    else:
        item._nodeid = item.nodeid.rpartition("::")[0] + "::" + item.name
    assert item.nodeid.endswith(item.name), item.nodeid
