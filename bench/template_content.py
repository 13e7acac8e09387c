"""How much article content the outlet-template learner takes for a wrapper, on generated dumps whose article
text is known: every paragraph and sentence of the 2020 corpus pool is content (digits folded, since follow-ups
scale figures). A lower bound: a removed unit counts only when it equals one after normalization, so content an
edit changed (respelled, split, merged, its dateline glued on) counts as a wrapper; a template is judged by its
sample alone.

python -m bench.template_content [--sizes 10000] [--workdir DIR]

Runs the real `khabar ingest` on the generated dumps (the benchmark's, reused) into a fresh warehouse, then reads
its `removed_blocks` and `outlet_templates`.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import regex

from bench.__main__ import dumps_for
from bench.corpus import load_pool
from bench.ingest import run_ingest
from khabar import config
from khabar.text.normalize import match_key
from khabar.text.templates import sentences

_DIGIT = regex.compile(r"\p{Nd}")


def content_keys() -> set[str]:
    keys = set()
    for story in load_pool():
        for paragraph in story.paras:
            keys |= {_key(paragraph), *(_key(s) for s in sentences(paragraph))}
    return keys


def _key(text: str) -> str:
    return _DIGIT.sub("#", match_key(text))


def measure(db: Path, content: set[str], min_stories: int | None = None) -> str:
    min_stories = config.template_min_stories() if min_stories is None else min_stories
    con = duckdb.connect(str(db), read_only=True)
    try:
        blocks = con.execute("SELECT article_id, text FROM removed_blocks WHERE kind = 'template'").fetchall()
        samples = [
            s
            for (s,) in con.execute(
                "SELECT sample FROM outlet_templates WHERE n_stories >= ?", [min_stories]
            ).fetchall()
        ]
        articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    finally:
        con.close()
    taken = [(aid, text) for aid, text in blocks if _key(text) in content]
    return (
        f"templates (n >= {min_stories}): {len(samples):,}, of them corpus content {sum(_key(s) in content for s in samples):,} | "
        f"template blocks removed: {len(blocks):,} in {len({a for a, _ in blocks}):,} articles, "
        f"corpus content {len(taken):,} in {len({a for a, _ in taken}):,} of {articles:,} articles"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    content = content_keys()
    for size in (int(s) for s in args.sizes.split(",")):
        folder, _ = dumps_for(size, args.seed, args.workdir)
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            db = Path(tmp) / "templates.duckdb"
            run = run_ingest([folder], db)
            if run.returncode:
                raise SystemExit(f"khabar ingest failed: {run.stderr}")
            print(f"size={size}: {measure(db, content)}", flush=True)


if __name__ == "__main__":
    main()
