"""What `khabar search` costs: the index's share of the load, its size, and query latency.

python -m bench.search [--size 10000] [--more 1000] [--queries 200] [--workdir bench/out]

1. `khabar ingest -v` of SIZE generated dumps into a fresh warehouse: wall time, and the seconds the load
   spent building the search index (its log line).
2. `khabar ingest -v` of MORE other dumps into that warehouse: the seconds the load spent adding them to
   the index; then, for comparison, the extension's full rebuild (PRAGMA create_fts_index) over everything.
3. The file with and without search: the warehouse copied into fresh files with COPY FROM DATABASE (so
   both are compacted alike), once as it is and once without `article_search` and the fts schema.
4. Query latency: QUERIES searches in one process (one connection each, as `khabar search` does), over
   words and two-word phrases drawn from the corpus with a fixed seed; p50 and p95. One-word queries of
   frequent words are the slow case (every article matches); the mix is printed.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bench.__main__ import dumps_for
from bench.ingest import db_size, run_khabar
from khabar.text.search import parse_query
from khabar.warehouse.search import _INDEX, INDEX_SCHEMA, SearchFilters, load_fts, search

HERE = Path(__file__).resolve().parent
_REBUILT = re.compile(r"search: (?:index built|\d+ articles added to the index) in ([\d.]+) s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--more", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    dumps, _ = dumps_for(args.size, 7, workdir)
    more, _ = dumps_for(args.more, 8, workdir)
    lines = []
    with tempfile.TemporaryDirectory(dir=workdir, prefix="search-") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        first = run_khabar(["ingest", str(dumps), "--db", str(db), "-v"])
        assert first.returncode == 0, first.stderr
        lines.append(
            f"ingest {args.size} dumps: {first.wall:.1f} s wall, {first.counts.get('articles loaded')} articles; "
            f"search index built in {_rebuilt(first.output)} s inside the load's transaction"
        )
        second = run_khabar(["ingest", str(more), "--db", str(db), "-v"])
        assert second.returncode == 0, second.stderr
        total = _articles(db)
        lines.append(
            f"then {args.more} more dumps: {second.wall:.1f} s wall, {second.counts.get('articles loaded')} articles; "
            f"its articles added to the index in {_rebuilt(second.output)} s ({total} articles in all)"
        )
        rebuild = _rebuild(db)
        lines.append(f"for comparison, the extension's full rebuild over all {total} articles: {rebuild:.2f} s")
        with_search, without = _sizes(db, Path(tmp))
        lines.append(
            f"file ({total} articles, compacted copies): {with_search / 2**20:.1f} MiB with search, "
            f"{without / 2**20:.1f} MiB without (+{(with_search - without) / max(without, 1):.0%}); "
            f"as written by the loads: {db_size(db) / 2**20:.1f} MiB"
        )
        lines += _latency(db, args.queries)
    print("\n".join(lines))
    return 0


def _rebuilt(output: str) -> str:
    found = _REBUILT.findall(output)
    return found[-1] if found else "?"


def _rebuild(db: Path) -> float:
    con = duckdb.connect(str(db))
    try:
        load_fts(con)
        started = time.perf_counter()
        con.execute(_INDEX)
        return time.perf_counter() - started
    finally:
        con.close()


def _articles(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])
    finally:
        con.close()


def _sizes(db: Path, tmp: Path) -> tuple[int, int]:
    """Sizes of two compacted copies of `db`: as it is, and without article_search and the fts index."""
    sizes = []
    for keep in (True, False):
        copy = tmp / f"copy-{keep}.duckdb"
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
            con.execute(f"ATTACH '{copy}' AS dst")
            con.execute("COPY FROM DATABASE src TO dst")
            if not keep:
                con.execute(f"DROP SCHEMA dst.{INDEX_SCHEMA} CASCADE")
                con.execute("DROP TABLE dst.article_search")
            con.execute("DETACH dst")
            if not keep:  # dropped tables leave free blocks behind: copy once more to measure what remains
                again = tmp / "copy-again.duckdb"
                con.execute(f"ATTACH '{copy}' AS src2 (READ_ONLY)")
                con.execute(f"ATTACH '{again}' AS dst2")
                con.execute("COPY FROM DATABASE src2 TO dst2")
                con.execute("DETACH dst2")
                copy = again
        finally:
            con.close()
        sizes.append(db_size(copy))
    return sizes[0], sizes[1]


def _latency(db: Path, n: int) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        load_fts(con)
        words = [w for (w,) in con.execute(f"SELECT term FROM {INDEX_SCHEMA}.dict ORDER BY term").fetchall()]
        bodies = [b for (b,) in con.execute("SELECT body FROM article_search USING SAMPLE 200 ROWS").fetchall()]
    finally:
        con.close()
    rng = random.Random(5)
    queries = []
    for i in range(n):
        if i % 2:
            queries.append(rng.choice(words))
        else:
            tokens = rng.choice(bodies).split()
            at = rng.randrange(max(len(tokens) - 1, 1))
            queries.append(" ".join(tokens[at : at + 2]))
    times, hits = [], []
    for text in queries:
        started = time.perf_counter()
        found = search(db, parse_query(text), SearchFilters(limit=20))
        times.append(time.perf_counter() - started)
        hits.append(len(found))
    quantiles = statistics.quantiles(times, n=20)
    return [
        f"search latency over {n} queries (half single words of the index's dictionary, half two-word phrases "
        f"from bodies), one connection each: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {quantiles[18] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; median stories listed {statistics.median(hits):.0f}"
    ]


if __name__ == "__main__":
    raise SystemExit(main())
