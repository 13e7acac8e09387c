"""What Prefect's start-up costs a small `khabar run` without PREFECT_API_URL: a temporary server per command
(before: started after the imports, with Prefect's 20 s limit; then: started first, overlapping them,
KHABAR_KEEP_SERVER=0), the server khabar keeps between commands (the default: the first command starts it, the
next ones find it), and a `prefect server start` named by PREFECT_API_URL.

python -m bench.startup [--runs 3]

Prints, for each way: the wall time of `khabar run` (the 5 bundled samples, a fresh warehouse each time), and
the time the temporary server alone takes to answer /health.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# The way khabar started before: the server after Prefect and the flows are imported, Prefect's 20 s limit.
LATE_START = """
import sys
import khabar.flows.server
khabar.flows.server.early_server = lambda: None
from khabar.cli import main
sys.exit(main(sys.argv[1:]))
"""
SERVER_START = """
import time
from prefect.server.api.server import SubprocessASGIServer
server = SubprocessASGIServer()
started = time.monotonic()
server.start()
print(time.monotonic() - started)
server.stop()
"""


def _env(home: Path, api: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "KHABAR_"))}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if api:
        env["PREFECT_API_URL"] = api
    return env


def _khabar_run(env: dict[str, str], scratch: Path, n: int, late: bool = False) -> float | None:
    """Seconds `khabar run` took, or None when it failed (its reason is printed)."""
    db = scratch / f"run-{n}-{time.monotonic_ns()}.duckdb"
    started = time.monotonic()
    entry = ["-c", LATE_START] if late else ["-m", "khabar.cli"]
    result = subprocess.run(
        [sys.executable, *entry, "run", "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.monotonic() - started
    if result.returncode != 0:
        print(f"  a run failed after {took:.1f} s: {result.stderr.strip().splitlines()[-1][:160]}", flush=True)
        return None
    return took


def _server_alone(env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", SERVER_START], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="khabar-startup-") as tmp:
        scratch = Path(tmp)
        home = scratch / "prefect-home"
        env = _env(home, None)
        _khabar_run(env, scratch, -1)  # the first run makes Prefect's database: not counted

        prefect_limit = env | {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "20"}  # Prefect's default
        before = [_khabar_run(prefect_limit, scratch, n, late=True) for n in range(args.runs)]
        temporary = [_khabar_run(env | {"KHABAR_KEEP_SERVER": "0"}, scratch, n) for n in range(args.runs)]
        alone = [_server_alone(env) for _ in range(args.runs)]
        keeping = env | {"XDG_STATE_HOME": str(scratch / "state"), "KHABAR_KEEP_SERVER": "600"}
        try:
            cold = _khabar_run(keeping, scratch, 0)  # starts the kept server
            warm = [_khabar_run(keeping, scratch, n) for n in range(args.runs)]
        finally:
            for state in (scratch / "state" / "khabar").glob("*/server.json"):
                os.kill(json.loads(state.read_text())["pid"], signal.SIGTERM)

        port = _free_port()
        api = f"http://127.0.0.1:{port}/api"
        prefect = str(Path(sys.executable).with_name("prefect"))
        server = subprocess.Popen(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(home, None) | {"PREFECT_UI_ENABLED": "false"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            kept = [_khabar_run(_env(home, api), scratch, n) for n in range(args.runs)]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    def line(label: str, values: list[float | None]) -> str:
        done = [v for v in values if v is not None]
        shown = ", ".join("failed" if v is None else f"{v:.1f}" for v in values)
        median = f"median {statistics.median(done):5.1f} s" if done else "no run completed"
        return f"  {label:<52} {median}  ({shown})"

    done = [v for v in temporary if v is not None]
    print(f"khabar run, 5 samples, {args.runs} runs each, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(line("before: server started after the imports, 20 s limit", before))
    print(line("then: server started first, KHABAR_KEEP_SERVER=0", temporary))
    print(line("  the temporary server's start-up alone", list(alone)))
    print(line("now: kept server, the command that starts it", [cold]))
    print(line("now: kept server, the commands after it", warm))
    print(line("prefect server start, PREFECT_API_URL set", kept))
    if done:
        print(
            f"  start-up share of a run on a temporary server: {statistics.median(alone) / statistics.median(done):.0%}"
        )
    warm_done, kept_done = [v for v in warm if v is not None], [v for v in kept if v is not None]
    if warm_done and kept_done:
        extra = statistics.median(warm_done) - statistics.median(kept_done)
        print(f"  a run on the kept server beside one on a running server: {extra:+.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
