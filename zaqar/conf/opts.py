"""Entry point for ``oslo-config-generator --namespace zaqar``."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf import MODULES


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    grouped: dict[str, list[cfg.Opt]] = {}
    for module in MODULES:
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    return sorted(grouped.items(), key=lambda item: (item[0] != "DEFAULT", item[0]))
