"""Settings, from the environment with defaults; flows take them as parameters."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DEFAULT_DB = "warehouse/khabar.duckdb"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BATCH_SIZE = 1000
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"


def db_path(given: str | None = None) -> str:
    """--db, else KHABAR_DB, else the default warehouse file."""
    return given or os.environ.get("KHABAR_DB") or DEFAULT_DB


def max_bytes() -> int:
    return int(os.environ.get("KHABAR_MAX_BYTES", DEFAULT_MAX_BYTES))


def batch_size() -> int:
    return int(os.environ.get("KHABAR_BATCH_SIZE", DEFAULT_BATCH_SIZE))


def staging_root() -> str:
    """Where batches wait for the load. Workers and the writer must all see it."""
    return os.environ.get("KHABAR_STAGING_DIR") or tempfile.gettempdir()
