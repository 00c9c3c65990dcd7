"""Every statement the SQL driver sends can be served by an index.

The driver runs a workload that touches every controller method on PostgreSQL while each
statement is recorded; each recorded statement is then EXPLAINed with sequential scans
disabled. A plan that still scans a table means no index can serve that query.
``tools/sql_plans.py`` prints the same plans for the documentation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import BY_NAME
from tools.sql_plans import explain_workload


def test_no_statement_of_the_driver_needs_a_table_scan_on_postgresql(tmp_path: Path) -> None:
    plans = explain_workload(BY_NAME["postgresql"], tmp_path)
    assert len(plans) >= 15, "the workload should reach every kind of statement"
    scans = {sql: plan for sql, plan in plans.items() if "Seq Scan" in plan}
    assert scans == {}, "\n\n".join(f"{sql}\n{plan}" for sql, plan in scans.items())


@pytest.mark.parametrize("table", ["queues", "messages"])
def test_the_workload_reaches_both_tables(tmp_path: Path, table: str) -> None:
    plans = explain_workload(BY_NAME["postgresql"], tmp_path)
    assert any(f" {table}" in sql for sql in plans)
