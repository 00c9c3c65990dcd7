"""The OpenAPI 3.1 documents of API v1, v1.1 and v2: served, shipped, and each exactly the
routes its version serves."""

from __future__ import annotations

import configparser
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.api.support import Api
from tests.backends import BY_NAME
from tools import openapi_documents
from zaqar import bootstrap
from zaqar.api.validation import Limits
from zaqar.transport.wsgi import openapi

from .conftest import MakeStack, keystone_overrides
from .support import METHODS, served_routes

DIRECTORY = Path(openapi.__file__).parent
ADMIN_AND_POOLING = {"DEFAULT.admin_mode": True, "DEFAULT.pooling": True}


@dataclass(frozen=True)
class Documented:
    """One version's document, and its admin operations: tag -> the paths they are on,
    and whether they also need ``pooling`` (all need ``admin_mode``)."""

    document: openapi.Document
    admin: dict[str, tuple[tuple[str, ...], bool]]

    @property
    def prefix(self) -> str:
        return "/" + self.document.version

    @property
    def path(self) -> Path:
        return DIRECTORY / self.document.file_name

    def stored(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return loaded

    def routes_of(self, app: Any) -> set[tuple[str, str]]:
        """The routes of this version the app serves (and version discovery, which every
        document describes)."""
        return {
            route
            for route in served_routes(app)
            if route[0] == "/" or route[0].startswith(self.prefix + "/")
        }

    def documented(self) -> set[tuple[str, str]]:
        return {
            (path, method.upper())
            for path, item in self.stored()["paths"].items()
            for method in item
            if method.upper() in METHODS
        }

    def admin_tag(self, path: str) -> str | None:
        """The admin tag of the operations on ``path``, or None for the others."""
        for tag, (prefixes, _) in self.admin.items():
            if path.startswith(prefixes):
                return tag
        return None

    def needs_pooling(self, route: tuple[str, str]) -> bool:
        tag = self.admin_tag(route[0])
        return tag is not None and self.admin[tag][1]


VERSIONS = [
    Documented(openapi.V1, {"pools": (("/v1/pools",), True)}),
    Documented(openapi.V1_1, {"health": (("/v1.1/health",), False)}),
    Documented(
        openapi.V2,
        {
            "health": (("/v2/health",), False),
            "pools": (("/v2/pools",), True),
            "flavors": (("/v2/flavors",), True),
        },
    ),
]
#: The documents tools/openapi_documents.py writes.
GENERATED = [version for version in VERSIONS if version.document.version != "v1"]


def _ids(version: Documented) -> str:
    return version.document.version


by_version = pytest.mark.parametrize("version", VERSIONS, ids=_ids)


@pytest.fixture
def stack(make_stack: MakeStack) -> Api:
    return make_stack()


ServedApp = Callable[..., Any]


@pytest.fixture
def app_built_with(tmp_path: Path) -> Iterator[ServedApp]:
    """``app_built_with(**{"DEFAULT.pooling": True})``: the Falcon app built with those
    settings over SQLite (``make_stack`` cannot set a clock on the pooled driver, and the
    router walk needs none)."""
    boots: list[bootstrap.Bootstrap] = []

    def built(**overrides: Any) -> Any:
        conf = zaqar.conf.load([], default_config_files=[])
        BY_NAME["sqlite"].prepare(conf, tmp_path)
        for key, value in overrides.items():
            group, name = key.split(".", 1)
            conf.set_override(name, value, group=group)
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        return boot.transport.app

    yield built
    for boot in boots:
        boot.close()


@by_version
def test_the_document_lists_exactly_the_routes_the_app_serves(
    stack: Api, version: Documented
) -> None:
    served = version.routes_of(stack.boot.transport.app)
    assert len(served) > 1, "the router walk found nothing"
    documented = {route for route in version.documented() if not version.admin_tag(route[0])}
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


@by_version
def test_with_admin_mode_and_pooling_the_app_serves_exactly_the_whole_document(
    app_built_with: ServedApp, version: Documented
) -> None:
    served = version.routes_of(app_built_with(**ADMIN_AND_POOLING))
    documented = version.documented()
    for tag in version.admin:
        assert {route for route in documented if version.admin_tag(route[0]) == tag}, tag
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


@by_version
@pytest.mark.parametrize(
    "overrides",
    [{}, {"DEFAULT.admin_mode": True}, {"DEFAULT.pooling": True}],
    ids=["plain", "admin-mode-only", "pooling-only"],
)
def test_without_both_admin_mode_and_pooling_only_the_admin_routes_without_pooling_are_served(
    app_built_with: ServedApp, version: Documented, overrides: dict[str, bool]
) -> None:
    served = version.routes_of(app_built_with(**overrides))
    assert len(served) > 1
    admin = {route for route in served if version.admin_tag(route[0])}
    if overrides.get("DEFAULT.admin_mode"):
        documented = version.documented()
        wanted = {r for r in documented if version.admin_tag(r[0]) and not version.needs_pooling(r)}
        assert admin == wanted
    else:
        assert admin == set()


@by_version
def test_the_admin_operations_say_they_are_admin_only(version: Documented) -> None:
    for path, item in version.stored()["paths"].items():
        for method, operation in item.items():
            tag = version.admin_tag(path)
            assert set(operation["tags"]) & set(version.admin) == ({tag} if tag else set())
            if tag:
                assert operation["description"].startswith("Admin only"), (method, path)
                assert {"400", "403", "404", "503"} <= set(operation["responses"]), (method, path)


@by_version
def test_the_document_is_served_without_any_header(stack: Api, version: Documented) -> None:
    resp = stack.client.simulate_get(version.prefix + "/openapi.json")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json == version.stored()
    assert resp.headers["x-openstack-request-id"].startswith("req-")


@by_version
def test_under_keystone_the_document_needs_no_token(
    make_stack: MakeStack, keystone: Any, version: Documented
) -> None:
    api = make_stack(**keystone_overrides())
    resp = api.client.simulate_get(version.prefix + "/openapi.json")
    assert resp.status_code == 200
    assert resp.json["paths"]
    # The paths beside it are not public.
    assert api.client.simulate_get(version.prefix + "/").status_code == 401


@by_version
def test_the_served_document_gives_the_limits_the_server_is_configured_with(
    make_stack: MakeStack, version: Documented
) -> None:
    api = make_stack(
        **{
            "transport.max_messages_per_page": 7,
            "transport.max_claim_ttl": 600,
            "transport.max_messages_post_size": 4096,
        }
    )
    served = api.client.simulate_get(version.prefix + "/openapi.json").json
    parameters, schemas = served["components"]["parameters"], served["components"]["schemas"]
    assert parameters["MessageLimit"]["schema"]["maximum"] == 7
    assert parameters["Ids"]["schema"]["maxItems"] == 7
    assert parameters["QueueLimit"]["schema"]["maximum"] == 20  # not changed: the default
    assert schemas["NewClaim"]["properties"]["ttl"]["maximum"] == 600
    assert schemas["NewMessages"]["description"] == "At most 4096 bytes in all."
    if version.document.version != "v1":
        settings = schemas["Metadata"]["properties"]
        assert settings["_max_messages_post_size"]["maximum"] == 4096
        assert schemas["NewClaim"]["properties"]["ttl"]["default"] == 300
    # The stored document is the one for the defaults.
    defaults = Limits.from_conf(zaqar.conf.load([], default_config_files=[]))
    assert version.document.for_limits(defaults) == version.stored()


@pytest.mark.parametrize("version", GENERATED, ids=_ids)
def test_the_stored_document_is_what_the_tool_writes(version: Documented) -> None:
    wanted = openapi_documents.text(version.document.version)
    assert version.path.read_text(encoding="utf-8") == wanted, (
        "run: python -m tools.openapi_documents"
    )


@by_version
def test_the_document_is_openapi_3_1_and_loads_in_schemathesis(version: Documented) -> None:
    import schemathesis

    document = version.document.stored()
    assert document["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(version.documented())


@by_version
def test_every_operation_has_an_id_and_documents_its_errors(version: Documented) -> None:
    ids = []
    for path, item in version.stored()["paths"].items():
        for method, operation in item.items():
            ids.append(operation["operationId"])
            if path.startswith(version.prefix + "/queues") or version.admin_tag(path):
                assert {"400", "503"} <= set(operation["responses"]), (method, path)
    assert len(ids) == len(set(ids))


@by_version
def test_every_reference_names_a_component(version: Documented) -> None:
    document = version.stored()
    text = json.dumps(document)
    if version in GENERATED:  # and the tool leaves no component unused
        for kind, components in document["components"].items():
            for name in components:
                if kind != "securitySchemes":
                    assert f'"#/components/{kind}/{name}"' in text, (kind, name)
    for reference in set(text.split('"$ref": "')[1:]):
        kind, name = reference.split('"', 1)[0].removeprefix("#/components/").split("/")
        assert name in document["components"][kind], reference


def test_every_document_is_package_data() -> None:
    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(Path(__file__).parents[2] / "setup.cfg", encoding="utf-8")
    shipped = setup_cfg["options.package_data"]["zaqar.transport.wsgi"].split()
    assert sorted(shipped) == sorted(version.document.file_name for version in VERSIONS)
    assert all((DIRECTORY / name).is_file() for name in shipped)


@by_version
def test_the_outcome_unknown_answer_matches_its_schema(version: Documented) -> None:
    """The 504 body (``errors.AnsweredError`` of an outcome unknown) is what the document
    says it is."""
    import jsonschema

    from zaqar.transport.errors import Answer
    from zaqar.transport.wsgi.errors import AnsweredError

    schema = version.stored()["components"]["schemas"]
    for resources in ([version.prefix + "/queues/q/messages/abc"], []):
        answer = Answer(504, "Outcome unknown", "It may have happened.", resources)
        body = json.loads(AnsweredError(answer).to_json())
        jsonschema.validate(body, schema["OutcomeUnknown"])
        assert ("resources" in body) is bool(resources)
