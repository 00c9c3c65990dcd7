"""Where a request's time goes: the bench workloads, in process, behind the whole WSGI stack.

    python -m tools.profile_requests [--backend redis|sqlite] [--requests 2000]
        [--ops post,claim-delete,list] [--top 15] [--variants] [--dump FILE]

Builds the service as ``zaqar-server`` does (same configuration defaults, the WSGI layers of
``stack.py``, the access log written through the server's logging set-up, here to
``/dev/null``) and calls it with plain WSGI environs, so neither an HTTP client nor a server
loop is in the figures. The operations are those of ``bench/compare``:

``post``           POST one message (64 bytes of padding) to one of four queues;
``claim-delete``   claim 5 (ttl 300, grace 200), then DELETE each with its claim id;
``list``           GET 5 with ``include_claimed=true`` from a marker, following ``next``.

Without ``--variants`` it runs each operation under cProfile (only the app call is profiled;
``--clock cpu``, the default, counts this process's CPU time, which is what a server with
more workers than cores is short of, ``--clock wall`` includes waiting for the store) and
prints, per operation, the mean wall time per request, the self time by component
(``zaqar.storage``, ``redis``, ``sqlalchemy``, ``json``, ``falcon``, ``oslo/webob``, ...)
and the top functions by self and by cumulative time.

With ``--variants`` it profiles nothing and instead times each operation (median of
per-request wall times, and this thread's CPU per request, rounds alternating) under
variants that take one transport layer away, to price each layer: ``stack`` (as served),
``no-access-log`` (the ``zaqar.access`` logger off) and ``app`` (the Falcon app without the
WSGI layers of ``stack.py``, which include the access log).

Redis is ``ZAQAR_TEST_REDIS_URL`` (default db 7) under a key prefix of this process's own,
deleted at the end; SQLite is a file in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import zaqar.conf
from tools import stores
from zaqar import bootstrap
from zaqar.transport.wsgi import logs

#: The checkout, trimmed from file names in the report.
ROOT = Path(__file__).resolve().parent.parent

PROJECT = "zaqar-profile"
QUEUES = [f"profile-{i}" for i in range(4)]
CLIENT_ID = str(uuid.uuid4())
BODY = json.dumps([{"ttl": 300, "body": {"event": "profile", "data": "x" * 64}}]).encode()
CLAIM = b'{"ttl": 300, "grace": 200}'
OPERATIONS = ("post", "claim-delete", "list")
VARIANTS = ("stack", "no-access-log", "app")

#: Self time is charged to the first component whose marker is in the function's file path.
COMPONENTS = (
    ("zaqar.storage", "/zaqar/storage/"),
    ("zaqar.transport", "/zaqar/transport/"),
    ("zaqar.api/core", "/zaqar/"),
    ("redis-py", "/redis/"),
    ("sqlalchemy", "/sqlalchemy/"),
    ("json", "/json/"),
    ("falcon", "/falcon/"),
    ("oslo/webob", "/oslo_"),
    ("oslo/webob", "/webob/"),
    ("logging", "/logging/"),
    ("sqlite3", "sqlite3"),
)


def environ(method: str, path: str, query: str = "", body: bytes = b"") -> dict[str, Any]:
    """A WSGI environ as gunicorn builds it for a wrk request."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8888",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8888",
        "HTTP_CLIENT_ID": CLIENT_ID,
        "HTTP_X_PROJECT_ID": PROJECT,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


