"""A temporary Prefect API server for one command, started before Prefect is imported.

Without PREFECT_API_URL, a command needs a server of its own. Prefect's (SubprocessASGIServer) is started after
Prefect and the flows are imported, and both take seconds: here the server's process starts first, so that its
start-up overlaps the command's imports (bench/startup.py has the figures). It runs the same program with the
same settings as Prefect's, and it dies with the command, even when the command is killed."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

_ADDRESS_IN_USE = 3  # uvicorn's exit code when the port was taken in between


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM when the command's process ends, however it ends."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class TemporaryServer:
    def __init__(self) -> None:
        spec = importlib.util.find_spec("prefect")
        if spec is None or spec.origin is None:
            raise RuntimeError("prefect is not installed")
        self._app_dir = str(Path(spec.origin).resolve().parent.parent)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._launch()
        atexit.register(self.stop)  # registered before any log handler: stops after the last logs are sent

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> None:
        self.port = _free_port()
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        args = ["--app-dir", self._app_dir, "--factory", "prefect.server.api.server:create_app"]
        args += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", *args],
            env=env,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def wait_ready(self, timeout: float) -> str:
        """Block until the server answers /health; its API URL. RuntimeError after `timeout` seconds of wall time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            code = self.process.poll()
            if code == _ADDRESS_IN_USE:
                self._launch()
                continue
            if code is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code {code}")
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(f"{self.api_url}/health", timeout=5) as response,
            ):
                if response.status == 200:
                    return self.api_url
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"the temporary Prefect server did not answer within {timeout:g} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS); start one with `prefect server start` and set "
            "PREFECT_API_URL"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def early_server() -> TemporaryServer | None:
    """A temporary server started now when PREFECT_API_URL is not in the environment. A Prefect profile may still
    name a server: prefect_api() finds out once Prefect is imported, and stops this one."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    return TemporaryServer()
