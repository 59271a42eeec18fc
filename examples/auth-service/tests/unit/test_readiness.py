from __future__ import annotations

from enterprise.readiness import ReadinessReport, run_checks


def ok() -> None:
    return None


def refused() -> None:
    raise ConnectionRefusedError("connection refused to postgresql://u:secret@db")


def test_all_ok_is_ready() -> None:
    report = run_checks({"postgres": ok, "redis": ok})
    assert report.ready
    assert report.as_body() == {"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}}


def test_every_probe_runs_and_failures_are_named_without_details() -> None:
    report = run_checks({"redis": refused, "postgres": refused, "other": ok})
    assert not report.ready
    assert report.failed == ["postgres", "redis"]
    body = report.as_body()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["postgres", "redis"]
    assert "secret" not in repr(body)
    assert report.checks["postgres"] == "error: ConnectionRefusedError"


def test_empty_report_is_ready() -> None:
    assert ReadinessReport({}).ready