class Caller:
    """Calls a WSGI app; ``timed`` brackets only the app call (profiler or stopwatch)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.profile: cProfile.Profile | None = None
        self.samples: list[float] = []
        #: CPU seconds of this thread inside the app calls (what a busy server is short of).
        self.cpu = 0.0

    def __call__(self, method: str, path: str, query: str = "", body: bytes = b"") -> Any:
        env = environ(method, path, query, body)
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            answer["status"], answer["headers"] = int(status[:3]), headers
            return lambda data: None

        started, cpu_started = time.perf_counter(), time.thread_time()
        if self.profile is not None:
            self.profile.enable()
        chunks = self.app(env, start_response)
        data = b"".join(chunks)
        if self.profile is not None:
            self.profile.disable()
        self.cpu += time.thread_time() - cpu_started
        self.samples.append(time.perf_counter() - started)
        answer["body"] = json.loads(data) if data else None
        return answer


# -- the workloads ---------------------------------------------------------------------------


def reset(call: Caller, per_queue: int) -> None:
    for queue in QUEUES:
        call("DELETE", f"/v1/queues/{queue}")
        call("PUT", f"/v1/queues/{queue}")
        batch = json.dumps(
            [{"ttl": 300, "body": {"event": "fill", "data": "x" * 64}}] * 50
        ).encode()
        for _ in range(0, per_queue, 50):
            assert call("POST", f"/v1/queues/{queue}/messages", body=batch)["status"] == 201


def run_post(call: Caller, count: int) -> None:
    for i in range(count):
        answer = call("POST", f"/v1/queues/{QUEUES[i % 4]}/messages", body=BODY)
        assert answer["status"] == 201, answer


def run_claim_delete(call: Caller, count: int) -> None:
    done = i = 0
    while done < count:
        queue = QUEUES[i % 4]
        i += 1
        answer = call("POST", f"/v1/queues/{queue}/claims", "limit=5", CLAIM)
        assert answer["status"] == 201, answer
        done += 1
        for message in answer["body"]:
            path, _, query = message["href"].partition("?")
            assert call("DELETE", path, query)["status"] == 204
            done += 1


def run_list(call: Caller, count: int) -> None:
    starts = {}
    for queue in QUEUES:
        first = call("GET", f"/v1/queues/{queue}/messages", "limit=1&echo=true")
        starts[queue] = first["body"]["links"][0]["href"].partition("?")[2]
    markers = dict(starts)
    for i in range(count):
        queue = QUEUES[i % 4]
        answer = call(
            "GET", f"/v1/queues/{queue}/messages", markers[queue] + "&include_claimed=true"
        )
        if answer["status"] == 204:
            markers[queue] = starts[queue]
            continue
        query = answer["body"]["links"][0]["href"].partition("?")[2]
        markers[queue] = "&".join(
            part for part in query.split("&") if not part.startswith("include_claimed")
        )


def prepare(call: Caller, operation: str, count: int) -> Callable[[], None]:
    """Sets the queues up for ``operation``; returns the workload of ``count`` requests."""
    if operation == "post":
        reset(call, 0)
        return lambda: run_post(call, count)
    if operation == "claim-delete":
        reset(call, (count // 4 + 50) * 2)
        return lambda: run_claim_delete(call, count)
    reset(call, 200)
    for queue in QUEUES:
        call("POST", f"/v1/queues/{queue}/claims", "limit=100", CLAIM)
    return lambda: run_list(call, count)


# -- set-up ----------------------------------------------------------------------------------


@contextlib.contextmanager
def service(backend: str) -> Iterator[Any]:
    conf = zaqar.conf.load([], default_config_files=[])
    prefix = f"zaqar-profile-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="zaqar-profile-") as folder:
        if backend == "redis":
            stores.use_redis(conf, prefix)
        else:
            stores.use_sql(conf, f"sqlite:///{Path(folder) / 'zaqar.sqlite'}")
        boot = bootstrap.Bootstrap(conf)
        try:
            yield boot
        finally:
            boot.close()
            if backend == "redis":
                stores.delete_redis_prefix(prefix)


def server_logging() -> logging.Handler:
    """The server's logging set-up, writing to /dev/null instead of stderr."""
    logs.configure()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    return handler


def component(filename: str) -> str:
    for name, marker in COMPONENTS:
        if marker in filename:
            return name
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "other"


