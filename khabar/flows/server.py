"""A local Prefect API server for commands run without PREFECT_API_URL, started before Prefect is imported.

Prefect's own (SubprocessASGIServer) is started after Prefect and the flows are imported, and both take seconds:
here the server's process starts first, so that its start-up overlaps the command's imports. By default the server
is kept for the next commands (KHABAR_KEEP_SERVER seconds after the last one ends), so only the first of a session
waits for it; with KHABAR_KEEP_SERVER=0 each command has its own, which dies with it, even when it is killed.
bench/startup.py has the figures."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from khabar import config

_ADDRESS_IN_USE = 3  # uvicorn's exit code when the port was taken in between


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM when the command's process ends, however it ends."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _server_command(port: int) -> tuple[list[str], dict[str, str]]:
    """uvicorn serving Prefect's API app on 127.0.0.1:`port`, as SubprocessASGIServer runs it; and its environment."""
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise RuntimeError("prefect is not installed")
    app_dir = str(Path(spec.origin).resolve().parent.parent)
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    args = ["--app-dir", app_dir, "--factory", "prefect.server.api.server:create_app"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    return [sys.executable, "-m", "uvicorn", *args], env


class TemporaryServer:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._launch()
        atexit.register(self.stop)  # registered before any log handler: stops after the last logs are sent

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> None:
        self.port = _free_port()
        command, env = _server_command(self.port)
        self.process = subprocess.Popen(
            command, env=env, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None
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


class KeptServer(TemporaryServer):
    """The local server kept between commands: found through `<state>/server.json`, else started as a keeper
    process (python -m khabar.flows.server) that outlives this command. Each command holds a shared flock on
    `<state>/server.users` while it runs; the keeper stops the server once nobody holds it and the last command
    ended KHABAR_KEEP_SERVER seconds ago. The OS drops a killed command's flock, so no kill keeps it forever."""

    def __init__(self, state: Path, idle: float) -> None:
        self.state, self.idle = state, idle
        self.process = None
        self.port = 0
        self.reused = False
        self._users: IO[str] | None = None
        state.mkdir(parents=True, exist_ok=True)
        with open(state / "server.lock", "a+") as launch:
            fcntl.flock(launch, fcntl.LOCK_EX)
            known = _read_state(state)
            if known and _is_keeper(known["pid"]):
                self.port, self.reused = known["port"], True
            else:
                self.port = _free_port()
                keeper = [sys.executable, "-m", "khabar.flows.server", str(state), str(self.port), str(idle)]
                self.process = subprocess.Popen(
                    keeper,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=open(state / "server.log", "ab"),  # noqa: SIM115 - the keeper's own from here on
                    start_new_session=True,  # not killed with the command's process group
                )
                _write_state(state, self.process.pid, self.port)
            self._users = open(state / "server.users", "a+")  # noqa: SIM115 - held until stop()
            fcntl.flock(self._users, fcntl.LOCK_SH)
        atexit.register(self.stop)

    def wait_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the kept Prefect server exited with code {self.process.returncode}")
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(f"{self.api_url}/health", timeout=5) as response,
            ):
                if response.status == 200:
                    return self.api_url
            time.sleep(0.1)
        raise RuntimeError(f"the kept Prefect server at {self.api_url} did not answer within {timeout:g} s")

    def stop(self) -> None:
        """Leave the server to the next command: the idle time counts from now."""
        users, self._users = self._users, None
        if users is None:
            return
        with contextlib.suppress(OSError):
            os.utime(self.state / "server.json")
        users.close()


def _read_state(state: Path) -> dict[str, int] | None:
    try:
        known = json.loads((state / "server.json").read_text())
        return {"pid": int(known["pid"]), "port": int(known["port"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(state: Path, pid: int, port: int) -> None:
    (state / "server.json").write_text(json.dumps({"pid": pid, "port": port}))


def _is_keeper(pid: int) -> bool:
    """Whether `pid` is a live keeper (not a process that got its number after a reboot)."""
    try:
        return b"khabar.flows.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: trust the number
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def keep(state: Path, port: int, idle: float, poll: float = 1.0) -> int:
    """The keeper: serve on `port` until the server has been unused for `idle` seconds, then stop it."""
    command, env = _server_command(port)
    server = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while server.poll() is None:
            time.sleep(poll)
            with open(state / "server.lock", "a+") as launch, open(state / "server.users", "a+") as users:
                fcntl.flock(launch, fcntl.LOCK_EX)  # no command attaches meanwhile
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a command is running
                unused = time.time() - (state / "server.json").stat().st_mtime
                if unused >= idle:
                    (state / "server.json").unlink(missing_ok=True)
                    return 0
        return server.returncode or 0
    finally:
        if _read_state(state) == {"pid": os.getpid(), "port": port}:
            (state / "server.json").unlink(missing_ok=True)
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        if server.poll() is None:
            server.kill()


@dataclass(frozen=True, slots=True)
class KeptState:
    url: str
    pid: int
    in_use: bool  # a command is running on it
    idle_left: float  # seconds until the keeper stops it, once no command holds it


def kept_pid(state: Path) -> int | None:
    """The process id of the keeper of this state folder's server, if one runs."""
    known = _read_state(state)
    return known["pid"] if known and _is_keeper(known["pid"]) else None


def kept_state(state: Path, idle: float) -> KeptState | None:
    """The kept server of this state folder, if one runs."""
    known = _read_state(state)
    if not known or not _is_keeper(known["pid"]):
        return None
    with open(state / "server.users", "a+") as users:
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            in_use = False
        except BlockingIOError:
            in_use = True
    with contextlib.suppress(OSError):
        left = max(0.0, idle - (time.time() - (state / "server.json").stat().st_mtime))
        return KeptState(f"http://127.0.0.1:{known['port']}/api", known["pid"], in_use, left)
    return None


def stop_kept(state: Path, timeout: float = 15) -> KeptState | None:
    """Stop the kept server now, unless a command is running on it; the state it had, None if none ran."""
    if not (state / "server.json").exists():
        return None
    with open(state / "server.lock", "a+") as launch:
        fcntl.flock(launch, fcntl.LOCK_EX)  # no command attaches meanwhile
        found = kept_state(state, 0)
        if found is None or found.in_use:
            return found
        os.kill(found.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_keeper(found.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def early_server() -> TemporaryServer | None:
    """A local server for this command when PREFECT_API_URL is not in the environment: the kept one (started
    now if there is none), or with KHABAR_KEEP_SERVER=0 a temporary one. A Prefect profile may still name a
    server: prefect_api() finds out once Prefect is imported, and stops (or leaves) this one."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    idle = config.keep_server_seconds()
    if idle <= 0:
        return TemporaryServer()
    return KeptServer(config.server_state_dir(), idle)


if __name__ == "__main__":
    sys.exit(keep(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
