"""Near-duplicate story grouping on the labelled set: the datasketch baseline sweep, khabar's production grouping
(staging and the writer's story assignment in a real DuckDB file, `bench.dedup.production`), throughput.

    python -m bench.dedup                      # eval set (cached in bench/out/), sweep, khabar, 100k throughput
    python -m bench.dedup --throughput 0       # skip the 100k throughput runs

Another system plugs in as ``cluster(items: list[Item]) -> dict[str, str]`` (article id -> cluster id) in `systems`;
for throughput, any ``fn(list[(article_id, body)]) -> dict[str, str]`` goes to `throughput(fn, n)`.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.dedup import evalset
from bench.dedup import followups as followup_set
from bench.dedup.baseline import Row, SystemFn, Throughput, best, datasketch_system, sweep, throughput
from bench.dedup.crossoutlet import load as crossoutlet_set
from bench.dedup.evalset import Item, hard_negative_group
from bench.dedup.metrics import Scores, false_merges, merged_stories, missed_pairs, recall_by_kind, score
from bench.dedup.production import group_bodies
from khabar.config import DedupSettings
from khabar.grouping.shingles import forget_chunks

OUT = Path(__file__).resolve().parents[1] / "out"
System = Callable[[list[Item]], dict[str, str]]
__all__ = ["System", "khabar_cluster", "load_evalset", "report", "systems", "throughput", "throughput_systems"]


def load_evalset(seed: int = 11, rebuild: bool = False) -> tuple[list[Item], Path, bool]:
    """The eval set, cached under a name that changes with the seed and the generator's code."""
    code = hashlib.sha256(Path(evalset.__file__).read_bytes()).hexdigest()[:10]
    path = OUT / f"dedup-evalset-seed{seed}-{code}.jsonl"
    if path.exists() and not rebuild:
        return evalset.load(path), path, True
    items = evalset.build(seed)
    evalset.save(items, path)
    return items, path, False


def khabar_cluster(items: list[Item]) -> dict[str, str]:
    return group_bodies([(item.article_id, item.body) for item in items])


def systems() -> dict[str, System]:
    """The systems compared with the baseline: khabar's production grouping (`bench.dedup.production`)."""
    return {"khabar": khabar_cluster}


def throughput_systems(threshold: float) -> dict[str, SystemFn]:
    """The systems timed on the synthetic articles: datasketch at its best threshold, then khabar."""
    return {f"datasketch 5-gram t={threshold:.2f}": datasketch_system(threshold, 5), "khabar": group_bodies}


def _line(s: Scores) -> str:
    return f"P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}  ARI {s.ari:.3f}  ({s.clusters} clusters)"


def report(name: str, items: list[Item], predicted: dict[str, str]) -> Scores:
    """Scores, the false merges by story pair (hard negatives first), and recall of each edit kind."""
    scores = score(items, predicted)
    print(f"{name}: {_line(scores)}")
    merged = merged_stories(false_merges(items, predicted))
    hard = [m for m in merged if hard_negative_group(m[0]) and hard_negative_group(m[0]) == hard_negative_group(m[1])]
    other = [m for m in merged if m not in hard]
    print(f"  false merges: {len(merged)} story pairs, {sum(n for *_, n in merged)} article pairs")
    for title, group in (("hard negatives merged", hard), ("other stories merged", other)):
        print(f"  {title} ({len(group)}):" + ("" if group else " none"))
        for a, b, n in group[:25]:
            print(f"    {a} ~ {b}  ({n} article pairs)")
        if len(group) > 25:
            print(f"    ... {len(group) - 25} more")
    kinds = recall_by_kind(items, predicted)
    print("  with their original, by edit kind: " + ", ".join(f"{k} {f}/{t}" for k, (f, t) in sorted(kinds.items())))
    missed = missed_pairs(items, predicted)
    by_kind = Counter(k for e in missed for kind in {e.kind_a, e.kind_b} for k in kind.split("+") if k != "original")
    print(
        f"  missed pairs: {len(missed)} of {scores.true_pairs}"
        + (": " + ", ".join(f"{k} {n}" for k, n in by_kind.most_common()) if by_kind else "")
    )
    return scores


def _table(rows: list[Row]) -> None:
    cell = {(r.k, r.verify, r.threshold): r.scores for r in rows}
    ks = sorted({r.k for r in rows}, reverse=True)
    print(("       " + "".join(f"{f'{k}-gram':<25}{f'{k}-gram +verify':<15}" for k in ks)).rstrip())
    print(("  t    " + "P     R     F1    ARI    F1    ARI      " * len(ks)).rstrip())
    for t in sorted({r.threshold for r in rows}):
        line = f" {t:.2f}  "
        for k in ks:
            s, v = cell[k, False, t], cell[k, True, t]
            line += f"{s.precision:.3f} {s.recall:.3f} {s.f1:.3f} {s.ari:.3f}  {v.f1:.3f} {v.ari:.3f}    "
        print(line.rstrip())


