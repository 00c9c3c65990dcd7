"""This process's id without a system call, kept true across forks.

PERF: ``os.getpid()`` is a system call on every request path that asks it; servers fork
their workers, so the id is learnt once per process, at import and after each fork.
"""

from __future__ import annotations

import os

_pid = os.getpid()


def pid() -> int:
    return _pid


def _learn_pid() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_learn_pid)
