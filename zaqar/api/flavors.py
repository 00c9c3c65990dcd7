"""Flavor operations (admin API v2): named sets of pools that a queue asks for with its
``_flavor`` setting.

A flavor is a record of its project; which pools belong to it is each pool's ``flavor``
(a pool is in one flavor at most). Its capabilities are what its pools' drivers offer, and
all its pools must offer the same: a queue of the flavor may land on any of them.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from zaqar.api import validation
from zaqar.api.context import Caller, Guard
from zaqar.api.errors import BadRequestBody
from zaqar.storage import base
from zaqar.storage.pooling.driver import all_pools


@dataclass(frozen=True)
class FlavorShown:
    flavor: base.Flavor
    pools: list[str]
    #: The names of the capabilities its pools offer (None when not asked for).
    capabilities: list[str] | None


class Flavors:
    """Built only when ``pooling`` is on; ``guard`` checks v2's ``flavors:*`` rules."""

    def __init__(self, storage: base.DataDriver, guard: Guard) -> None:
        self._storage = storage
        self._flavors = storage.control.flavors_controller
        self._pools = storage.control.pools_controller
        self._guard = guard

    def list(
        self, marker: str | None, limit: int, detailed: bool, *, caller: Caller
    ) -> tuple[builtins.list[FlavorShown], str | None]:
        self._guard("flavors:get_all", caller)
        validation.pool_listing_limit(limit)
        page = self._flavors.list(caller.project, marker, limit)
        pools = all_pools(self._pools)
        shown = [self._shown(flavor, pools, detailed) for flavor in page.items]
        return shown, page.next_marker

    def get(self, name: str, *, caller: Caller) -> FlavorShown:
        self._guard("flavors:get", caller)
        validation.flavor_name(name)
        flavor = self._flavors.get(name, caller.project)
        return self._shown(flavor, all_pools(self._pools), detailed=True)

    def create(self, name: str, document: Any, *, caller: Caller) -> None:
        """Create the flavor (or replace its pools wholly): ``{"pool_list": [...]}``."""
        self._guard("flavors:create", caller)
        validation.flavor_name(name)
        wanted = self._pool_list(document, name)
        self._flavors.create(name, caller.project)
        self._join(name, wanted)

    def update(self, name: str, document: Any, *, caller: Caller) -> FlavorShown:
        """Give the flavor these pools (``{"pool_list": [...]}``); the flavor as it now is."""
        self._guard("flavors:update", caller)
        validation.flavor_name(name)
        flavor = self._flavors.get(name, caller.project)
        self._join(name, self._pool_list(document, name))
        return self._shown(flavor, all_pools(self._pools), detailed=True)

    def delete(self, name: str, *, caller: Caller) -> None:
        """Forget the flavor; its pools then belong to none."""
        self._guard("flavors:delete", caller)
        validation.flavor_name(name)
        self._join(name, [])
        self._flavors.delete(name, caller.project)

    def _pool_list(self, document: Any, flavor: str) -> builtins.list[str]:
        if not isinstance(document, dict):
            raise BadRequestBody("Document type not supported.")
        unknown = sorted(set(document) - {"pool_list", "capabilities"})
        if unknown:
            names = ", ".join(f'"{key}"' for key in unknown)
            raise BadRequestBody(f"Unknown field(s) in the request body: {names}.")
        if "capabilities" in document and not isinstance(document["capabilities"], dict):
            raise BadRequestBody('The value of the "capabilities" field must be an object.')
        wanted = document.get("pool_list")
        if (
            not isinstance(wanted, list)
            or not wanted
            or not all(isinstance(pool, str) for pool in wanted)
        ):
            raise BadRequestBody('The "pool_list" field must name at least one pool.')
        known = {pool.name: pool for pool in all_pools(self._pools)}
        for pool in wanted:
            if pool not in known:
                raise BadRequestBody(
                    f"Flavor {flavor} could not be created: pool {pool} does not exist."
                )
        drivers = self._storage.pool_drivers()
        offered = {frozenset(_capabilities(drivers, [pool])) for pool in wanted}
        if len(offered) > 1:
            raise BadRequestBody(
                f"Flavor {flavor} could not be created: its pools must offer the same capabilities."
            )
        return list(dict.fromkeys(wanted))

    def _join(self, flavor: str, wanted: builtins.list[str]) -> None:
        """Make ``wanted`` the pools of ``flavor``: they join it, the others leave it."""
        for pool in all_pools(self._pools):
            if pool.name in wanted and pool.flavor != flavor:
                self._pools.update(pool.name, flavor=flavor)
            elif pool.name not in wanted and pool.flavor == flavor:
                self._pools.update(pool.name, flavor="")
            else:
                continue
            self._storage.forget_pool(pool.name)

    def _shown(
        self, flavor: base.Flavor, pools: builtins.list[base.Pool], detailed: bool
    ) -> FlavorShown:
        members = [pool.name for pool in pools if pool.flavor == flavor.name]
        capabilities = None
        if detailed:
            capabilities = _capabilities(self._storage.pool_drivers(), members)
        return FlavorShown(flavor, members, capabilities)


def _capabilities(drivers: dict[str, base.DataDriver], pools: list[str]) -> list[str]:
    """The names of the capabilities every one of ``pools`` offers."""
    offered = [drivers[pool].capabilities for pool in pools if pool in drivers]
    if not offered:
        return []
    return sorted(capability.name for capability in frozenset.intersection(*offered))
