"""Story grouping on a follow-up-heavy set of generated dumps, through the real `khabar ingest`, with the
publication window on and off.

`python -m bench.generate` writes, past the pool's size, follow-ups: an earlier story again with new figures,
a borrowed paragraph and a date months later. They are the hard negatives here: a follow-up is a story of
its own (`story_links` may link it to the one it repeats), never a member of it. The manifest says which
story each file carries; pairs of articles are scored against it.

    python -m bench.dedup.followups [N]      # N dumps (default 4,000), window on and off
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import duckdb

from bench.corpus import load_pool
from bench.generate import MANIFEST, generate
from bench.ingest import run_khabar


@dataclass(frozen=True)
class FollowUpScores:
    articles: int
    precision: float  # of all same-story pairs khabar made
    recall: float  # of all pairs of copies of one story
    followup_precision: float  # of the pairs khabar made that hold a follow-up (a story number past the pool)
    followup_pairs_merged: int  # pairs of a story and its follow-up put in one story
    stories_over_window: int  # stories whose known publication times span more than 7 days (the default window)
    links: int
    links_right: int  # links between a story and a follow-up of it (same pool story)

    def line(self) -> str:
        return (
            f"P {self.precision:.3f}  R {self.recall:.3f}  follow-up P {self.followup_precision:.3f} "
            f"({self.followup_pairs_merged} story/follow-up pairs merged); stories spanning more than 7 days: "
            f"{self.stories_over_window}; follow-up links {self.links} ({self.links_right} between a story and its "
            "follow-up)"
        )


def manifest(folder: Path) -> dict[str, int]:
    """Relative file path → the story number it carries."""
    with (folder / MANIFEST).open(encoding="utf-8") as f:
        return {row["file"]: int(row["story"]) for row in csv.DictReader(f, delimiter="\t")}


def score_warehouse(db: Path, folder: Path, pool: int) -> FollowUpScores:
    truth = manifest(folder)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT a.source_uri, m.story_id FROM story_members m JOIN articles a USING (article_id)"
    ).fetchall()
    sightings = con.execute(
        "SELECT s.source_uri, m.story_id FROM sightings s JOIN story_members m ON m.article_id = s.doc_id"
    ).fetchall()
    spans = con.execute("SELECT count(*) FROM stories WHERE span_minutes > 7 * 24 * 60").fetchall()[0][0]
    links = con.execute("SELECT from_story, to_story FROM story_links").fetchall()
    first_uri = dict(con.execute("SELECT article_id, source_uri FROM articles").fetchall())
    con.close()
    story_of: dict[str, str] = {}
    for uri, story in [*rows, *sightings]:
        story_of[str(Path(uri.removeprefix("file://")).relative_to(folder.resolve()))] = story
    files = sorted(f for f in story_of if f in truth)
    predicted = defaultdict(list)
    for f in files:
        predicted[story_of[f]].append(f)
    made = [(a, b) for group in predicted.values() for a, b in combinations(group, 2)]
    right = sum(truth[a] == truth[b] for a, b in made)
    by_story = Counter(truth[f] for f in files)
    true_pairs = sum(n * (n - 1) // 2 for n in by_story.values())
    with_followup = [(a, b) for a, b in made if max(truth[a], truth[b]) >= pool]
    crossed = sum(truth[a] != truth[b] and truth[a] % pool == truth[b] % pool for a, b in made)

    def base(story: str) -> int | None:
        uri = first_uri.get(story)
        rel = str(Path(uri.removeprefix("file://")).relative_to(folder.resolve())) if uri else None
        return truth[rel] % pool if rel in truth else None

    return FollowUpScores(
        articles=len(files),
        precision=right / len(made) if made else 1.0,
        recall=right / true_pairs if true_pairs else 1.0,
        followup_precision=(
            sum(truth[a] == truth[b] for a, b in with_followup) / len(with_followup) if with_followup else 1.0
        ),
        followup_pairs_merged=crossed,
        stories_over_window=spans,
        links=len(links),
        links_right=sum(base(a) is not None and base(a) == base(b) for a, b in links),
    )


def run(n: int = 4000, seed: int = 7) -> dict[str, FollowUpScores]:
    """Generate `n` dumps, ingest them with the publication window at its default and off, and score both."""
    pool = len(load_pool())
    found = {}
    with tempfile.TemporaryDirectory(prefix="khabar-followups-") as tmp:
        folder = Path(tmp) / "dumps"
        generate(n, folder, seed)
        for label, window in (("window 7 days (default)", None), ("window off", "0")):
            db = Path(tmp) / f"{label.split()[1]}.duckdb"
            env = {"KHABAR_DEDUP_PUBLISH_WINDOW_DAYS": window} if window else {}
            result = run_khabar(["ingest", str(folder), "--db", str(db)], env)
            if result.returncode:
                raise RuntimeError(f"khabar ingest failed: {result.stderr}")
            found[label] = score_warehouse(db, folder, pool)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=4000)
    args = parser.parse_args()
    print(f"follow-up-heavy set: {args.n:,} generated dumps through `khabar ingest`")
    for label, scores in run(args.n).items():
        print(f"  khabar, {label}: {scores.line()}")


if __name__ == "__main__":
    main()