def _throughput_line(name: str, result: Throughput) -> str:
    mib = 1 << 20
    return (
        f"{name}: {result.articles} articles in {result.seconds:.1f} s = {result.rate:,.0f} articles/s, "
        f"peak RSS {result.rss_peak / mib:,.0f} MiB ({(result.rss_peak - result.rss_before) / mib:+,.0f} MiB over the "
        f"{result.rss_before / mib:,.0f} MiB before), {result.clusters} clusters"
    )


def crossoutlet(threshold: float) -> None:
    """Pairwise scores on the real cross-outlet set (bench/dedup/crossoutlet), khabar beside datasketch.

    The corpus prints one paragraph a line; `khabar ingest` makes each line of a dump a paragraph, so the bodies
    given here are the lines joined by blank lines. khabar runs with the set's dates as publication dates
    (precision: the day; the dates of DJ 03-13/05-13 are file dates, see the set's README) and the window on,
    then with the window off, then without dates."""
    articles = crossoutlet_set.load()
    story = {aid: i for i, members in enumerate(crossoutlet_set.stories()) for aid in members}
    items = [
        Item(aid, f"x{story[aid]}", outlet, _lines_as_paragraphs(text), "original") for aid, outlet, text in articles
    ]
    dates = {
        aid: datetime.fromisoformat(art["date"]).replace(tzinfo=UTC)
        for aid, art in crossoutlet_set.gold()["articles"].items()
    }
    negatives = [tuple(pair) for pair in crossoutlet_set.not_same_story()]
    print(f"\nreal cross-outlet set: {len(items)} articles, {len(crossoutlet_set.stories())} stories, "
          f"{len(negatives)} labelled different pairs")  # fmt: skip
    bodies = [(i.article_id, i.body) for i in items]
    window = DedupSettings().publish_window_days
    runs = {
        f"khabar, dated, window {window:g} days": group_bodies(bodies, DedupSettings(), dates),
        "khabar, dated, window off": group_bodies(bodies, DedupSettings(publish_window_days=0), dates),
        "khabar, undated": group_bodies(bodies),
        "khabar, undated, paragraph evidence off": group_bodies(bodies, DedupSettings(min_paragraph_containment=2)),
        f"datasketch 5-gram t={threshold:.2f}": datasketch_system(threshold, 5)(bodies),
    }
    for name, predicted in runs.items():
        scores = score(items, predicted)
        merged = sum(predicted[a] == predicted[b] for a, b in negatives)
        print(f"  {name}: {_line(scores)}; labelled-different pairs merged: {merged} of {len(negatives)}")


def _lines_as_paragraphs(text: str) -> str:
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def followups(n: int) -> None:
    """Pairwise scores on a follow-up-heavy set of generated dumps through `khabar ingest`, window on and off."""
    print(f"\nfollow-up-heavy set: {n:,} generated dumps through `khabar ingest` (follow-ups are hard negatives)")
    for label, scores in followup_set.run(n).items():
        print(f"  khabar, {label}: {scores.line()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true", help="build the eval set even if cached")
    parser.add_argument("--throughput", type=int, default=100_000, metavar="N", help="articles; 0 skips")
    parser.add_argument("--followups", type=int, default=4000, metavar="N", help="generated dumps; 0 skips")
    args = parser.parse_args()

    items, path, cached = load_evalset(args.seed, args.rebuild)
    print(f"eval set {path.relative_to(OUT.parent.parent)} ({'cached' if cached else 'built'})")
    print(evalset.summary(items))

    start = time.perf_counter()
    rows = sweep(items)
    print(
        f"\ndatasketch MinHashLSH, num_perm=128, clusters = connected components of the LSH candidate graph "
        f"({time.perf_counter() - start:.1f} s); +verify keeps an edge only if the MinHash Jaccard estimate >= t"
    )
    _table(rows)
    print()
    for k in sorted({r.k for r in rows}, reverse=True):
        for verify in (False, True):
            row = best(rows, k, verify)
            print(f"best {k}-gram{' +verify' if verify else ''}: t={row.threshold:.2f}  {_line(row.scores)}")
    top = best(rows, 5)
    print()
    report(f"datasketch 5-gram at its best t={top.threshold:.2f}", items, top.predicted)

    for name, system in systems().items():
        print()
        start = time.perf_counter()
        predicted = system(items)
        report(f"{name} ({time.perf_counter() - start:.1f} s)", items, predicted)

    crossoutlet(top.threshold)
    if args.followups:
        followups(args.followups)

    if args.throughput:
        print(
            f"\nthroughput on {args.throughput:,} synthetic articles (5-8 paragraphs of corpus sentences, 30% copies)"
        )
        for name, system_fn in throughput_systems(top.threshold).items():
            forget_chunks()  # khabar starts without the words it folded for the eval set
            print(_throughput_line(name, throughput(system_fn, args.throughput)), flush=True)


if __name__ == "__main__":
    main()
