"""The DuckLake backend beside the DuckDB file: a 10k ingest on each, then a further ingest while a reader holds
the warehouse open.

python -m bench.lake [--size 10000] [--more 1000] [--hold 20] [--workdir /tmp/khabar-bench-lake]

Backends: the DuckDB file (the default), a DuckLake on a DuckDB-file catalog, a DuckLake on PostgreSQL (a
cluster started for the run, as the tests do: tests/lake.py; skipped without PostgreSQL). Each ingest is the
real `khabar ingest DIR --db …` in a subprocess on Prefect's temporary server (bench/ingest.py). For the
reader, a process opens the warehouse read-only as `khabar sql` does, starts a transaction and keeps it
`--hold` seconds; the ingest of `--more` new dumps starts a second later.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import generate
from bench.ingest import Run, run_khabar

READER = """
import sys, time
from khabar.warehouse.db import connect_read_only
con = connect_read_only(sys.argv[1])
con.execute("BEGIN TRANSACTION")
con.execute("SELECT count(*) FROM articles").fetchall()
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _ingest(folder: Path, db: str) -> Run:
    run = run_khabar(["ingest", str(folder), "--db", db, "-v"])
    if run.returncode:
        raise SystemExit(f"khabar ingest --db {db} failed:\n{run.stderr}")
    return run


def _line(label: str, run: Run) -> str:
    committed = run.log_seconds("committed in")
    return (
        f"{label:<28} {run.wall:6.1f} s wall, {run.counts.get('documents seen', 0) / run.wall:5.0f} docs/s, "
        f"stories assigned in {run.log_seconds('stories assigned in') or 0:.2f} s, committed in {committed or 0:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lake", description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--more", type=int, default=1_000, help="dumps ingested while a reader holds the warehouse")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds the reader keeps its transaction open")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/khabar-bench-lake"))
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # a busy machine starts it slowly
    work: Path = args.workdir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    dumps, more = work / "dumps", work / "more"
    print(generate(args.size, dumps, seed=7), flush=True)
    print(generate(args.more, more, seed=8), flush=True)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import lake

    backends = {
        "DuckDB file": str(work / "khabar.duckdb"),
        "DuckLake, DuckDB catalog": f"ducklake:{work}/catalog.ducklake",
    }
    with lake.postgres() if lake.bindir() else _nothing() as server:
        if server is not None:
            os.environ["KHABAR_DATA_PATH"] = str(work / "pg-files")
            backends["DuckLake, PostgreSQL catalog"] = server.create("bench")
        lines = []
        for label, db in backends.items():
            run = _ingest(dumps, db)
            lines.append(_line(f"{args.size} dumps, {label}", run))
            print(lines[-1], flush=True)
        for label, db in backends.items():
            reader = subprocess.Popen(
                [sys.executable, "-c", READER, db, str(args.hold)], stdout=subprocess.PIPE, text=True
            )
            assert reader.stdout is not None
            ready = reader.stdout.readline().strip() == "ready"
            time.sleep(1)
            during = _ingest(more, db) if ready else None
            reader.wait()
            if during is None:
                lines.append(f"{label}: the reader could not open the warehouse")
            else:
                lines.append(_line(f"+{args.more} while a reader holds it {args.hold:g} s, {label}", during))
            print(lines[-1], flush=True)
    print("\n".join(["", "summary:", *lines]))
    return 0


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


if __name__ == "__main__":
    raise SystemExit(main())
