"""Write N realistic Hindi news dumps: OUT_DIR/<outlet>/NNNNNN.txt, with republished and byte-identical copies,
and OUT_DIR/.manifest.tsv saying which story each file carries and how it was made.

python -m bench.generate N OUT_DIR [--seed 7]
"""

from __future__ import annotations

import argparse
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from random import Random

from bench.corpus import CORPUS, Story, load_pool
from bench.mutate import republish, story_for
from bench.templates import OUTLETS, Article, dateline, render

MANIFEST = ".manifest.tsv"  # ground truth per file: outlet, story number, kind, edits (khabar skips dot-files)


@dataclass(frozen=True)
class GenStats:
    files: int
    stories: int  # distinct stories (first publications)
    republished: int  # edited copies of an earlier story, on another outlet in another template
    exact_copies: int  # byte-identical copies of an earlier file, in another outlet's folder
    bytes: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.files:,} files, {self.stories:,} distinct stories, {self.republished:,} republished, "
            f"{self.exact_copies:,} exact copies, {self.bytes / 2**20:,.1f} MiB in {self.seconds:.1f} s"
        )


def generate(
    n: int,
    out_dir: Path,
    seed: int = 7,
    dup_share: float = 0.30,
    exact_share: float = 0.03,
    corpus: Path = CORPUS,
    first_story: int = 0,
) -> GenStats:
    """Write `n` dumps into `out_dir`; the same arguments always give the same bytes. Stories are numbered from
    `first_story`: the stories after those of a run with the same seed (a later day of the same news)."""
    started = time.perf_counter()
    pool = load_pool(corpus)
    order = list(range(len(pool)))
    Random(seed).shuffle(order)
    titles = [story.title for story in pool]
    rng = Random(seed)
    for name, _ in OUTLETS:
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    first_outlet = bytearray()  # per distinct story, the outlet that published it first
    outlet_of, story_of = bytearray(n), array("I", bytes(4 * n))  # per file
    republished = exact = size = 0
    with (out_dir / MANIFEST).open("w", encoding="utf-8") as manifest:
        manifest.write("file\toutlet\tstory\tkind\tedits\n")
        for i in range(n):
            roll = rng.random()
            if i and roll < exact_share:
                j = rng.randrange(i)
                k, outlet, kind, edits = story_of[j], _other_outlet(rng, outlet_of[j], True), "exact_copy", f"{j:06d}"
                data = _path(out_dir, outlet_of[j], j).read_bytes()
                exact += 1
            elif first_outlet and roll < exact_share + dup_share:
                k = rng.randrange(len(first_outlet))
                outlet, kind = _other_outlet(rng, first_outlet[k], False), "republished"
                article, edits = republish(
                    _printed(story_for(first_story + k, pool, order, seed), first_outlet[k]), rng
                )
                data = render(OUTLETS[outlet][1], article, rng, titles).encode()
                republished += 1
            else:
                k, outlet, kind, edits = len(first_outlet), rng.randrange(len(OUTLETS)), "first", ""
                article = _printed(story_for(first_story + k, pool, order, seed), outlet)
                first_outlet.append(outlet)
                data = render(OUTLETS[outlet][1], article, rng, titles).encode()
            outlet_of[i], story_of[i] = outlet, k
            path = _path(out_dir, outlet, i)
            path.write_bytes(data)
            manifest.write(f"{path.relative_to(out_dir)}\t{OUTLETS[outlet][0]}\t{first_story + k}\t{kind}\t{edits}\n")
            size += len(data)
    return GenStats(n, len(first_outlet), republished, exact, size, time.perf_counter() - started)


def _printed(story: Story, outlet: int) -> Article:
    """The story as first published: its dateline is in that outlet's style and stays with every copy."""
    place = story.place or "नई दिल्ली"
    return Article(story.title, dateline(OUTLETS[outlet][1], place, story.day), list(story.paras), story.day)


def _other_outlet(rng: Random, outlet: int, same_template_ok: bool) -> int:
    """Another outlet; for a republication, one whose page template differs too."""
    template = OUTLETS[outlet][1]
    choices = [o for o, (_, t) in enumerate(OUTLETS) if o != outlet and (same_template_ok or t != template)]
    return rng.choice(choices)


def _path(out_dir: Path, outlet: int, index: int) -> Path:
    return out_dir / OUTLETS[outlet][0] / f"{index:06d}.txt"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("n", type=int, help="number of dumps")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stats = generate(args.n, args.out_dir, args.seed)
    print(f"{args.out_dir}: {stats}")


if __name__ == "__main__":
    main()
