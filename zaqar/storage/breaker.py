"""A circuit breaker for one store: after its backend is found unreachable, hold requests off.

Closed, every request goes to the backend. The first request that finds the backend
unreachable opens it: for ``open_seconds`` every request answers ``ServiceUnavailable`` at
once instead of waiting out connection attempts and timeouts, and adding to the load of a
backend that is struggling. After that, one request per open period goes through as a probe
(half-open); a probe that reaches the backend closes the breaker, one that does not keeps it
open for another period. Opening and closing are logged once each, never per request.

Drivers decide what "unreachable" means (a refused connection or a timeout, not a lock wait
or a missing queue) and call ``attempt`` around each conversation with the backend::

    with breaker.attempt() as attempt:   # raises ServiceUnavailable while open
        try:
            ...talk to the backend...
        except ConnectionFailed:
            attempt.unreachable()
            raise

Each driver instance has its own breaker, so each pool of a pooled deployment, and a data
store and a management store on one server, open and close on their own. Thread-safe.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator

from zaqar.storage import errors

LOG = logging.getLogger(__name__)


class Attempt:
    """One request's conversation with the backend, as the breaker sees it."""

    __slots__ = ("probe", "reached")

    def __init__(self, probe: bool) -> None:
        #: Whether this request was let through to probe an open breaker.
        self.probe = probe
        self.reached = True

    def unreachable(self) -> None:
        """Say that this request found the backend unreachable."""
        self.reached = False


class Breaker:
    """The breaker of one store; ``open_seconds`` 0 turns it off."""

    def __init__(
        self, store: str, open_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.open_seconds = open_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._open = False
        self._next_probe = 0.0

    @property
    def is_open(self) -> bool:
        return self._open

    def admit(self) -> Attempt:
        """An attempt for a request that may go on; ServiceUnavailable while open."""
        # PERF: read without the lock while closed, the rule: a request racing the opening
        # merely goes through, as it would have a moment earlier.
        if not self._open:
            return Attempt(probe=False)
        with self._lock:
            if not self._open:
                return Attempt(probe=False)
            now = self._clock()
            if now < self._next_probe:
                raise errors.ServiceUnavailable(f"the {self.store} is unreachable (breaker open)")
            # One probe per open period, even if an earlier one is still waiting for its
            # answer: a probe that hangs cannot keep the breaker open for good.
            self._next_probe = now + self.open_seconds
            return Attempt(probe=True)

    def record(self, attempt: Attempt) -> None:
        """What ``attempt`` found; only the first failure and a probe's success count."""
        if attempt.reached and not attempt.probe:
            return
        with self._lock:
            if attempt.reached:
                if self._open:
                    self._open = False
                    LOG.info("the %s answers again: breaker closed", self.store)
                return
            if self.open_seconds <= 0:
                return
            # Counted from the failure, which may have taken a timeout to come.
            self._next_probe = self._clock() + self.open_seconds
            if not self._open:
                self._open = True
                LOG.warning(
                    "the %s is unreachable: breaker open, requests answer 503 at once, "
                    "one probe every %.1f s",
                    self.store,
                    self.open_seconds,
                )

    @contextlib.contextmanager
    def attempt(self) -> Iterator[Attempt]:
        """``admit``, then ``record`` however the block ends.

        A block that ends with an exception its code did not mark ``unreachable`` still
        reached the backend (it answered with an error), except for exits such as
        KeyboardInterrupt, which say nothing either way.
        """
        attempt = self.admit()
        try:
            yield attempt
        except Exception:
            self.record(attempt)
            raise
        else:
            self.record(attempt)
