"""Task runners side by side: the real `khabar ingest` on the same generated dumps with KHABAR_TASK_RUNNER set to
thread, process and dask (a local cluster). Wall time, speed-up over thread, peak RSS of the whole process tree.

python -m bench.runners [--size 10000] [--runners thread,process,dask] [--repeats 1] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.__main__ import HERE, dumps_for
from bench.ingest import Run, fixed_overhead, run_ingest


@contextmanager
def runner_env(runner: str, workers: int | None) -> Iterator[None]:
    """KHABAR_TASK_RUNNER (and KHABAR_WORKERS) for the `khabar` subprocesses started inside the block."""
    saved = {name: os.environ.get(name) for name in ("KHABAR_TASK_RUNNER", "KHABAR_WORKERS", "KHABAR_DASK_ADDRESS")}
    os.environ["KHABAR_TASK_RUNNER"] = runner
    os.environ.pop("KHABAR_DASK_ADDRESS", None)
    if workers:
        os.environ["KHABAR_WORKERS"] = str(workers)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.runners", description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="generated dumps (default: %(default)s)")
    parser.add_argument("--runners", default="thread,process,dask", help="comma-separated (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per runner, interleaved; the best counts")
    parser.add_argument("--workers", type=int, default=None, help="KHABAR_WORKERS (default: the CPU count)")
    parser.add_argument("--workdir", type=Path, default=HERE / "out", help="cache of generated dumps and scratch dbs")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    runners = [name.strip() for name in args.runners.split(",") if name.strip()]
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    dumps, gen = dumps_for(args.size, args.seed, workdir)
    print(f"size={args.size}: {gen}; {os.cpu_count()} CPUs, workers={args.workers or os.cpu_count()}", flush=True)

    fixed: dict[str, Run] = {}
    runs: dict[str, list[Run]] = {name: [] for name in runners}
    for repeat in range(1, args.repeats + 1):
        for name in runners:
            with runner_env(name, args.workers):
                if name not in fixed:
                    fixed[name] = fixed_overhead(workdir)
                    _check(fixed[name], f"{name} fixed overhead")
                with tempfile.TemporaryDirectory(dir=workdir, prefix=f"runner-{name}-") as tmp:
                    run = run_ingest([dumps], Path(tmp) / "warehouse.duckdb")
            _check(run, f"{name} ingest")
            runs[name].append(run)
            print(
                f"  {name} #{repeat}: {run.wall:.1f} s, peak RSS {run.peak_rss_mib:,.0f} MiB, {run.counts}", flush=True
            )
    print("\n" + "\n".join(report(runners, runs, fixed)))
    return 0


def report(runners: list[str], runs: dict[str, list[Run]], fixed: dict[str, Run]) -> list[str]:
    best = {name: min(runs[name], key=lambda run: run.wall) for name in runners}
    base = best[runners[0]]
    lines = [
        f"{'runner':<8} {'wall s':>8} {'docs/s':>8} {'speed-up':>9} {'fixed s':>8} {'excl. fixed':>12} "
        f"{'peak RSS MiB':>13}",
    ]
    for name in runners:
        run, fix = best[name], fixed[name].wall
        base_excl = base.wall - fixed[runners[0]].wall
        lines.append(
            f"{name:<8} {run.wall:>8.1f} {run.seen / run.wall:>8,.0f} {base.wall / run.wall:>8.2f}x {fix:>8.1f} "
            f"{base_excl / max(run.wall - fix, 1e-9):>11.2f}x {run.peak_rss_mib:>13,.0f}"
        )
    counts = {name: (best[name].counts.get("articles loaded"), best[name].counts.get("stories")) for name in runners}
    if len(set(counts.values())) > 1:
        lines.append(f"!! runners disagree on (articles loaded, stories): {counts}")
    lines.append(
        f"speed-up: over {runners[0]}; 'excl. fixed' leaves out each runner's start-up (one run on a tiny dump); "
        "peak RSS: khabar and every process below it (workers, the temporary Prefect server), summed"
    )
    return lines


def _check(run: Run, what: str) -> None:
    if run.returncode != 0 or not run.counts:
        raise SystemExit(f"{what} exited {run.returncode}; stderr tail:\n{run.stderr}")


if __name__ == "__main__":
    raise SystemExit(main())
