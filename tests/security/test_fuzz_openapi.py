"""schemathesis over the OpenAPI document, against the whole WSGI stack on SQLite.

Every operation of the document gets ``EXAMPLES`` generated requests, valid and invalid
(a few thousand in all). No response may be a 5xx or break the document: undocumented
status, wrong Content-Type, body or headers off-schema.
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

#: Generated requests per operation (22 operations: about 2200 requests in all).
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

_state: dict[str, Any] = {}


def _app() -> Any:
    """One stack over one SQLite file for the whole module (built on first use)."""
    if "app" not in _state:
        import tempfile

        directory = Path(tempfile.mkdtemp(prefix="zaqar-fuzz-"))
        conf = zaqar.conf.load([], default_config_files=[])
        BY_NAME["sqlite"].prepare(conf, directory)
        boot = bootstrap.Bootstrap(conf)
        _state["boot"] = boot
        _state["directory"] = directory
        _state["app"] = boot.transport.wsgi
    return _state["app"]


class _LazyWSGI:
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return _app()(environ, start_response)


schema = schemathesis.openapi.from_dict(openapi.document())
schema.app = _LazyWSGI()


@pytest.fixture(scope="module", autouse=True)
def _close_storage() -> Iterator[None]:
    yield
    boot = _state.pop("boot", None)
    _state.pop("app", None)
    if boot is not None:
        boot.close()
    directory = _state.pop("directory", None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_response_breaks_the_document(case: Any) -> None:
    case.call_and_validate(excluded_checks=LENIENCY_CHECKS)
