"""The temporary Prefect server of a command run without PREFECT_API_URL: started first, gone when the command is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, count_rows

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL" and not k.startswith("KHABAR_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile naming a server
    env["KHABAR_KEEP_SERVER"] = "0"  # a server of the command's own (the kept one: tests/test_kept_server.py)
    return env


def _servers(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if "uvicorn" in " ".join(c.cmdline())]


def test_khabar_run_without_a_server_starts_and_stops_its_own(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "khabar.cli", "run", "--db", str(db)],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert count_rows(str(db))["articles"] == 5


def test_a_killed_command_leaves_no_temporary_server_behind(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "khabar.cli", "run", "--db", str(tmp_path / "w.duckdb")],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        servers: list[psutil.Process] = []
        while not servers and time.monotonic() < deadline:
            servers = _servers(proc.pid)
            time.sleep(0.1)
        assert servers, "the command started no temporary server"
        os.kill(proc.pid, signal.SIGKILL)  # no atexit, no finally: only the kernel can tell the server
        proc.wait(timeout=30)
        _, alive = psutil.wait_procs(servers, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
