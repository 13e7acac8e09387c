"""Run the real `khabar ingest` in a subprocess and measure it: wall time, peak RSS of its process tree, counts."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from khabar import config
from khabar.flows.server import kept_pid

POLL_SECONDS = 0.2
TINY_DUMP = "छोटी खबर\n\nलखनऊ, 12 जुलाई (आईएएनएस)। यह एक बहुत छोटी खबर है जिसे केवल यह मापने के लिए लिखा गया है कि खाली चलाने में कितना समय लगता है।\n"
_COUNT = re.compile(
    r"^\s+(unchanged files|documents seen|new|rejected|articles loaded|stories|exact duplicates|near-duplicates)"
    r"\s+(.*)$"
)


@dataclass
class Run:
    wall: float
    peak_rss_mib: float
    returncode: int
    counts: dict[str, int] = field(default_factory=dict)
    rejects: str = ""  # the reasons as printed, e.g. "no_article_body 3"
    stderr: str = ""
    output: str = ""  # all of stdout and stderr

    @property
    def seen(self) -> int:
        return self.counts.get("documents seen", 0)

    def log_seconds(self, label: str) -> float | None:
        """The seconds of the log lines "... LABEL X.XX s" added up (one per chunk of a long run), if any."""
        found = re.findall(re.escape(label) + r" ([0-9.]+) s", self.output)
        return sum(map(float, found)) if found else None


def khabar_command() -> str:
    """The `khabar` script of the environment running the benchmark."""
    script = Path(sys.executable).with_name("khabar")
    return str(script) if script.exists() else shutil.which("khabar") or "khabar"


def run_ingest(paths: list[Path], db: Path, verbose: bool = False) -> Run:
    """One `khabar ingest PATHS --db DB` on Prefect's temporary local server (started inside the wall time);
    `verbose` keeps the flow's log lines in the output."""
    return run_khabar(["ingest", *map(str, paths), "--db", str(db), *(["-v"] if verbose else [])])


def run_khabar(args: list[str], extra_env: dict[str, str] | None = None) -> Run:
    """One `khabar ARGS` on Prefect's temporary local server, with its wall time and peak memory; `extra_env`
    sets KHABAR_* settings for it."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(extra_env or {})}
    env.pop("PREFECT_API_URL", None)  # no server given: the flow starts its own temporary one
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([khabar_command(), *args], stdout=out, stderr=err, env=env)
        peak = _watch(proc)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    run = Run(wall, peak / 2**20, proc.returncode, stderr=stderr[-3000:], output=stdout + stderr)
    for line in stdout.splitlines():
        match = _COUNT.match(line)
        if match:
            label, value = match.groups()
            new = re.search(r"([\d,]+) new", value) if label == "stories" else None  # "a → b stories: N new, ..."
            run.counts[label] = int((new[1] if new else value.split()[0]).replace(",", ""))
            if label == "rejected" and "(" in value:
                run.rejects = value[value.index("(") + 1 : value.rindex(")")]
    return run


def _watch(proc: subprocess.Popen[bytes]) -> int:
    """Wait for `proc`, polling the summed RSS of it and all its descendants, and of the kept Prefect server it
    reports to (started by an earlier command, so not its child); return the highest sum."""
    root = psutil.Process(proc.pid)
    state = config.server_state_dir()
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            members = {root, *root.children(recursive=True)}
        except psutil.NoSuchProcess:
            members = set()
        keeper = kept_pid(state)
        if keeper is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                server = psutil.Process(keeper)
                members |= {server, *server.children(recursive=True)}
        for member in members:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += member.memory_info().rss
        peak = max(peak, total)
        time.sleep(POLL_SECONDS)
    return peak


def fixed_overhead(workdir: Path) -> Run:
    """A run over a folder with one tiny dump: the interpreter, Prefect's temporary server, flow set-up."""
    with tempfile.TemporaryDirectory(dir=workdir, prefix="tiny-") as tmp:
        folder = Path(tmp) / "dumps" / "Tiny Outlet"
        folder.mkdir(parents=True)
        (folder / "000000.txt").write_text(TINY_DUMP, encoding="utf-8")
        return run_ingest([folder.parent], Path(tmp) / "tiny.duckdb")


def db_size(db: Path) -> int:
    """The warehouse file plus any write-ahead log left beside it."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + ".wal")) if p.exists())
