"""Print the query plan of every statement the SQL driver sends, on PostgreSQL.

    python -m tools.sql_plans        (uses ZAQAR_TEST_POSTGRESQL_URL, see tests/backends.py)

A workload calls every controller method while the statements are recorded; each distinct
statement is then EXPLAINed with its recorded parameters and ``enable_seqscan = off``, so a
plan that still shows a sequential scan names a query no index can serve.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import zaqar.conf
from tests.backends import BY_NAME, Backend
from zaqar.storage import base
from zaqar.storage.sqlalchemy.driver import ControlDriver, DataDriver


def _workload(driver: base.DataDriver) -> None:
    queues, messages, claims = (
        driver.queue_controller,
        driver.message_controller,
        driver.claim_controller,
    )
    client = "0" * 32
    queues.create("plans", "p")
    queues.create("plans", "p")
    queues.exists("plans", "p")
    queues.list("p", marker="a", limit=5, detailed=True)
    queues.set_metadata("plans", {"k": 1}, "p")
    queues.get_metadata("plans", "p")
    ids = messages.post("plans", [base.NewMessage(300, {"n": n}) for n in range(6)], client, "p")
    messages.list("plans", "p", marker="1", limit=5, client_uuid="1" * 32)
    messages.list("plans", "p", include_claimed=True, echo=True)
    messages.get("plans", ids[0], "p")
    messages.bulk_get("plans", ids[:2], "p")
    claim = claims.create("plans", 300, 60, 2, "p")
    assert claim is not None
    claims.get("plans", claim.id, "p")
    claims.update("plans", claim.id, 400, 60, "p")
    messages.delete("plans", claim.messages[0].id, "p", claim=claim.id)
    claims.delete("plans", claim.id, "p")
    queues.stats("plans", "p")
    messages.bulk_delete("plans", ids[2:3], "p")
    messages.pop("plans", 1, "p")
    _subscriptions_workload(driver, client)
    driver.gc()
    queues.delete("plans", "p")


def _subscriptions_workload(driver: base.DataDriver, client: str) -> None:
    subscriptions, deliveries = driver.subscription_controller, driver.delivery_controller
    made = subscriptions.create("plans", "http://h/1", 300, {}, "p")
    assert made is not None
    subscriptions.create("plans", "http://h/2", 300, {}, "p")
    subscriptions.list("plans", "p", marker="0" * 32, limit=5)
    subscriptions.get("plans", made, "p")
    subscriptions.get_with_subscriber("plans", "http://h/1", "p")
    subscriptions.update("plans", made, "p", subscriber="http://h/3", ttl=400, options={"a": 1})
    subscriptions.confirm("plans", made, "p", True)
    driver.message_controller.post("plans", [base.NewMessage(300, {"n": 1})], client, "p")
    deliveries.subscribed("p/a", limit=5)
    cursor = deliveries.acquire("plans", "p", made, "owner", 30)
    assert cursor is not None
    deliveries.backlog("plans", "p", cursor, 10)
    tried = base.Attempt(cursor + 1, client, 1, 1.0, "dead", None, "refused", 0.1, None)
    dead = base.DeadLetter(cursor + 1, client, 300, {}, 1.0, 1, "refused", 2.0)
    deliveries.checkpoint(
        "plans", "p", made, "owner", cursor=cursor + 1, attempts=[tried], dead=[dead]
    )
    deliveries.attempts("plans", "p", made)
    deliveries.dead_letters("plans", "p", made, marker=0)
    deliveries.release("plans", "p", made, "owner")
    subscriptions.delete("plans", made, "p")
    subscriptions.delete_all("plans", "p")


def explain_workload(backend: Backend, tmp_path: Path) -> dict[str, str]:
    """statement -> its plan with sequential scans disabled."""
    conf = zaqar.conf.load([], default_config_files=[])
    backend.prepare(conf, tmp_path)
    driver = DataDriver(conf, ControlDriver(conf))
    recorded: dict[str, Any] = {}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            recorded.setdefault(statement, parameters)

    engine = driver.store.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        _workload(driver)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    plans: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute("SET enable_seqscan = off")
            for statement, parameters in recorded.items():
                if statement.lstrip().upper().startswith("SELECT 1"):
                    continue  # the liveness ping reads no table
                if (
                    isinstance(parameters, list | tuple)
                    and parameters
                    and isinstance(parameters[0], dict | list | tuple)
                ):
                    parameters = parameters[0]  # one row of an executemany
                cursor.execute("EXPLAIN " + statement, parameters)
                plans[" ".join(statement.split())] = "\n".join(row[0] for row in cursor)
            connection.rollback()
    finally:
        driver.close()
    return plans


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for statement, plan in explain_workload(BY_NAME["postgresql"], Path(folder)).items():
            print(statement)
            print("\n".join("    " + line for line in plan.splitlines()))
            print()


if __name__ == "__main__":
    main()
