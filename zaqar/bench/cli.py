"""zaqar-bench: load a Zaqar v1 endpoint with producers, consumers and observers.

    zaqar-bench [-s URL] [-t SECONDS] [-pp N -pw N] [-cp N -cw N] [-op N -ow N] [--json]

The options keep the names and short forms of the original ``zaqar-bench`` (consumers are off
unless ``-cw`` is given, as there). Figures per role: requests/s, messages/s end to end,
p50/p90/p99 latency per operation and errors by status; a progress line goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from zaqar.bench.messages import MixError
from zaqar.bench.roles import Workload
from zaqar.bench.runner import ROLES, BenchError, Plan, ProgressLine, RolePlan, run

API_VERSIONS = ("1", "1.0")
DEFAULT_PROJECT = "my-lovely-benchmark"


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zaqar-bench",
        description="Benchmark a Zaqar v1 HTTP endpoint with producers, consumers and "
        "observers, each running as processes x threads.",
        allow_abbrev=False,
    )
    add = parser.add_argument
    defaults = {"producer": (1, 10), "consumer": (1, 0), "observer": (1, 5)}
    for role, (processes, workers) in defaults.items():
        short = role[0]
        add(
            f"-{short}p",
            f"--{role}_processes",
            f"--{role}-processes",
            type=_positive,
            default=processes,
            metavar="N",
            help=f"{role} processes (default {processes})",
        )
        add(
            f"-{short}w",
            f"--{role}_workers",
            f"--{role}-workers",
            type=_positive,
            default=workers,
            metavar="N",
            help=f"{role} threads per process, 0 disables the role (default {workers})",
        )
    add("-t", "--time", type=_seconds, default=5.0, metavar="SECONDS", help="duration (5)")
    add(
        "-s",
        "--server_url",
        "--url",
        dest="url",
        default="http://localhost:8888",
        help="endpoint, optionally with a path prefix (http://localhost:8888)",
    )
    add(
        "-api",
        "--api_version",
        default="1.0",
        help="API version; only 1.0 (v1) is spoken (default 1.0)",
    )
    add("--project", default=DEFAULT_PROJECT, help=f"X-Project-ID ('' for none; {DEFAULT_PROJECT})")
    add("-mpp", "--messages_per_post", type=int, default=1, metavar="N", help="per POST (1)")
    add(
        "-cno",
        "-mpc",
        "--messages_per_claim",
        type=int,
        default=5,
        metavar="N",
        help="claim limit (5)",
    )
    add(
        "-lno",
        "-mpl",
        "--messages_per_list",
        type=int,
        default=5,
        metavar="N",
        help="list limit (5)",
    )
    add("-q", "--queue_prefix", default="ogre-test-queue", help="queues are PREFIX-<i>")
    add("-qno", "--num_queues", type=int, default=4, metavar="N", help="number of queues (4)")
    add(
        "-m",
        "--messages_path",
        help='JSON list of {"weight": w, "doc": {"ttl": t, "body": b}} to post; '
        "default: a built-in mix of 64 B, 1 KiB and 8 KiB bodies",
    )
    add("--skip_queue_reset", action="store_true", help="keep the queues and their messages")
    add("--timeout", type=_seconds, default=30.0, help="seconds per request (30)")
    add("--seed", type=int, help="random seed, for repeatable queue and message choices")
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json", "--nodebug", dest="json", action="store_true", help="print one JSON document"
    )
    output.add_argument("--debug", dest="json", action="store_false", help="readable (default)")
    add("--no-progress", dest="progress", action="store_false", help="no progress on stderr")
    return parser


def plan_from_args(args: argparse.Namespace) -> Plan:
    if args.api_version not in API_VERSIONS:
        raise BenchError(f"only API 1.0 is supported, not {args.api_version!r}")
    for name in ("messages_per_post", "messages_per_claim", "messages_per_list", "num_queues"):
        if getattr(args, name) < 1:
            raise BenchError(f"--{name} must be at least 1")
    queues = tuple(f"{args.queue_prefix}-{n}" for n in range(args.num_queues))
    workload = Workload(
        url=args.url,
        project=args.project or None,
        queues=queues,
        messages_per_post=args.messages_per_post,
        messages_per_claim=args.messages_per_claim,
        messages_per_list=args.messages_per_list,
        timeout=args.timeout,
    )
    roles = tuple(
        RolePlan(role, getattr(args, f"{role}_processes"), getattr(args, f"{role}_workers"))
        for role in ROLES
    )
    return Plan(
        workload=workload,
        roles=roles,
        duration=args.time,
        mix_path=args.messages_path,
        seed=args.seed,
        reset_queues=not args.skip_queue_reset,
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def write_report(document: dict[str, Any], out: TextIO) -> None:
    """The readable form of a summary document."""
    out.write(
        f"zaqar-bench against {document['url']} (API v1), queues: {len(document['queues'])}\n"
    )
    for role in ROLES:
        summary = document.get(role)
        if summary is None:
            continue
        out.write(
            f"\n{role.capitalize()} ({summary['processes']} x {summary['workers']}, "
            f"{summary['duration_sec']:.2f} s)\n"
        )
        out.write(
            f"  requests    {summary['requests']} ({summary['successful']} ok), "
            f"{summary['requests_per_sec']:.1f} req/s\n"
        )
        out.write(f"  messages    {summary['messages']}, {summary['messages_per_sec']:.1f} msg/s\n")
        counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
        if counts:
            out.write(f"  counts      {counts}\n")
        for name, op in summary["ops"].items():
            out.write(
                f"  {name:<10}  {op['requests']} req, p50 {_ms(op['p50_ms'])}, "
                f"p90 {_ms(op['p90_ms'])}, p99 {_ms(op['p99_ms'])}, max {_ms(op['max_ms'])}\n"
            )
        errors = ", ".join(f"{k}: {v}" for k, v in summary["errors"].items()) or "none"
        out.write(f"  errors      {errors}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        plan = plan_from_args(args)
        progress = ProgressLine(plan.duration) if args.progress else None
        try:
            document = run(plan, progress)
        finally:
            if progress is not None:
                progress.finish()
    except (BenchError, MixError) as error:
        print(f"zaqar-bench: {error}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(document, sys.stdout)
        sys.stdout.write("\n")
    else:
        write_report(document, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
