"""Load the cross-outlet story grouping gold set: article texts re-cut from the shared corpus and verified.

The texts are not stored in the repository: `gold.json` holds, for each article, a corpus file, the str (code point)
offsets of its slice in the file decoded as UTF-8, and the sha256 of that slice. `load` cuts every slice again and
checks it, so a missing or changed corpus fails loudly instead of giving a silently different set.

    from bench.dedup.crossoutlet.load import load, stories, not_same_story
    articles = load()            # [(id, outlet, text), ...]
    python -m bench.dedup.crossoutlet.load [CORPUS_ROOT]    # verify and print counts
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

GOLD = Path(__file__).resolve().parent / "gold.json"
# bench/dedup/crossoutlet/load.py: parents[3] is the repository, and shared/ sits beside it (/work/main, /work/shared)
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "hindi-news-2020"

__all__ = ["CORPUS", "GOLD", "CorpusMismatch", "gold", "load", "not_same_story", "pairs", "stories"]


class CorpusMismatch(ValueError):
    """A corpus file is not the one the gold set was cut from."""


@cache
def gold() -> dict[str, Any]:
    """The parsed gold.json (articles, stories, not_same_story, notes, pair_metrics)."""
    data: dict[str, Any] = json.loads(GOLD.read_text(encoding="utf-8"))
    return data


def load(corpus_root: Path = CORPUS) -> list[tuple[str, str, str]]:
    """(id, outlet, text) of every gold article, in gold.json order, each slice checked against its sha256.

    Raises FileNotFoundError when the corpus root or one of its files is missing, and CorpusMismatch when a slice
    no longer has the recorded hash (the corpus was changed, re-encoded or has other line ends).
    """
    root = Path(corpus_root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"corpus not found at {root}: expected the shared corpus hindi-news-2020 "
            "(<outlet>/<month folder>/<file>.txt), by default in shared/corpora/ beside the repository"
        )
    texts: dict[str, str] = {}
    out: list[tuple[str, str, str]] = []
    for aid, art in gold()["articles"].items():
        file = art["file"]
        if file not in texts:
            path = root / file
            if not path.is_file():
                raise FileNotFoundError(f"{aid}: corpus file missing: {path}")
            try:
                texts[file] = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as err:
                raise CorpusMismatch(f"{aid}: {path} is no longer UTF-8 ({err})") from err
        text = texts[file]
        start, end = art["start"], art["end"]
        piece = text[start:end]
        digest = hashlib.sha256(piece.encode("utf-8")).hexdigest()
        if end > len(text) or digest != art["sha256"]:
            raise CorpusMismatch(
                f"{aid}: {file}[{start}:{end}] does not match the gold set (sha256 {digest[:12]}…, expected "
                f"{art['sha256'][:12]}…); the corpus file changed since the set was made"
            )
        out.append((aid, art["outlet"], piece))
    return out


def stories() -> list[list[str]]:
    """The partition of all gold article ids into stories (singletons included)."""
    return [list(s) for s in gold()["stories"]]


def not_same_story() -> list[tuple[str, str]]:
    """Labelled hard negatives: pairs of articles that are not the same story."""
    return [(x, y) for x, y in gold()["not_same_story"]]


def pairs() -> dict[tuple[str, str], bool]:
    """Every labelled pair -> True (same story) / False (hard negative); pairs within stories come first."""
    out: dict[tuple[str, str], bool] = {}
    for s in stories():
        for i, x in enumerate(s):
            for y in s[i + 1 :]:
                out[(x, y)] = True
    for x, y in not_same_story():
        out[(x, y)] = False
    return out


if __name__ == "__main__":
    arts = load(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    labelled = pairs()
    multi = [s for s in stories() if len(s) > 1]
    print(
        f"{len(arts)} articles verified; {len(multi)} multi-article stories, "
        f"{sum(labelled.values())} same pairs, {len(labelled) - sum(labelled.values())} not-same pairs"
    )
