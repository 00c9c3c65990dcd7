"""Pool operations: the admin API over the management store's pools (SPEC §2.12).

A pool is a whole message store that the pooled driver places queues on. Creating or
changing a pool's URI or options first builds the pool's driver and checks that its store
answers, so the catalogue never points queues at a store nobody can reach. The request bodies
are checked against JSON Schemas; their error messages never repeat the values sent, which
may hold a password.

After each change the pooled driver of this worker forgets what it knew of the pool, so the
change applies here at once; other workers see it when their ``[pooling:catalog] cache_ttl``
runs out.
"""

from __future__ import annotations

import re
from typing import Any

# No stubs in the test requirements yet (types-jsonschema is pinned in constraints.txt).
import jsonschema  # type: ignore[import-untyped,unused-ignore]
import jsonschema.validators  # type: ignore[import-untyped,unused-ignore]
from oslo_config import cfg

from zaqar.api import validation
from zaqar.api.context import Caller, Guard, Policy, anyone
from zaqar.api.errors import BadRequestBody, NotPermitted
from zaqar.storage import base, errors
from zaqar.storage.pooling import driver as pooling
from zaqar.storage.pooling import migration

#: JSON integers only: JSON Schema's "integer" would also take 1.0.
_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_TYPES)

_PROPERTIES: dict[str, Any] = {
    "weight": {"type": "integer", "minimum": 0, "maximum": validation.MAX_POOL_WEIGHT},
    "uri": {"type": "string", "minLength": 1, "maxLength": validation.MAX_POOL_URI},
    "options": {"type": "object"},
}

#: The body of ``PUT /v1/pools/{name}``.
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": _PROPERTIES,
    "required": ["weight", "uri"],
    "additionalProperties": False,
}

#: The body of ``PATCH /v1/pools/{name}`` (at least one field is checked apart, for its
#: message).
UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": _PROPERTIES,
    "additionalProperties": False,
}

_CREATE = _Validator(CREATE_SCHEMA)
_UPDATE = _Validator(UPDATE_SCHEMA)

_TYPE_NAMES = {"integer": "an integer", "string": "a string", "object": "an object"}

#: ``scheme://user:password@host``: the password is what lies between the last ':' of the
#: user information and the last '@' before the path.
_USERINFO = re.compile(r"^(?P<head>[^:/?#]+://[^/?#@:]*:)(?P<password>[^/?#]*)@")


def redacted(uri: str) -> str:
    """``uri`` with any password replaced by ``***``, for responses and messages."""
    return _USERINFO.sub(lambda found: found.group("head") + "***@", uri, count=1)


def _password(uri: str) -> str | None:
    found = _USERINFO.match(uri)
    return found.group("password") if found and found.group("password") else None


def _scrubbed(text: str, uri: str) -> str:
    """``text`` (an error message about ``uri``) without the URI's password."""
    password = _password(uri)
    text = text.replace(uri, redacted(uri))
    return text.replace(password, "***") if password else text


def _describe(error: jsonschema.ValidationError) -> str:
    """A message for a schema violation that never repeats the value sent."""
    field = str(error.absolute_path[0]) if error.absolute_path else None
    keyword = error.validator
    if keyword == "required":
        missing = [name for name in ("weight", "uri") if name not in error.instance]
        return f'Missing "{missing[0] if missing else "uri"}" field.'
    if keyword == "additionalProperties":
        extra = sorted(set(error.instance) - set(_PROPERTIES))
        names = ", ".join(f'"{name}"' for name in extra)
        return f"Unknown field(s) in the request body: {names}; a pool has weight, uri, options."
    if field is None:
        return "Document type not supported."
    if keyword == "type":
        kind = _TYPE_NAMES[str(error.validator_value)]
        return f'The value of the "{field}" field must be {kind}.'
    if field == "weight":
        return f'The "weight" field must be at least 0 and at most {validation.MAX_POOL_WEIGHT}.'
    if field == "uri":
        return f'The "uri" field must be 1 to {validation.MAX_POOL_URI} characters long.'
    return f'The "{field}" field is invalid.'  # pragma: no cover - every keyword is named above


def _checked(validator: Any, document: dict[str, Any]) -> None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise BadRequestBody(_describe(error))


def _move_request(document: dict[str, Any]) -> tuple[str, str | None]:
    """The queue and project of a move: ``{"queue": name, "project": id or null}``."""
    if set(document) != {"queue", "project"}:
        raise BadRequestBody('A move names exactly "queue" and "project" (null for none).')
    queue, project = document["queue"], document["project"]
    if not isinstance(queue, str) or not (project is None or isinstance(project, str)):
        raise BadRequestBody('"queue" must be a string, and "project" a string or null.')
    return queue, project