def report(operation: str, profile: cProfile.Profile, samples: list[float], top: int) -> None:
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    shares: dict[str, float] = defaultdict(float)
    for (filename, _, _), entry in raw.items():
        shares[component(filename)] += entry[2]
    print(
        f"\n=== {operation}: {len(samples)} requests, mean {statistics.fmean(samples) * 1e6:.0f} us"
        f" (profiled), median {statistics.median(samples) * 1e6:.0f} us"
    )
    print(
        "self time by component: "
        + ", ".join(
            f"{name} {value / total:.0%}"
            for name, value in sorted(shares.items(), key=lambda kv: -kv[1])
        )
    )

    def short(key: Any) -> str:
        filename, line, name = key
        for marker in ("site-packages/", f"{ROOT}/", "lib/python3.11/"):
            if marker in filename:
                filename = filename.split(marker, 1)[1]
        return f"{filename}:{line}({name})"

    print(f"top {top} by self time:")
    for key, entry in sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"  {entry[2] / total:6.1%}  {entry[1]:7d} calls  {short(key)}")
    print(f"top {top} by cumulative time (outermost frames left out):")
    for key, entry in sorted(raw.items(), key=lambda kv: -kv[1][3])[2 : top + 2]:
        print(f"  {entry[3] / total:6.1%}  {entry[1]:7d} calls  {short(key)}")


def profile_run(args: argparse.Namespace) -> None:
    server_logging()
    with service(args.backend) as boot:
        call = Caller(boot.transport.wsgi)
        for operation in args.ops:
            workload = prepare(call, operation, args.requests)
            timer = time.process_time if args.clock == "cpu" else time.perf_counter
            call.samples, call.profile = [], cProfile.Profile(timer)
            workload()
            profile, call.profile = call.profile, None
            if args.dump:
                profile.dump_stats(f"{args.dump}.{args.backend}.{operation}.pstats")
            report(operation, profile, call.samples, args.top)


def variant_run(args: argparse.Namespace) -> None:
    server_logging()
    access = logging.getLogger("zaqar.access")
    with service(args.backend) as boot:
        apps = {"stack": boot.transport.wsgi, "app": boot.transport.app}
        medians: dict[tuple[str, str], list[float]] = defaultdict(list)
        cpu: dict[tuple[str, str], list[float]] = defaultdict(list)
        for round_no in range(args.rounds):
            for operation in args.ops:
                for variant in VARIANTS[round_no % 2 :: 1] + VARIANTS[: round_no % 2]:
                    call = Caller(apps["app" if variant == "app" else "stack"])
                    access.disabled = variant == "no-access-log"
                    workload = prepare(call, operation, args.requests)
                    call.samples = []
                    workload()
                    medians[(operation, variant)].append(statistics.median(call.samples))
                    cpu[(operation, variant)].append(call.cpu / len(call.samples))
        access.disabled = False
    for title, figures in (("median wall", medians), ("CPU (this thread)", cpu)):
        print(
            f"\n{title} us per request ({args.backend}, {args.rounds} rounds x "
            f"{args.requests} requests, median of rounds; saving vs stack in brackets)"
        )
        print(f"{'operation':14}" + "".join(f"{v:>22}" for v in VARIANTS))
        for operation in args.ops:
            base = statistics.median(figures[(operation, "stack")])
            cells = []
            for variant in VARIANTS:
                value = statistics.median(figures[(operation, variant)])
                cells.append(f"{value * 1e6:10.0f} ({(base - value) / base:+5.0%})")
            print(f"{operation:14}" + "".join(f"{cell:>22}" for cell in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools.profile_requests", description=__doc__)
    parser.add_argument("--backend", choices=("redis", "sqlite"), default="redis")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--ops", default=",".join(OPERATIONS))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--variants", action="store_true", help="time transport variants")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --variants")
    parser.add_argument("--dump", help="also write pstats files with this prefix")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="profile CPU time of this process (default: what a busy server is short of) "
        "or wall time (waits on the store included)",
    )
    args = parser.parse_args(argv)
    args.ops = [op for op in args.ops.split(",") if op]
    unknown = set(args.ops) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown operations: {', '.join(sorted(unknown))}")
    if args.variants:
        variant_run(args)
    else:
        profile_run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
