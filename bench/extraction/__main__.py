"""`python -m bench.extraction`: score every system on every dataset, print tables, write per-page CSVs."""

from __future__ import annotations

import argparse
import csv
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from dateutil.parser import UnknownTimezoneWarning

from bench.extraction import data, score, speed
from bench.extraction.systems import SYSTEMS, for_text

OUT = Path(__file__).resolve().parents[1] / "out"
PUBLISHED = "trafilatura 2.0.0 0.958 · newspaper4k 0.949 · readability-lxml 0.922 · jusText 0.804"
DATASETS: dict[str, tuple[str, Callable[[], list[data.Item] | None]]] = {
    "zyte": ("(b) Zyte article-extraction-benchmark, gold = ground-truth.json articleBody", data.zyte),
    "bhaskar": ("(c) Dainik Bhaskar (Hindi), gold = fundus Bhaskar.json summary+sections", data.bhaskar),
    "golden": ("(a) tests/fixtures/golden, keep/drop snippets", data.golden),
    "speed": ("(d) text dumps through clean and metadata", lambda: None),
}


def run(name: str, items: list[data.Item], repeat: int) -> tuple[list[str], list[float]]:
    """A system's output per item (first pass) and its fastest time per item over `repeat` passes, after a warm-up."""
    html_fn, text_fn = SYSTEMS[name], for_text(name)
    fns = [html_fn if item.is_html else text_fn for item in items]
    fns[0](items[0].content)
    outputs: list[str] = []
    seconds = [float("inf")] * len(items)
    for _ in range(repeat):
        for i, (item, fn) in enumerate(zip(items, fns, strict=True)):
            start = time.perf_counter()
            try:
                out = fn(item.content)
            except Exception as error:  # a crash is an empty output, reported
                out = ""
                if len(outputs) < len(items):
                    print(f"  ! {name} failed on {item.id}: {type(error).__name__}: {error}")
            seconds[i] = min(seconds[i], time.perf_counter() - start)
            if len(outputs) < len(items):
                outputs.append(out)
    return outputs, seconds


def shingle_table(key: str, items: list[data.Item], systems: list[str], repeat: int) -> dict[str, float]:
    """Print each system's scores; return its F1."""
    f1s: dict[str, float] = {}
    print(f"{'system':<20} {'P':>6} {'R':>6} {'F1':>6} {'mF1':>6} {'empty':>5} {'pages/s':>8}")
    rows: list[list[object]] = []
    for name in systems:
        outputs, seconds = run(name, items, repeat)
        scores = [score.score_page(item.gold, out) for item, out in zip(items, outputs, strict=True)]
        s = score.summarize(scores)
        rate = len(items) / sum(seconds)
        f1s[name] = s.f1
        print(f"{name:<20} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.mean_f1:6.3f} {s.empty:5d} {rate:8.1f}")
        for item, sc, sec, out in zip(items, scores, seconds, outputs, strict=True):
            rows.append([item.id, name, sc.precision, sc.recall, sc.f1, sc.gold, sc.out, len(out), sec, item.url])
    header = ["page", "system", "precision", "recall", "f1", "gold_shingles", "out_shingles", "out_chars", "seconds"]
    write(key, [*header, "url"], rows)
    return f1s


