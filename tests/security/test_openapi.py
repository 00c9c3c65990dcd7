"""The OpenAPI 3.1 document of API v1: served, shipped, and exactly the routes served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.support import Api
from zaqar.transport.wsgi import openapi

from .conftest import MakeStack
from .support import METHODS, served_routes

DOCUMENT = Path(openapi.__file__).with_name("openapi.json")


@pytest.fixture
def stack(make_stack: MakeStack) -> Api:
    return make_stack()


def documented_routes() -> set[tuple[str, str]]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def test_the_document_lists_exactly_the_routes_the_app_serves(stack: Api) -> None:
    served = served_routes(stack.boot.transport.app)
    assert served, "the router walk found nothing"
    documented = documented_routes()
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_the_document_is_served_at_v1_openapi_json_without_any_header(stack: Api) -> None:
    resp = stack.client.simulate_get("/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.content == DOCUMENT.read_bytes()
    assert resp.headers["x-openstack-request-id"].startswith("req-")


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
            if path.startswith("/v1/queues"):
                assert {"400", "503"} <= set(operation["responses"]), (method, path)
    assert len(ids) == len(set(ids))


def test_the_document_is_package_data() -> None:
    setup_cfg = Path(__file__).parents[2] / "setup.cfg"
    assert "zaqar.transport.wsgi = openapi.json" in setup_cfg.read_text(encoding="utf-8")