class Pools:
    """The admin operations on pools; built only when ``pooling`` is on. ``guard`` checks
    the rules of a version that has them (v2's ``pools:*``, admin only by default)."""

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        storage: base.DataDriver,
        guard: Guard = anyone,
        flavors: bool = False,
    ) -> None:
        self._conf = conf
        self._storage = storage
        self._control = storage.control
        self._pools: base.PoolsController = storage.control.pools_controller
        self._guard = guard
        self._flavors = flavors

    def under(self, policy: Policy, guard: Guard) -> Pools:
        """The same operations as API version ``policy`` reads them, checking ``guard``."""
        return Pools(self._conf, self._storage, guard, policy.pool_flavors)

    def _flavor(
        self, document: dict[str, Any], caller: Caller
    ) -> tuple[dict[str, Any], str | None]:
        """The body without ``flavor`` (which v2 may name), and the flavor: an existing one
        of the caller's project, ``""`` for none, or None when the body names none."""
        if not self._flavors or "flavor" not in document:
            return document, None
        flavor = document["flavor"]
        rest = {key: value for key, value in document.items() if key != "flavor"}
        if flavor is None or flavor == "":
            return rest, ""
        if not isinstance(flavor, str):
            raise BadRequestBody('The value of the "flavor" field must be a string.')
        validation.flavor_name(flavor)
        try:
            self._control.flavors_controller.get(flavor, caller.project)
        except errors.FlavorDoesNotExist as error:
            raise BadRequestBody(f"Flavor {flavor} does not exist.") from error
        return rest, flavor

    def list(self, marker: str | None, limit: int, *, caller: Caller) -> base.Page[base.Pool]:
        self._guard("pools:get_all", caller)
        validation.pool_listing_limit(limit)
        return self._pools.list(marker, limit)

    def get(self, name: str, *, caller: Caller) -> base.Pool:
        self._guard("pools:get", caller)
        validation.pool_name(name)
        return self._pools.get(name)

    def create(self, name: str, document: dict[str, Any], *, caller: Caller) -> bool:
        """Create the pool, or replace it wholly when it exists; True when created.

        400 when the body breaks the schema or the store cannot be reached with the URI and
        options given; 409 (``PoolUriInUse``) when another pool has the URI.
        """
        self._guard("pools:create", caller)
        validation.pool_name(name)
        document, flavor = self._flavor(document, caller)
        _checked(_CREATE, document)
        options = document.get("options", {})
        pool = base.Pool(name, document["uri"], document["weight"], flavor or None, options)
        self._check_connection(pool)
        created = self._pools.create(
            pool.name, pool.weight, pool.uri, pool.flavor, options=pool.options
        )
        self._storage.forget_pool(name)
        return created

    def update(self, name: str, document: dict[str, Any], *, caller: Caller) -> base.Pool:
        """Change the fields given; a new URI or options are checked as on create."""
        self._guard("pools:update", caller)
        validation.pool_name(name)
        document, flavor = self._flavor(document, caller)
        _checked(_UPDATE, document)
        if not document and flavor is None:
            raise BadRequestBody("One of `uri`, `weight`, or `options` needs to be specified")
        uri: str | None = document.get("uri")
        options: dict[str, Any] | None = document.get("options")
        if uri is not None or options is not None:
            current = self._pools.get(name)
            self._check_connection(
                base.Pool(
                    name,
                    current.uri if uri is None else uri,
                    current.weight,
                    current.flavor,
                    current.options if options is None else options,
                )
            )
        updated = self._pools.update(
            name, weight=document.get("weight"), uri=uri, options=options, flavor=flavor
        )
        self._storage.forget_pool(name)
        return updated

    def delete(self, name: str, *, caller: Caller) -> None:
        """Remove the pool; ``PoolInUse`` (409) while it still holds queues."""
        self._guard("pools:delete", caller)
        validation.pool_name(name)
        try:
            flavor = self._pools.get(name).flavor
        except errors.PoolDoesNotExist:
            return
        if flavor is not None:
            raise NotPermitted(f"This pool is used by flavors {flavor}; It cannot be deleted.")
        self._pools.delete(name)
        self._storage.forget_pool(name)

    def move_queue(self, target: str, document: dict[str, Any]) -> migration.MoveReport:
        """Move a queue (of any project; ``null`` is the global one) onto pool ``target``.

        Takes the cache lifetime plus a few seconds, during which writes to that queue
        answer 503; see ``zaqar.storage.pooling.migration``.
        """
        validation.pool_name(target)
        queue, project = _move_request(document)
        validation.queue_identification(queue, project)
        if not isinstance(self._storage, pooling.DataDriver):  # pragma: no cover - routed only
            raise errors.NotSupported("moving queues needs pooling")
        return migration.move_queue(self._storage, project, queue, target)

    def _check_connection(self, pool: base.Pool) -> None:
        try:
            pooling.check_pool(self._conf, self._control, pool)
        except errors.BadConfiguration as error:
            # A URI no driver serves, an unknown or malformed option, ...
            raise BadRequestBody(_scrubbed(str(error), pool.uri)) from error
        except (errors.StorageError, ValueError) as error:
            # The store did not answer (or the URI could not even be parsed).
            raise BadRequestBody(f"cannot connect to {redacted(pool.uri)}") from error
