"""Queues and topics: two name spaces of one project, over the same storage.

A topic is a queue of a separate name space: topic ``t`` of project ``p`` is stored as queue
``t`` of the project ``p`` followed by ``TOPICS.tag``. Every driver, pool and catalogue
therefore keeps topics, their messages and their subscriptions as it keeps queues', and a
topic never meets the queue of the same name. The tag starts with a control character, which
no project the API accepts may contain, so no caller can name a topic's stored project.

The API maps a caller's project to its stored one (``Space.stored``); whoever reads projects
back from storage (the notifier, error messages) maps them back with ``of_stored``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Space:
    #: What one of its channels is called: ``queue`` or ``topic``.
    noun: str
    #: The path segment of its collection, and the prefix of its own rules: ``queues``.
    collection: str
    #: What follows the project in storage.
    tag: str

    def stored(self, project: str | None) -> str | None:
        """The project under which storage keeps this space's channels of ``project``."""
        if not self.tag:
            return project
        return (project or "") + self.tag

    def path(self, version: str, name: str) -> str:
        """The path of channel ``name`` under API ``version`` (``/v2/topics/t``)."""
        return f"/{version}/{self.collection}/{name}"

    def action(self, action: str) -> str:
        """The rule of ``action`` in this space: a topic has ``topics:*`` where a queue has
        ``queues:*``; messages and subscriptions keep their rules."""
        # PERF: every v2 request asks; the queues' rules are the names as given.
        if self.collection == "queues" or not action.startswith("queues:"):
            return action
        return f"{self.collection}:{action.removeprefix('queues:')}"


QUEUES = Space("queue", "queues", "")
#: ``\x1f`` (unit separator) cannot be in an accepted project, so nothing else ends this way.
TOPICS = Space("topic", "topics", "\x1ftopics")


def of_stored(project: str | None) -> tuple[Space, str | None]:
    """The space of a project as storage holds it, and the caller's project."""
    if project is not None and project.endswith(TOPICS.tag):
        return TOPICS, project[: -len(TOPICS.tag)] or None
    return QUEUES, project
