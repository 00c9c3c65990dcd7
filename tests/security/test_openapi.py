"""The OpenAPI 3.1 document of API v1: served, shipped, and exactly the routes served."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.api.support import Api
from tests.backends import BY_NAME
from zaqar import bootstrap
from zaqar.api.validation import Limits
from zaqar.transport.wsgi import openapi

from .conftest import MakeStack
from .support import METHODS, served_routes

DOCUMENT = Path(openapi.__file__).with_name("openapi.json")


#: The admin routes (pools, SPEC §2.12): served only with admin_mode and pooling.
ADMIN_PREFIX = "/v1/pools"
V1_PREFIX = "/v1/"
ADMIN_AND_POOLING = {"DEFAULT.admin_mode": True, "DEFAULT.pooling": True}


@pytest.fixture
def stack(make_stack: MakeStack) -> Api:
    return make_stack()


ServedRoutes = Callable[..., set[tuple[str, str]]]


@pytest.fixture
def routes_served_with(tmp_path: Path) -> Iterator[ServedRoutes]:
    """``routes_served_with(**{"DEFAULT.pooling": True})``: the routes of an app built with
    those settings over SQLite (``make_stack`` cannot set a clock on the pooled driver, and
    the router walk needs none)."""
    boots: list[bootstrap.Bootstrap] = []

    def served(**overrides: Any) -> set[tuple[str, str]]:
        conf = zaqar.conf.load([], default_config_files=[])
        BY_NAME["sqlite"].prepare(conf, tmp_path)
        for key, value in overrides.items():
            group, name = key.split(".", 1)
            conf.set_override(name, value, group=group)
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        return v1_routes(boot.transport.app)

    yield served
    for boot in boots:
        boot.close()


def v1_routes(app: Any) -> set[tuple[str, str]]:
    """The routes of API v1 the app serves: what the document describes (v1.1 and v2 have
    no OpenAPI document yet)."""
    return {
        route for route in served_routes(app) if route[0] == "/" or route[0].startswith(V1_PREFIX)
    }


def documented_routes() -> set[tuple[str, str]]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def _is_admin(route: tuple[str, str]) -> bool:
    return route[0].startswith(ADMIN_PREFIX)


def test_the_document_lists_exactly_the_routes_the_app_serves(stack: Api) -> None:
    served = v1_routes(stack.boot.transport.app)
    assert served, "the router walk found nothing"
    documented = {route for route in documented_routes() if not _is_admin(route)}
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_with_admin_mode_and_pooling_the_app_serves_exactly_the_whole_document(
    routes_served_with: ServedRoutes,
) -> None:
    served = routes_served_with(**ADMIN_AND_POOLING)
    documented = documented_routes()
    assert {route for route in documented if _is_admin(route)}, "no admin route documented"
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


@pytest.mark.parametrize(
    "overrides",
    [{}, {"DEFAULT.admin_mode": True}, {"DEFAULT.pooling": True}],
    ids=["plain", "admin-mode-only", "pooling-only"],
)
def test_without_both_admin_mode_and_pooling_no_pools_route_is_served(
    routes_served_with: ServedRoutes, overrides: dict[str, bool]
) -> None:
    served = routes_served_with(**overrides)
    assert served
    assert [route for route in served if _is_admin(route)] == []


def test_the_admin_operations_say_they_are_admin_only() -> None:
    document = openapi.document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            admin = path.startswith(ADMIN_PREFIX)
            assert ("pools" in operation["tags"]) == admin, (method, path)
            if admin:
                assert operation["description"].startswith("Admin only"), (method, path)
                assert {"400", "403", "404", "503"} <= set(operation["responses"]), (method, path)


def test_the_document_is_served_at_v1_openapi_json_without_any_header(stack: Api) -> None:
    resp = stack.client.simulate_get("/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json == json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert resp.headers["x-openstack-request-id"].startswith("req-")


def test_the_served_document_gives_the_limits_the_server_is_configured_with(
    make_stack: MakeStack,
) -> None:
    api = make_stack(
        **{
            "transport.max_messages_per_page": 7,
            "transport.max_claim_ttl": 600,
            "transport.max_messages_post_size": 4096,
        }
    )
    served = api.client.simulate_get("/v1/openapi.json").json
    parameters, schemas = served["components"]["parameters"], served["components"]["schemas"]
    assert parameters["MessageLimit"]["schema"]["maximum"] == 7
    assert parameters["IdsRequired"]["schema"]["maxItems"] == 7
    assert parameters["QueueLimit"]["schema"]["maximum"] == 20  # not changed: the default
    assert schemas["NewClaim"]["properties"]["ttl"]["maximum"] == 600
    assert schemas["NewMessages"]["description"] == "At most 4096 bytes in all."
    # The stored document is the one for the defaults.
    assert openapi.for_limits(Limits.from_conf(zaqar.conf.load([], default_config_files=[]))) == (
        openapi.document()
    )


def test_the_document_is_openapi_3_1_and_loads_in_schemathesis() -> None:
    import schemathesis

    document = openapi.document()
    assert document["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(documented_routes())


def test_every_operation_has_an_id_and_documents_its_errors() -> None:
    document = openapi.document()
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ids.append(operation["operationId"])
            if path.startswith(("/v1/queues", ADMIN_PREFIX)):
                assert {"400", "503"} <= set(operation["responses"]), (method, path)
    assert len(ids) == len(set(ids))


def test_the_document_is_package_data() -> None:
    setup_cfg = Path(__file__).parents[2] / "setup.cfg"
    assert "zaqar.transport.wsgi = openapi.json" in setup_cfg.read_text(encoding="utf-8")


def test_the_outcome_unknown_answer_matches_its_schema() -> None:
    """The 504 body (``errors.AnsweredError`` of an outcome unknown) is what the document
    says it is."""
    import jsonschema

    from zaqar.transport.errors import Answer
    from zaqar.transport.wsgi.errors import AnsweredError

    schema = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]
    for resources in (["/v1/queues/q/messages/abc"], []):
        answer = Answer(504, "Outcome unknown", "It may have happened.", resources)
        body = json.loads(AnsweredError(answer).to_json())
        jsonschema.validate(body, schema["OutcomeUnknown"])
        assert ("resources" in body) is bool(resources)
