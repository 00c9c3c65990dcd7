"""What the storage suite shares besides fixtures."""

from __future__ import annotations

from collections.abc import Callable

from tests.backends import BACKENDS, BY_NAME, Backend  # noqa: F401 - re-exported
from tests.clock import EPOCH, Clock  # noqa: F401 - re-exported for the suites

#: The ``post`` fixture: ``post(queue, count=1, ttl=300, project=None, client_uuid=None,
#: bodies=None) -> ids``.
Post = Callable[..., list[str]]
