from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = ROOT / "data" / "samples"

# Before Prefect is imported: offline, and quiet about the temporary server's shutdown.
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(ROOT / "khabar" / "logging.yml")
# Commands started by tests without a server get one of their own, which dies with them: no server outlives the
# suite. tests/test_kept_server.py tests the default, a server kept between commands, in a folder of its own.
os.environ["KHABAR_KEEP_SERVER"] = "0"
# The suite's many small flows run their batches on threads: a process pool costs each run about 2 s to start.
# The default, processes, is run by tests/test_flow.py (same warehouse as threads) and tests/test_chunks.py.
os.environ["KHABAR_TASK_RUNNER"] = "thread"


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A real Prefect API for the whole session; flow heartbeats off. Yields its URL."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "warehouse" / "test.duckdb")


def khabar_cli(
    args: list[str],
    api_url: str | None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    script_path: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real `khabar` command in a subprocess, against the session's Prefect API when given."""
    full_env = {**os.environ, **(env or {})}
    if api_url:
        full_env["PREFECT_API_URL"] = api_url
    entry = [script_path] if script_path else ["-m", "khabar.cli"]
    return subprocess.run(
        [sys.executable, *entry, *args], cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, timeout=300
    )


def count_rows(db_path: str) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(db_path, read_only=True)
    try:
        tables = ("documents", "articles", "removed_blocks", "story_members", "runs")
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    finally:
        con.close()


class _RetryUnavailable(httpx.HTTPTransport):
    """Retries a 503, as Prefect's own client does: a busy server's SQLite answers 'database is locked' so."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for delay in (0.5, 1, 2, 4, 8):
            response = super().handle_request(request)
            if response.status_code != 503:
                return response
            response.close()
            time.sleep(delay)
        return super().handle_request(request)


def prefect_http(api: str) -> httpx.Client:
    """A client of a real Prefect server's REST API, for tests that drive it as the UI does."""
    return httpx.Client(base_url=api, timeout=10, transport=_RetryUnavailable())
