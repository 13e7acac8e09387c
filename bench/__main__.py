"""Speed and memory of `khabar ingest` on generated dumps.

python -m bench [--sizes 10000,100000] [--workdir bench/out] [--seed 7]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench.generate import GenStats, generate
from bench.ingest import Run, db_size, fixed_overhead, khabar_command, run_ingest
from bench.parse_only import ParseRate, parse_rate

HERE = Path(__file__).resolve().parent
STAMP = ".generated.json"  # a dot-file: khabar skips it
INCREMENTAL = 1000  # dumps of the run into each size's filled warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", default="10000,100000", help="comma-separated numbers of dumps (default: %(default)s)"
    )
    parser.add_argument("--workdir", type=Path, default=HERE / "out", help="cache of generated dumps and scratch dbs")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    print(f"khabar: {khabar_command()}  workdir: {workdir}", flush=True)
    fixed = fixed_overhead(workdir)
    print(f"fixed overhead (1 tiny dump): {fixed.wall:.1f} s, peak RSS {fixed.peak_rss_mib:.0f} MiB", flush=True)
    _check(fixed, "fixed-overhead run")
    lines = [f"fixed overhead: {fixed.wall:.1f} s wall, peak RSS {fixed.peak_rss_mib:.0f} MiB (1 tiny dump, empty db)"]
    for size in sizes:
        dumps, gen = dumps_for(size, args.seed, workdir)
        print(f"size={size}: {gen}", flush=True)
        with tempfile.TemporaryDirectory(dir=workdir, prefix=f"run-{size}-") as tmp:
            db = Path(tmp) / "warehouse.duckdb"
            first = run_ingest([dumps], db, verbose=True)
            _check(first, f"size={size} ingest")
            (workdir / f"ingest-{size}.log").write_text(first.output)  # the run's log, chunk by chunk
            print(f"  ingest: {first.wall:.1f} s, {first.counts}", flush=True)
            parsing = parse_rate([dumps])
            print(f"  parsing alone: {parsing.rate:,.0f} docs/s on {parsing.workers} processes", flush=True)
            size_bytes = db_size(db)
            again = run_ingest([dumps], db)
            _check(again, f"size={size} re-run")
            print(f"  re-run: {again.wall:.1f} s, {again.counts}", flush=True)
            fresh, _ = dumps_for(INCREMENTAL, args.seed, workdir, first_story=gen.stories)  # the next day's news
            later = run_ingest([fresh], db, verbose=True)
            _check(later, f"size={size} incremental run")
            print(f"  incremental: {later.wall:.1f} s, {later.counts}", flush=True)
        lines += report(size, gen, first, again, size_bytes, fixed.wall)
        lines.append(limits(first, parsing))
        lines.append(incremental(later, first))
    print("\n" + "\n".join(lines))
    return 0


def dumps_for(size: int, seed: int, workdir: Path, first_story: int = 0) -> tuple[Path, GenStats]:
    """The generated dumps for (size, seed, first story), made once and reused while the generator's code is
    unchanged."""
    folder = workdir / (f"dumps-{size}-seed{seed}" + (f"-from{first_story}" if first_story else ""))
    stamp = folder / STAMP
    key = {"n": size, "seed": seed, "generator": _generator_hash()} | ({"from": first_story} if first_story else {})
    if stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("key") == key:
            return folder, GenStats(**saved["stats"])
    shutil.rmtree(folder, ignore_errors=True)
    stats = generate(size, folder, seed, first_story=first_story)
    stamp.write_text(json.dumps({"key": key, "stats": asdict(stats)}))
    return folder, stats


def _generator_hash() -> str:
    sources = sorted(HERE.glob("*.py"))
    digest = hashlib.sha256(
        b"".join(p.read_bytes() for p in sources if p.stem not in ("__main__", "ingest", "runners", "template_content"))
    )
    return digest.hexdigest()[:16]


def report(size: int, gen: GenStats, first: Run, again: Run, db_bytes: int, fixed: float) -> list[str]:
    c, seen = first.counts, first.seen
    excl = max(first.wall - fixed, 1e-9)
    noop = "" if again.counts.get("new", -1) == 0 else f" NOT A NO-OP: new={again.counts.get('new')}"
    rejected = f"{c.get('rejected', 0):,}" + (f" ({first.rejects})" if first.rejects else "")
    return [
        f"size={size} ingest: {first.wall:.1f} s {seen / first.wall:,.0f} docs/s "
        f"(excl. {fixed:.1f} s fixed: {seen / excl:,.0f} docs/s) peak RSS {first.peak_rss_mib:,.0f} MiB"
        f" | no-op re-run {again.wall:.1f} s peak RSS {again.peak_rss_mib:,.0f} MiB{noop}"
        f" ({again.counts.get('unchanged files', 0):,} files unchanged, not read)"
        f" | db {db_bytes / 2**20:,.0f} MiB"
        f" | loaded {c.get('articles loaded', 0):,} articles, {c.get('stories', 0):,} stories,"
        f" exact {c.get('exact duplicates', 0):,}",
        f"    seen {seen:,}, new {c.get('new', 0):,}, rejected {rejected}, near {c.get('near-duplicates', 0):,}"
        f" | generated {gen}",
    ]


def limits(first: Run, parsing: ParseRate) -> str:
    """The whole run against parsing alone on every core, and story assignment per 1k articles."""
    whole = first.seen / first.wall if first.wall else 0.0
    articles = first.counts.get("articles loaded", 0)
    grouping = first.log_seconds("stories assigned in")
    per_1k = f"{grouping / articles * 1000:.2f} s per 1k articles" if grouping is not None and articles else "n/a"
    return (
        f"    parsing alone {parsing.rate:,.0f} docs/s on {parsing.workers} processes; whole run {whole:,.0f} docs/s "
        f"= {whole / parsing.rate:.0%} of it | story assignment {grouping or 0:.1f} s = {per_1k}"
    )


def incremental(later: Run, archive: Run) -> str:
    """A later run of `INCREMENTAL` new dumps into the warehouse the size's run filled: its wall time, and its
    writer's (insert, story assignment, outlet templates, search index, commit)."""
    writer = later.log_seconds("the chunk written in") or 0.0
    grouping = later.log_seconds("stories assigned in") or 0.0
    c = later.counts
    return (
        f"    incremental: {later.seen:,} new dumps against {archive.counts.get('articles loaded', 0):,} stored: "
        f"{later.wall:.1f} s wall, writer {writer:.2f} s (story assignment {grouping:.2f} s), peak RSS "
        f"{later.peak_rss_mib:,.0f} MiB | {c.get('articles loaded', 0):,} articles, "
        f"near {c.get('near-duplicates', 0):,}, exact {c.get('exact duplicates', 0):,}"
    )


def _check(run: Run, what: str) -> None:
    if run.returncode != 0 or not run.counts:
        print(f"!! {what} exited {run.returncode}; stderr tail:\n{run.stderr}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
