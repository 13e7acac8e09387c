"""Commands without PREFECT_API_URL share a local Prefect server, which stops once unused for KHABAR_KEEP_SERVER s."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SAMPLES, count_rows, khabar_cli


def _env(tmp_path: Path, idle: str) -> dict[str, str]:
    return {
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "KHABAR_KEEP_SERVER": idle,
    }


def _state(tmp_path: Path) -> Path:
    [folder] = (tmp_path / "state" / "khabar").iterdir()
    return folder


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists() or b"khabar.flows.server" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_commands_share_a_kept_server_that_stops_when_unused(tmp_path: Path) -> None:
    os.environ.pop("PREFECT_API_URL", None)
    env = _env(tmp_path, "4")
    try:
        _share_and_stop(tmp_path, env)
    finally:  # whatever failed, no server outlives the test
        with contextlib.suppress(OSError, StopIteration, ValueError, KeyError):
            pid = json.loads((next((tmp_path / "state" / "khabar").iterdir()) / "server.json").read_text())["pid"]
            os.kill(pid, signal.SIGTERM)


def _share_and_stop(tmp_path: Path, env: dict[str, str]) -> None:
    first = khabar_cli(["run", "--db", str(tmp_path / "a.duckdb")], None, env=env)
    assert first.returncode == 0, first.stderr
    state = _state(tmp_path)
    kept = json.loads((state / "server.json").read_text())
    assert _answers(kept["port"])  # it outlived the command

    second = khabar_cli(["ingest", str(SAMPLES), "--db", str(tmp_path / "b.duckdb")], None, env=env)
    assert second.returncode == 0, second.stderr
    assert json.loads((state / "server.json").read_text()) == kept  # the same server, not a new one
    assert count_rows(str(tmp_path / "b.duckdb"))["articles"] == 5
    status = khabar_cli(["server"], None, env=env)
    assert status.returncode == 0 and f"127.0.0.1:{kept['port']}/api (pid {kept['pid']}), unused" in status.stdout

    # A running command holds the server: played here by the test holding its shared lock past the idle time.
    with open(state / "server.users", "a+") as users:
        fcntl.flock(users, fcntl.LOCK_SH)
        time.sleep(7)
        assert _answers(kept["port"]) and not _gone(kept["pid"])
    assert _wait(lambda: _gone(kept["pid"]), 30)  # 4 s after the last user, the keeper stops the server
    assert not (state / "server.json").exists()
    assert not _answers(kept["port"])


def test_khabar_server_stop_stops_the_kept_server_unless_a_command_runs_on_it(tmp_path: Path) -> None:
    os.environ.pop("PREFECT_API_URL", None)
    env = _env(tmp_path, "600")
    assert "no kept Prefect server" in khabar_cli(["server", "stop"], None, env=env).stdout
    try:
        assert khabar_cli(["run", "--db", str(tmp_path / "a.duckdb")], None, env=env).returncode == 0
        state = _state(tmp_path)
        kept = json.loads((state / "server.json").read_text())
        with open(state / "server.users", "a+") as users:  # a running command
            fcntl.flock(users, fcntl.LOCK_SH)
            busy = khabar_cli(["server", "stop"], None, env=env)
            assert busy.returncode == 1 and "in use by a running command; it was not stopped" in busy.stdout
            assert _answers(kept["port"])
        stopped = khabar_cli(["server", "stop"], None, env=env)
        assert stopped.returncode == 0 and f"stopped http://127.0.0.1:{kept['port']}/api" in stopped.stdout
        assert _gone(kept["pid"]) and not (state / "server.json").exists()
        assert _wait(lambda: not _answers(kept["port"]), 15)
        assert "no kept Prefect server" in khabar_cli(["server"], None, env=env).stdout
    finally:
        with contextlib.suppress(OSError, StopIteration, ValueError, KeyError):
            pid = json.loads((next((tmp_path / "state" / "khabar").iterdir()) / "server.json").read_text())["pid"]
            os.kill(pid, signal.SIGTERM)