def snippet_table(key: str, items: list[data.Item], systems: list[str], repeat: int) -> dict[str, tuple[float, float]]:
    """Print each system's keep recall and drop precision; return them."""
    ratios: dict[str, tuple[float, float]] = {}
    head = ("keep recall", "drop precision", ".html keep/drop", ".txt keep/drop", "files/s")
    print(f"{'system':<20} {head[0]:>17} {head[1]:>17} {head[2]:>16} {head[3]:>15} {head[4]:>7}")
    rows: list[list[object]] = []
    for name in systems:
        outputs, seconds = run(name, items, repeat)
        counts = {kind: [0, 0, 0, 0] for kind in ("html", "text")}  # keep found, keeps, drop absent, drops
        for item, out, sec in zip(items, outputs, seconds, strict=True):
            k, d = score.present(item.keep, out), score.present(item.drop, out)
            kind = "html" if item.is_html else "text"
            for i, n in enumerate((sum(k), len(k), d.count(False), len(d))):
                counts[kind][i] += n
            missed = [s for s, hit in zip(item.keep, k, strict=True) if not hit]
            leaked = [s for s, hit in zip(item.drop, d, strict=True) if hit]
            found, absent = f"{sum(k)}/{len(k)}", f"{d.count(False)}/{len(d)}"
            rows.append([item.id, name, kind, found, absent, " | ".join(missed), " | ".join(leaked), sec])
        total = [a + b for a, b in zip(counts["html"], counts["text"], strict=True)]
        ratios[name] = (total[0] / max(total[1], 1), total[2] / max(total[3], 1))
        html, text = (f"{_ratio(c[0], c[1], 2)}/{_ratio(c[2], c[3], 2)}" for c in (counts["html"], counts["text"]))
        keep = f"{_ratio(total[0], total[1])} ({total[0]}/{total[1]})"
        drop = f"{_ratio(total[2], total[3])} ({total[2]}/{total[3]})"
        print(f"{name:<20} {keep:>17} {drop:>17} {html:>16} {text:>15} {len(items) / sum(seconds):7.1f}")
    write(key, ["file", "system", "input", "keep_found", "drop_absent", "keep_missed", "drop_leaked", "seconds"], rows)
    return ratios


def golden_target(found: dict[str, tuple[float, float]]) -> str:
    if "khabar" not in found:
        return "target: khabar not measured"
    keep, drop = found["khabar"]
    rival = max((d for name, (_, d) in found.items() if name.startswith("trafilatura")), default=0.0)
    met = keep >= 0.99 and drop >= 0.98 and drop > rival
    return f"target: keep recall >= 0.99, drop precision >= 0.98 and ahead of trafilatura ({rival:.3f}): " + (
        "met" if met else f"not met (keep {keep:.3f}, drop {drop:.3f})"
    )


def zyte_target(f1s: dict[str, float]) -> str:
    if "khabar" not in f1s or "trafilatura" not in f1s:
        return "target: needs khabar and trafilatura"
    gap = f1s["trafilatura"] - f1s["khabar"]
    verdict = "met" if gap <= 0 else f"{gap:.3f} F1 short"
    return f"target: F1 at least trafilatura's measured {f1s['trafilatura']:.3f}: {verdict}"


def _ratio(part: int, whole: int, digits: int = 3) -> str:
    return f"{part / whole:.{digits}f}" if whole else "-"


def write(key: str, header: list[str], rows: list[list[object]]) -> None:
    """bench/out/extraction-<key>.csv; floats to 4 places, None (no output, so no precision) as empty."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"extraction-{key}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *([_cell(v) for v in row] for row in rows)])
    print(f"per-page scores: {path.relative_to(OUT.parents[1])}")


def _cell(value: object) -> object:
    return "" if value is None else f"{value:.4f}" if isinstance(value, float) else value


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated: " + ",".join(DATASETS))
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated: " + ",".join(SYSTEMS))
    parser.add_argument("--repeat", type=int, default=3, help="timing passes; pages/s uses each page's fastest")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UnknownTimezoneWarning)  # dateutil, on some pages' dates
    systems = args.systems.split(",")
    print(
        f"Scoring: {score.METHOD}\nSpeed: one process, after a warm-up call, each page's fastest of {args.repeat} passes.\n"
    )
    for key in args.datasets.split(","):
        title, load = DATASETS[key]
        if key == "speed":
            print(title)
            speed.report()
            continue
        items = load()
        if not items:
            print(f"{title}: skipped, {data.GOLDEN}/golden.json not found\n")
            continue
        print(f"{title}: {len(items)} page(s)")
        if key == "golden":
            texts = sum(not item.is_html for item in items)
            print(
                f"{texts} .txt dump(s): khabar reads them as text (clean); the others get each line as <p> in "
                "<html><body><article>. Snippets match as NFC substrings, case and whitespace runs ignored."
            )
            print(golden_target(snippet_table(key, items, systems, args.repeat)))
        else:
            f1s = shingle_table(key, items, systems, args.repeat)
            if key == "zyte":
                print(f"published F1 (Zyte README, multiset \\w+ shingles): {PUBLISHED}")
                print(zyte_target(f1s))
        print()


if __name__ == "__main__":
    main()
