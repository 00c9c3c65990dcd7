"""schemathesis over the OpenAPI document, against the whole WSGI stack on SQLite.

Every operation of the document gets ``EXAMPLES`` generated requests, valid and invalid
(a few thousand in all). No response may be a 5xx or break the document: undocumented
status, wrong Content-Type, body or headers off-schema.

The admin operations (tag ``pools``) are served only with ``admin_mode`` and ``pooling``, so
they run against a second stack built that way (SQLite management store, no pool: generated
URIs never name a reachable store, and the pool operations need none); the rest run against
the plain stack as before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

import zaqar.conf
from tests.backends import BY_NAME
from zaqar import bootstrap
from zaqar.transport.wsgi import openapi

#: Generated requests per operation (27 operations: about 2700 requests in all).
EXAMPLES = int(os.environ.get("ZAQAR_FUZZ_EXAMPLES", "100"))

#: Checks left out, because SPEC asks for behaviour JSON Schema cannot state exactly: v1
#: drops unknown fields and skips unknown or malformed message ids (so data off the schema is
#: accepted), and refuses floats such as ``61.0`` where JSON Schema's "integer" allows them,
#: or a message listing without Client-ID on the path that also serves get-by-ids (so data
#: on the schema is refused). Every response is still checked against the document.
LENIENCY_CHECKS = [
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.positive_data_acceptance,
]

#: The tag of the admin operations (``/v1/pools``).
ADMIN_TAG = "pools"
#: What the admin stack sets on top of the plain one.
ADMIN_AND_POOLING = {"admin_mode": True, "pooling": True}

#: stack name -> {"boot", "directory", "app"}
_state: dict[str, dict[str, Any]] = {}


def _app(name: str, defaults: dict[str, Any]) -> Any:
    """One stack over one SQLite file per kind, for the whole module (built on first use)."""
    if name not in _state:
        import tempfile

        directory = Path(tempfile.mkdtemp(prefix=f"zaqar-fuzz-{name}-"))
        conf = zaqar.conf.load([], default_config_files=[])
        BY_NAME["sqlite"].prepare(conf, directory)
        for option, value in defaults.items():
            conf.set_override(option, value, group="DEFAULT")
        boot = bootstrap.Bootstrap(conf)
        _state[name] = {"boot": boot, "directory": directory, "app": boot.transport.wsgi}
    return _state[name]["app"]


class _LazyWSGI:
    def __init__(self, name: str, defaults: dict[str, Any]) -> None:
        self._name = name
        self._defaults = defaults

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return _app(self._name, self._defaults)(environ, start_response)


_document = schemathesis.openapi.from_dict(openapi.document())
# The plain stack serves no admin route: its operations are left out here and fuzzed below
# against a stack that serves them.
schema = _document.exclude(tag=ADMIN_TAG)
schema.app = _LazyWSGI("plain", {})
admin_schema = _document.include(tag=ADMIN_TAG)
admin_schema.app = _LazyWSGI("admin", ADMIN_AND_POOLING)


@pytest.fixture(scope="module", autouse=True)
def _close_storage() -> Iterator[None]:
    yield
    for stack in list(_state.values()):
        stack["boot"].close()
        shutil.rmtree(stack["directory"], ignore_errors=True)
    _state.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_response_breaks_the_document(case: Any) -> None:
    case.call_and_validate(excluded_checks=LENIENCY_CHECKS)


@admin_schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_admin_response_breaks_the_document(case: Any) -> None:
    case.call_and_validate(excluded_checks=LENIENCY_CHECKS)
