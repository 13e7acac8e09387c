"""The physical limit of the pipeline here: parsing alone on every core, as the ingest task does it.

Each worker process reads a batch of dumps, decodes, cleans and takes metadata (`parse_batch`), then
fingerprints and stages the batch (`stage_parsed`: compact shingles, LSH bands, Parquet): the work of
the `ingest-batch` task, without Prefect, the warehouse look-up of known documents, or the load.

    python -m bench.parse_only DUMPS [--workers 2] [--batch-size 1000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from khabar import config
from khabar.inputs.discover import discover, read_inputs
from khabar.records import InputRef
from khabar.text.parse import ParseSettings, parse_batch
from khabar.warehouse.staging import stage_parsed


@dataclass(frozen=True)
class ParseRate:
    documents: int
    seconds: float
    workers: int

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def _batch(refs: list[InputRef], staging: str) -> int:
    docs = read_inputs(refs, config.max_bytes(), datetime.now(UTC))
    outcomes = parse_batch(docs, ParseSettings())
    stage_parsed(outcomes, [], staging, config.dedup_settings())
    return len(docs)


def parse_rate(paths: list[Path], workers: int | None = None, batch_size: int = 1000) -> ParseRate:
    """Documents per second of the parse step over `paths` on `workers` processes (default: every core)."""
    workers = workers or os.cpu_count() or 1
    refs = discover([str(p) for p in paths])
    batches = [refs[i : i + batch_size] for i in range(0, len(refs), batch_size)]
    with tempfile.TemporaryDirectory(prefix="khabar-parse-only-") as staging, ProcessPoolExecutor(workers) as pool:
        list(pool.map(_batch, batches[:workers], [staging] * workers))  # warm the workers: imports, regexes
        started = time.perf_counter()
        done = sum(pool.map(_batch, batches, [staging] * len(batches)))
        return ParseRate(done, time.perf_counter() - started, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    found = parse_rate(args.paths, args.workers, args.batch_size)
    print(f"parsing alone: {found.documents:,} documents in {found.seconds:.1f} s on {found.workers} processes "
          f"= {found.rate:,.0f} docs/s")  # fmt: skip


if __name__ == "__main__":
    main()
