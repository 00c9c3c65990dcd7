"""The summary arithmetic of zaqar-bench: percentiles, merging, rates, markers, the mix."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from zaqar.bench.http import marker_of, next_marker
from zaqar.bench.messages import MessageMix, MixError
from zaqar.bench.runner import ProgressLine
from zaqar.bench.stats import OpStats, RoleStats, merged, percentile, rate, role_summary


class TestPercentile:
    def test_nearest_rank_of_one_to_a_hundred(self) -> None:
        values = [float(n) for n in range(1, 101)]
        assert percentile(values, 50) == 50.0
        assert percentile(values, 90) == 90.0
        assert percentile(values, 99) == 99.0
        assert percentile(values, 100) == 100.0

    def test_always_an_observed_sample(self) -> None:
        values = [1.0, 2.0, 10.0, 20.0]
        assert percentile(values, 50) == 2.0
        assert percentile(values, 51) == 10.0
        assert percentile(values, 99) == 20.0
        assert percentile(values, 0.1) == 1.0

    def test_one_sample_and_none(self) -> None:
        assert percentile([7.5], 50) == 7.5
        assert percentile([7.5], 99) == 7.5
        assert percentile([], 50) is None

    @pytest.mark.parametrize("q", [0, -1, 100.5])
    def test_out_of_range(self, q: float) -> None:
        with pytest.raises(ValueError):
            percentile([1.0], q)


def op_with(statuses: dict[int, int], latency: float = 1.0) -> OpStats:
    op = OpStats()
    for status, n in statuses.items():
        for _ in range(n):
            op.record(status, latency)
    return op


class TestOpStats:
    def test_successes_errors_and_failures_without_response(self) -> None:
        op = op_with({201: 3, 204: 1, 503: 2, 400: 1})
        op.record_failure(ConnectionResetError())
        assert op.requests == 8
        assert op.successes == 4
        assert op.errors() == {"400": 1, "503": 2, "ConnectionResetError": 1}
        # Only answered requests have a latency.
        assert len(op.latencies_ms) == 7

    def test_summary(self) -> None:
        op = OpStats()
        for n in range(1, 11):
            op.record(200, float(n))
        summary = op.summary(duration=2.0)
        assert summary["requests"] == 10
        assert summary["successful"] == 10
        assert summary["requests_per_sec"] == 5.0
        assert (summary["p50_ms"], summary["p90_ms"], summary["p99_ms"]) == (5.0, 9.0, 10.0)
        assert summary["mean_ms"] == 5.5
        assert summary["max_ms"] == 10.0
        assert summary["statuses"] == {"200": 10}
        assert summary["errors"] == {}

    def test_summary_without_samples(self) -> None:
        op = OpStats()
        op.record_failure(TimeoutError())
        summary = op.summary(duration=1.0)
        assert summary["p50_ms"] is None and summary["mean_ms"] is None
        assert summary["errors"] == {"TimeoutError": 1}


class TestRoleStats:
    def test_merge_adds_counts_and_spans_the_times(self) -> None:
        first, second = RoleStats(started=10.0, finished=12.0), RoleStats(started=9.5, finished=11)
        first.op("claim").merge(op_with({201: 2}))
        first.counts["messages_claimed"] += 10
        second.op("claim").merge(op_with({204: 1}))
        second.op("delete").merge(op_with({204: 4, 403: 1}))
        second.counts["messages_claimed"] += 5
        total = merged([first, second])
        assert total.started == 9.5 and total.finished == 12.0
        assert total.counts["messages_claimed"] == 15
        assert total.requests == 8
        assert total.failures == 1
        assert total.op("claim").outcomes == {"201": 2, "204": 1}

    def test_role_summary(self) -> None:
        stats = RoleStats(started=100.0, finished=104.0)
        stats.op("claim").merge(op_with({201: 4, 204: 2}, latency=3.0))
        stats.op("delete").merge(op_with({204: 19, 503: 1}, latency=1.0))
        stats.counts.update(messages_claimed=20, messages_deleted=19, empty_claims=2)
        summary = role_summary("consumer", stats, processes=2, workers=3)
        assert summary["duration_sec"] == 4.0
        assert summary["requests"] == 26
        assert summary["successful"] == 25
        assert summary["requests_per_sec"] == 6.5
        assert summary["messages"] == 19
        assert summary["messages_per_sec"] == 4.8
        assert summary["errors"] == {"503": 1}
        assert summary["ops"]["claim"]["p99_ms"] == 3.0
        assert summary["counts"]["empty_claims"] == 2
        assert (summary["processes"], summary["workers"]) == (2, 3)
        json.dumps(summary)  # what --json prints

    def test_role_summary_of_nothing(self) -> None:
        summary = role_summary("observer", RoleStats(), 1, 1)
        assert summary["duration_sec"] == 0.0
        assert summary["requests_per_sec"] == 0.0
        assert summary["messages"] == 0


def test_rate() -> None:
    assert rate(10, 4) == 2.5
    assert rate(1, 3) == 0.3
    assert rate(5, 0) == 0.0


class TestMarkers:
    def test_next_link_marker(self) -> None:
        page = {
            "messages": [],
            "links": [{"rel": "next", "href": "/v1/queues/q/messages?limit=5&marker=42"}],
        }
        assert next_marker(page) == "42"
        assert marker_of("/v1/queues/q/messages?marker=a-b_c&echo=true") == "a-b_c"

    @pytest.mark.parametrize(
        "page",
        [None, [], {"messages": []}, {"links": [{"rel": "prev", "href": "/x?marker=1"}]}],
    )
    def test_no_marker(self, page: object) -> None:
        assert next_marker(page) is None


class TestMessageMix:
    def test_default_mix_posts_valid_documents(self) -> None:
        mix = MessageMix.load(None)
        body = json.loads(mix.post_body(random.Random(1), 20))
        assert len(body) == 20
        assert all(set(doc) == {"ttl", "body"} and doc["ttl"] >= 60 for doc in body)
        assert 64 < mix.mean_size() < 8192

    def test_weights_are_respected(self) -> None:
        mix = MessageMix.from_entries(
            [{"weight": 0, "doc": {"ttl": 60, "body": "never"}}, {"doc": {"ttl": 60, "body": 1}}]
        )
        assert json.loads(mix.post_body(random.Random(2), 50)) == [{"ttl": 60, "body": 1}] * 50

    def test_from_a_file(self, tmp_path: Path) -> None:
        path = tmp_path / "mix.json"
        path.write_text(json.dumps([{"weight": 1, "doc": {"ttl": 90, "body": {"a": 1}}}]))
        body = MessageMix.load(path).post_body(random.Random(), 1)
        assert json.loads(body) == [{"ttl": 90, "body": {"a": 1}}]

    @pytest.mark.parametrize(
        "entries",
        [
            [],
            {"weight": 1},
            [{"weight": 1, "doc": {"body": 1}}],
            [{"weight": -1, "doc": {"ttl": 60, "body": 1}}],
            [{"weight": 0, "doc": {"ttl": 60, "body": 1}}],
        ],
    )
    def test_bad_mixes(self, entries: object) -> None:
        with pytest.raises(MixError):
            MessageMix.from_entries(entries)

    def test_unreadable_file(self, tmp_path: Path) -> None:
        with pytest.raises(MixError):
            MessageMix.load(tmp_path / "missing.json")


def test_progress_line() -> None:
    stream = io.StringIO()
    line = ProgressLine(10, stream)
    text = line.format(2.0, {"producer": (200, 1, 200), "observer": (50, 0, 250)})
    assert text.startswith("[  2.0/10s]")
    assert "producer   100.0 req/s   100.0 msg/s 1 err" in text
    assert "observer    25.0 req/s   125.0 msg/s 0 err" in text
    assert "consumer" not in text
    line(6.0, {"producer": (1, 0, 1)})
    assert stream.getvalue().endswith("\n")  # not a terminal: whole lines
