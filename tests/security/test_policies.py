"""API v2 checks its oslo.policy rules (SPEC §5.2): open by default, and an operator's policy
file is obeyed, with 403 "Not authorized" for a denial. v1 and v1.1 check no rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from oslo_policy import opts as policy_opts

import zaqar.conf
from tests.api.support import Api, assert_error
from tests.backends import BY_NAME
from zaqar import bootstrap
from zaqar.api import policies

MakeApi = Callable[[str], Api]


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[MakeApi]:
    """``make_api(policy file text)``: an app over SQLite obeying that policy file."""
    boots: list[bootstrap.Bootstrap] = []

    def make(rules: str) -> Api:
        directory = tmp_path / f"app-{len(boots)}"
        directory.mkdir()
        policy_file = directory / "policy.yaml"
        policy_file.write_text(rules, encoding="utf-8")
        conf = zaqar.conf.load([], default_config_files=[])
        BY_NAME["sqlite"].prepare(conf, directory)
        # set_defaults would change the option's default for every later test: override.
        for group, options in policy_opts.list_opts():
            conf.register_opts(options, group=group)
        conf.set_override("policy_file", str(policy_file), group="oslo_policy")
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        return Api(boot.transport.app, boot)

    yield make
    for boot in boots:
        boot.close()


POST = {"messages": [{"body": 1}]}


def test_by_default_every_v2_operation_is_open_to_the_project(make_api: MakeApi) -> None:
    api = make_api("")
    assert api.post("/v2/queues/q/messages", json=POST).status_code == 201
    assert api.get("/v2/queues/q/messages?echo=true").status_code == 200
    assert api.delete("/v2/queues/q").status_code == 204


def test_a_policy_file_restricts_an_operation_to_a_role(make_api: MakeApi) -> None:
    api = make_api('"messages:create": "role:publisher"\n"queues:delete": "role:admin"\n')
    assert_error(
        api.post("/v2/queues/q/messages", json=POST),
        403,
        "Not authorized",
        "You are not authorized to complete this action.",
    )
    assert api.get("/v2/queues").json["queues"] == []  # nothing was made
    published = api.post(
        "/v2/queues/q/messages", json=POST, headers={"X-Roles": "reader, publisher"}
    )
    assert published.status_code == 201
    # Other operations keep their default.
    assert api.get("/v2/queues/q/messages?echo=true").status_code == 200
    assert api.delete("/v2/queues/q").status_code == 403
    assert api.delete("/v2/queues/q", headers={"X-Roles": "admin"}).status_code == 204


def test_v1_and_v1_1_check_no_rules(make_api: MakeApi) -> None:
    api = make_api('"messages:create": "!"\n')
    assert api.post("/v2/queues/q/messages", json=POST).status_code == 403
    assert api.post("/v1.1/queues/q/messages", json=POST).status_code == 201
    api.put("/v1/queues/q")
    assert api.post("/v1/queues/q/messages", json=[{"ttl": 60, "body": 1}]).status_code == 201


def test_every_rule_has_a_default_and_says_which_route_it_guards() -> None:
    named = {rule.name for rule in policies.list_rules()}
    assert policies.ACTIONS <= named
    for rule in policies.list_rules():
        if rule.name in policies.ACTIONS:
            # Open, as in the original, but for the admin operations.
            family, action = rule.name.split(":")
            admin = family in {"health", "pools"} or (
                family == "flavors" and action in {"create", "update", "delete"}
            )
            assert rule.check_str == ("rule:context_is_admin" if admin else "")
            assert rule.operations and rule.operations[0]["path"].startswith("/v2/")


def test_a_topic_has_its_own_rules_and_its_messages_the_queues(make_api: MakeApi) -> None:
    api = make_api('"topics:delete": "role:admin"\n"messages:create": "role:publisher"\n')
    assert api.put("/v2/topics/t").status_code == 201  # topics:create keeps its default
    assert api.delete("/v2/topics/t").status_code == 403
    assert api.delete("/v2/queues/t").status_code == 204  # queues:delete is another rule
    assert api.delete("/v2/topics/t", headers={"X-Roles": "admin"}).status_code == 204
    assert api.post("/v2/topics/t/messages", json=POST).status_code == 403
    published = api.post("/v2/topics/t/messages", json=POST, headers={"X-Roles": "publisher"})
    assert published.status_code == 201
