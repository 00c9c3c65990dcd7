"""Moving a queue to another pool while clients keep using it.

1. The catalogue marks the queue as moving. From then on no worker that reads the catalogue
   writes to the queue: writes answer 503 ("try again") and reads go to the old pool.
2. Workers may still hold the old placement in their cache, and writes may still be in
   flight. The move waits ``settle`` seconds (``[pooling:catalog] cache_ttl`` plus
   ``move_write_grace``, the longest a storage call may take) until neither can be true any
   more. The copy is then frozen in practice.
3. The queue is exported from the old pool and imported into the new one whole: the same
   message ids, markers and marker counter, expiries and claims, so markers and claim ids
   clients hold keep working.
4. The catalogue switches to the new pool and clears the mark; writes resume there.
5. The old copy is deleted.

A move that fails before step 4 is abandoned: the queue stays where it was and writes
resume there. A move interrupted by a crash leaves the queue marked (writes refused); running
the same move again finishes it, since importing replaces any partial copy.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from zaqar.storage import errors
from zaqar.storage.pooling.driver import DataDriver

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class MoveReport:
    queue: str
    project: str | None
    source: str
    target: str
    messages: int
    #: Seconds writes to the queue were refused.
    paused: float


def move_queue(
    pooled: DataDriver,
    project: str | None,
    queue: str,
    target: str,
    settle: float | None = None,
) -> MoveReport:
    """Move ``queue`` of ``project`` to pool ``target``; see the module's description."""
    if settle is None:
        settle = pooled.cache_ttl + pooled.move_write_grace
    placement = pooled.catalogue.begin_move(project, queue, target)
    started = time.monotonic()
    LOG.info("moving queue %s of project %s: %s -> %s", queue, project, placement.pool, target)
    try:
        time.sleep(settle)
        source = pooled.pool_driver(placement.pool)
        destination = pooled.pool_driver(target)
        dump = source.export_queue(queue, project)
        destination.import_queue(queue, project, dump)
    except BaseException:
        pooled.catalogue.end_move(project, queue, done=False)
        raise
    pooled.catalogue.end_move(project, queue, done=True)
    paused = time.monotonic() - started
    pooled.forget_placement(project, queue)
    try:
        source.queue_controller.delete(queue, project)
    except errors.StorageError:
        # The queue is already served from the target; the old copy is only garbage.
        LOG.exception("the old copy of queue %s on pool %s was not deleted", queue, placement.pool)
    return MoveReport(queue, project, placement.pool, target, len(dump.messages), paused)
