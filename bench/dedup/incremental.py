"""Cost of story assignment in the real writer: an archive of N articles, then a run of K new ones.

python -m bench.dedup.incremental [--stored 100000] [--new 1000] [--repeat 3]

Bodies are made from corpus paragraphs (about a third of the new ones edited copies of stored
articles), staged with their compact shingles and bands as the ingest task does (`stage_parsed`), and loaded with `load_run`: the same
transaction, SQL and story assignment as `khabar ingest`, without Prefect or the cleaning step.
The run of K is loaded into fresh copies of the archive `--repeat` times; the best is reported with
its phases, timed by wrapping the writer's steps (connect includes the migrations check; close
includes DuckDB's checkpoint).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.corpus import load_pool
from bench.dedup import production
from khabar.records import Outcome
from khabar.warehouse import db as warehouse_db
from khabar.warehouse import load as writer
from khabar.warehouse import stories
from khabar.warehouse.load import LoadReport
from khabar.warehouse.staging import StagedBatch

# The writer's steps timed in the incremental run: (module, function, label); nested ones are indented.
STEPS = (
    (warehouse_db, "connect", "open the warehouse, check migrations"),
    (writer, "_insert_batch", "insert staged rows"),
    (writer, "assign_stories", "story assignment"),
    (stories, "read_windows", "  compact shingles (new, candidates, canonicals)"),
    (stories, "_candidates", "  LSH candidates (lsh_bands join)"),
    (stories, "_stories_of", "  stories of the candidates"),
    (stories, "group", "  verify and group"),
    (stories, "_merge", "  merge stories"),
    (stories, "_insert_new", "  insert story members"),
    (stories, "_refresh", "  lineage"),
    (writer, "_report", "run report"),
)


def bodies(count: int, rng: random.Random, pool: list[str], earlier: list[str]) -> list[str]:
    """`count` bodies: a third edited copies of `earlier` (when given), the rest new mixes of paragraphs."""
    made = []
    for _ in range(count):
        if earlier and rng.random() < 0.33:
            paragraphs = rng.choice(earlier).split("\n\n")
            paragraphs = paragraphs[: max(2, len(paragraphs) - rng.randint(0, 2))]
            paragraphs[0] = paragraphs[0].replace("ं", "ँ")
            made.append("\n\n".join(paragraphs))
        else:
            made.append("\n\n".join(rng.sample(pool, rng.randint(4, 8))))
    return made


def outcomes(texts: list[str], tag: str) -> list[Outcome]:
    return production.outcomes(
        [(hashlib.sha256(f"{tag}:{number}:{body}".encode()).hexdigest(), body) for number, body in enumerate(texts)],
        tag,
    )


def load(db: Path, staged: list[StagedBatch]) -> tuple[float, LoadReport]:
    """Load staged batches as one run; return its seconds and report."""
    started = time.perf_counter()
    report = production.load(db, staged)
    return time.perf_counter() - started, report


def counts(report: LoadReport) -> str:
    return (
        f"{report.articles_loaded:,} articles: {report.near_duplicates:,} near, {report.exact_duplicates:,} exact, "
        f"{report.stories_new:,} new stories"
    )


@contextmanager
def timed_steps(spent: Counter[str], statements: bool = False) -> Iterator[None]:
    """Add each writer step's wall time to `spent`, and the connection's COMMIT and close; with
    `statements`, each SQL statement's too, under "sql: " and its start."""

    def timing(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        return run

    class Timed:  # the connection, with COMMIT and close timed
        def __init__(self, con: Any) -> None:
            self.con = con

        def __getattr__(self, name: str) -> Any:
            return getattr(self.con, name)

        def execute(self, query: str, *args: Any) -> Any:
            if query == "COMMIT":
                return timing("commit", self.con.execute)(query, *args)
            if statements:
                return timing("sql: " + " ".join(query.split())[:90], self.con.execute)(query, *args)
            return self.con.execute(query, *args)

        def close(self) -> None:
            timing("close (checkpoint)", self.con.close)()

    with ExitStack() as undo:
        for module, name, label in STEPS:
            original = getattr(module, name)
            undo.callback(setattr, module, name, original)
            wrapped = timing(label, original)
            setattr(
                module, name, (lambda w: lambda *a, **k: Timed(w(*a, **k)))(wrapped) if name == "connect" else wrapped
            )
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3, help="incremental loads, each into a fresh archive copy")
    parser.add_argument("--statements", action="store_true", help="also time each SQL statement of the best run")
    parser.add_argument("--keep", type=Path, help="keep the loaded archive in this file, and reuse it when it exists")
    args = parser.parse_args()
    rng = random.Random(5)
    pool = [p for story in load_pool() for p in story.paras if len(p.split()) >= 12]
    with tempfile.TemporaryDirectory(prefix="khabar-incremental-") as tmp:
        archive_db, db, staging = Path(tmp) / "archive.duckdb", Path(tmp) / "w.duckdb", Path(tmp) / "staging"
        started = time.perf_counter()
        archive = bodies(args.stored, rng, pool, [])
        stored = outcomes(archive, "stored")
        print(f"archive: {args.stored:,} bodies made and hashed in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        staged = production.stage_all(stored, staging)
        staging_s = time.perf_counter() - started
        if args.keep and args.keep.exists():
            shutil.copyfile(args.keep, archive_db)
            print(f"  initial load: reused {args.keep}")
        else:
            seconds, report = load(archive_db, staged)
            print(f"  initial load: {counts(report)} in {seconds:.1f} s (+ {staging_s:.1f} s staging)")
            if args.keep:
                shutil.copyfile(archive_db, args.keep)
        started = time.perf_counter()
        fresh = outcomes(bodies(args.new, rng, pool, archive), "new")
        fingerprinting = time.perf_counter() - started
        started = time.perf_counter()
        staged = production.stage_all(fresh, staging)
        staging_s = time.perf_counter() - started
        runs = []
        for _ in range(args.repeat):
            shutil.copyfile(archive_db, db)
            os.sync()  # the copy's dirty pages would otherwise be flushed by the run's first fsync
            spent: Counter[str] = Counter()
            with timed_steps(spent, args.statements):
                seconds, report = load(db, staged)
            runs.append((seconds, spent))
            db.unlink()
        seconds, spent = min(runs, key=lambda run: run[0])
        print(
            f"incremental run: {args.new:,} new against {args.stored:,} stored: load with story assignment "
            f"{seconds:.2f} s, best of {args.repeat} ({', '.join(f'{s:.2f}' for s, _ in runs)}); {counts(report)}"
        )
        print(
            f"  before it, in the parse tasks: body hashes {fingerprinting:.2f} s, staging with compact shingles and bands {staging_s:.2f} s"
        )
        labels = [label for *_, label in STEPS] + ["commit", "close (checkpoint)"]
        for label in labels:
            print(f"  {label:<45} {spent[label]:6.2f} s")
        top = sum(spent[label] for label in labels if not label.startswith(" "))
        print(f"  {'other':<45} {seconds - top:6.2f} s")
        for label, value in spent.most_common():
            if label.startswith("sql: ") and value >= 0.02:
                print(f"    {value:6.2f} s  {label[5:]}")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
