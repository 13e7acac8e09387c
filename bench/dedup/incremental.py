"""Cost of story assignment in the real writer: an archive of N articles, then a run of K new ones.

python -m bench.dedup.incremental [--stored 100000] [--new 1000]

Bodies are made from corpus paragraphs (about a third of the new ones edited copies of stored
articles), fingerprinted as the parse step does, staged, and loaded with `load_run`: the same
transaction, SQL and story assignment as `khabar ingest`, without Prefect or the cleaning step.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.corpus import load_pool
from khabar.records import Article, Outcome
from khabar.tasks.dedup import fingerprint
from khabar.tasks.fingerprint import body_sha256
from khabar.tasks.stage import stage
from khabar.warehouse.load import RunRecord, load_run


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
    now = datetime.now(UTC)
    found = []
    for number, body in enumerate(texts):
        doc_id = hashlib.sha256(f"{tag}:{number}:{body}".encode()).hexdigest()
        article = Article(
            article_id=doc_id, title=None, lede=None, body=body, agency=None, author=None, dateline_place=None,
            dateline_date=None, published_at=None, language="hi", word_count=len(body.split()),
            body_sha256=body_sha256(body), bands=fingerprint(body).bands,
        )  # fmt: skip
        found.append(Outcome(doc_id, f"bench://{tag}/{number}", "bench", "text", now, len(body), article, None))
    return found


def load(db: Path, items: list[Outcome], staging: Path, batch: int = 5000) -> tuple[float, float]:
    """Stage and load `items` as one run; return (seconds to fingerprint-free load, seconds staging)."""
    started = time.perf_counter()
    staged = [stage(items[i : i + batch], [], str(staging)) for i in range(0, len(items), batch)]
    staged_at = time.perf_counter()
    run = RunRecord(hashlib.md5(str(staged_at).encode()).hexdigest(), None, "bench", datetime.now(UTC), {})
    report = load_run(db, staged, run)
    done = time.perf_counter()
    print(f"    loaded {report.articles_loaded:,} articles: {report.near_duplicates:,} near, "
          f"{report.exact_duplicates:,} exact, {report.stories_new:,} new stories")  # fmt: skip
    return done - staged_at, staged_at - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    args = parser.parse_args()
    rng = random.Random(5)
    pool = [p for story in load_pool() for p in story.paras if len(p.split()) >= 12]
    with tempfile.TemporaryDirectory(prefix="khabar-incremental-") as tmp:
        db, staging = Path(tmp) / "w.duckdb", Path(tmp) / "staging"
        started = time.perf_counter()
        archive = bodies(args.stored, rng, pool, [])
        stored = outcomes(archive, "stored")
        print(f"archive: {args.stored:,} bodies fingerprinted in {time.perf_counter() - started:.1f} s")
        seconds, staging_s = load(db, stored, staging)
        print(f"  initial load of {args.stored:,}: {seconds:.1f} s (+ {staging_s:.1f} s staging)")
        started = time.perf_counter()
        fresh = outcomes(bodies(args.new, rng, pool, archive), "new")
        fingerprinting = time.perf_counter() - started
        seconds, staging_s = load(db, fresh, staging)
        print(
            f"incremental run: {args.new:,} new against {args.stored:,} stored: load with story assignment "
            f"{seconds:.2f} s (fingerprinting {fingerprinting:.2f} s, staging {staging_s:.2f} s, done in parse tasks)"
        )
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
