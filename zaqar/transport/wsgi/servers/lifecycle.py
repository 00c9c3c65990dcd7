"""Process lifecycle shared by the servers: a worker never outlives its master."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

LOG = logging.getLogger("zaqar.server")

#: prctl(2) option: the signal this process gets when the thread that forked it exits.
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this worker exit at once when its master dies, however it dies.

    A master killed with SIGKILL cannot stop its workers; left alone, they keep serving the
    connections they hold and keep the listening socket open, so a new server cannot bind the
    port. On Linux the kernel sends the worker SIGKILL the moment its parent exits; elsewhere
    a thread checks the parent every quarter second. Called in the worker, before its loop.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    else:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:
        # The master died before the request above was made.
        LOG.error("master %d is gone; worker %d exits", parent_pid, os.getpid())
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.25)
    os._exit(1)
