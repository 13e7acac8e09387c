"""The lost-byte repair of lossy mojibake (khabar/text/mojibake.py): its context counts, and how often it
puts back the right character.

    python -m bench.mojibake --write   # count contexts in data/samples and tests/fixtures/golden
    python -m bench.mojibake           # measure on the Hindi news corpus in ../shared (never trained on)

Measuring: each corpus file (held-back days skipped) is encoded as UTF-8, read as cp1252 with the five
undefined bytes turned into U+FFFD, and restored; the figure is the share of lost characters put back right.
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from pathlib import Path

from bench.corpus import corpus_files
from khabar.text.mojibake import MODEL, count_contexts, restore_lost_bytes

ROOT = Path(__file__).resolve().parent.parent
TRAINING = [
    *sorted((ROOT / "data" / "samples").glob("*.txt")),
    *sorted((ROOT / "tests" / "fixtures" / "golden").glob("g*")),
]


def write() -> None:
    texts = [unicodedata.normalize("NFC", path.read_text(encoding="utf-8")) for path in TRAINING]
    counts = count_contexts(texts)
    MODEL.write_text(json.dumps(dict(sorted(counts.items())), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(counts)} context counts from {len(texts)} files -> {MODEL}")


def measure(limit: int) -> None:
    files = corpus_files()[:limit]
    lost = wrong = exact = 0
    started = time.perf_counter()
    for path in files:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        lossy = text.encode("utf-8").decode("cp1252", errors="replace")
        restored = restore_lost_bytes(lossy)
        if restored is None:
            raise SystemExit(f"not restored: {path}")
        lost += restored.count
        wrong += sum(a != b for a, b in zip(text, restored.text, strict=True))
        exact += restored.text == text
    seconds = time.perf_counter() - started
    print(
        f"{len(files)} corpus files, {lost} characters lost: {(lost - wrong) / max(1, lost):.4f} put back right, "
        f"{exact} files restored exactly; {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="count the contexts and write the model")
    parser.add_argument("--limit", type=int, default=200, help="corpus files to measure on")
    args = parser.parse_args()
    if args.write:
        write()
    else:
        measure(args.limit)


if __name__ == "__main__":
    main()
