"""A test clock the storage drivers read time from."""

from __future__ import annotations

#: Where the clock starts: 2023-11-14T22:13:20Z, a round UNIX time.
EPOCH = 1_700_000_000.0


class Clock:
    """A clock that moves only when told to. Calling it returns ``now``."""

    def __init__(self, now: float = EPOCH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
