"""(d) Speed of cleaning and metadata on text dumps, per core: the issue's target is 2,000 dumps/s.

Dumps come from `bench.generate` (five real templates, corpus stories), decoded before the clock
starts; the clock covers `clean` (boilerplate and metadata), the word count and body_sha256. Cleaning
remembers what it learnt of each line (key, shape, lexicon kind); a second pass over the same dumps
would find every line known. So each timed pass first makes it forget: the figure is for dumps never
seen before, which is what a run meets. The rate on dumps already seen is printed beside it.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import generate
from khabar.text.clean import clean, forget_lines
from khabar.text.decode import Decoded, decode_bytes
from khabar.text.digest import body_sha256
from khabar.text.normalize import word_count

TARGET = 2000


def dumps_per_second(count: int = 3000, passes: int = 3) -> tuple[float, float, int]:
    """Dumps per second, best of `passes`: on unseen dumps (nothing remembered), then on dumps seen before."""
    with tempfile.TemporaryDirectory(prefix="khabar-speed-") as tmp:
        generate(count, Path(tmp))
        texts = [
            decoded.text
            for path in sorted(Path(tmp).glob("*/*.txt"))
            if isinstance(decoded := decode_bytes(path.read_bytes()), Decoded)
        ]
    now = datetime.now(UTC)

    def seconds() -> float:
        started = time.perf_counter()
        for text in texts:
            body = clean(text, fetched_at=now).body
            word_count(body)
            body_sha256(body)
        return time.perf_counter() - started

    unseen = seen = float("inf")
    for _ in range(passes):
        forget_lines()
        unseen = min(unseen, seconds())
        seen = min(seen, seconds())
    return len(texts) / unseen, len(texts) / seen, len(texts)


def report() -> None:
    unseen, seen, count = dumps_per_second()
    gap = "target met" if unseen >= TARGET else f"{TARGET - unseen:,.0f} dumps/s short of the target"
    print(f"clean + metadata + body hash, one core, {count:,} generated dumps, best of 3: "
          f"{unseen:,.0f} dumps/s unseen (nothing remembered), {seen:,.0f} dumps/s seen before; "
          f"target {TARGET:,} (unseen): {gap}")  # fmt: skip
