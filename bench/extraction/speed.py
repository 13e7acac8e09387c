"""(d) Speed of cleaning and metadata on text dumps, per core: the issue's target is 2,000 dumps/s.

Dumps come from `bench.generate` (five real templates, corpus stories), decoded before the clock
starts; the clock covers `clean` (boilerplate and metadata), the word count and body_sha256.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import generate
from khabar.tasks.clean import clean
from khabar.tasks.decode import Decoded, decode_bytes
from khabar.tasks.fingerprint import body_sha256
from khabar.tasks.normalize import word_count

TARGET = 2000


def dumps_per_second(count: int = 3000, passes: int = 3) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="khabar-speed-") as tmp:
        generate(count, Path(tmp))
        texts = [
            decoded.text
            for path in sorted(Path(tmp).glob("*/*.txt"))
            if isinstance(decoded := decode_bytes(path.read_bytes()), Decoded)
        ]
    now = datetime.now(UTC)
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for text in texts:
            body = clean(text, fetched_at=now).body
            word_count(body)
            body_sha256(body)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best, len(texts)


def report() -> None:
    rate, count = dumps_per_second()
    gap = "target met" if rate >= TARGET else f"{TARGET - rate:,.0f} dumps/s short of the target"
    print(f"clean + metadata + body hash: {rate:,.0f} dumps/s on one core ({count:,} generated dumps, best of 3); "
          f"target {TARGET:,}: {gap}")  # fmt: skip
