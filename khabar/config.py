"""Settings, from the environment with defaults; flows take them as parameters."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_DB = "warehouse/khabar.duckdb"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BATCH_SIZE = 1000
DEFAULT_LOAD_CHUNK = 5_000
DEFAULT_WRITER_MEMORY = "512MiB"
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"


def home() -> Path:
    """KHABAR_HOME, else the working directory: the project folder that relative paths of flow parameters
    (paths, db, out_dir, sources, landing_dir) are read against. A process worker starts each flow run in a
    fresh temporary folder, so a deployment must set it (deployments/prefect.yaml does, from the deploying shell)."""
    value = os.environ.get("KHABAR_HOME", "").strip()
    if "{{" in value:
        raise ValueError(
            f"KHABAR_HOME is {value!r}, a template `prefect deploy` could not fill: export KHABAR_HOME (the project "
            "folder) in the shell that runs `prefect deploy`, then deploy again"
        )
    return Path(value).expanduser().absolute() if value else Path.cwd()


def home_is_set() -> bool:
    return bool(os.environ.get("KHABAR_HOME", "").strip())


def resolve(path: str | Path) -> str:
    """`path` read against home(): absolute under KHABAR_HOME when that is set, else as given (the working
    directory is home). Absolute paths and DuckLake catalog names (ducklake:...) are left as they are."""
    text = str(path)
    if text.startswith("ducklake:") or Path(text).expanduser().is_absolute() or not home_is_set():
        return text
    return str(home() / Path(text).expanduser())


def db_path(given: str | None = None) -> str:
    """--db, else KHABAR_DB, else the default warehouse file. A DuckLake catalog is named as DuckDB names it:
    `ducklake:/path/catalog.ducklake` (a DuckDB file as the catalog) or `ducklake:postgres:dbname=… host=…`."""
    return given or os.environ.get("KHABAR_DB") or DEFAULT_DB


LAKE_PREFIX = "ducklake:"


def is_lake(db: str) -> bool:
    """The warehouse is a DuckLake catalog, not a DuckDB file."""
    return db.startswith(LAKE_PREFIX)


def lake_catalog_file(db: str) -> Path | None:
    """The catalog's own file of a DuckLake on a DuckDB (or SQLite) file; None for a catalog on a server."""
    target = db.removeprefix(LAKE_PREFIX)
    if target.startswith(("postgres:", "mysql:")):
        return None
    return Path(target.removeprefix("sqlite:").removeprefix("duckdb:"))


def data_path(db: str) -> str | None:
    """KHABAR_DATA_PATH: where a DuckLake keeps its Parquet files (a folder every loading machine sees, or
    object storage). A new catalog records it; an existing one keeps its own, and a KHABAR_DATA_PATH that
    disagrees with it is an error. Unset: `<catalog file>.files` beside a new DuckDB-file catalog, DuckDB's
    own default; a new catalog on a server needs it said. None: name no data path."""
    given = os.environ.get("KHABAR_DATA_PATH")
    if given:
        return given if "://" in given else str(Path(given).resolve())
    catalog = lake_catalog_file(db)
    return str(catalog.resolve()) + ".files" if catalog and not catalog.exists() else None


def display_db(db: str) -> str:
    """The warehouse as a summary prints it: a file's absolute path, a DuckLake URI as given."""
    return db if is_lake(db) else str(Path(db).resolve())


def max_bytes() -> int:
    return int(os.environ.get("KHABAR_MAX_BYTES", DEFAULT_MAX_BYTES))


def batch_size() -> int:
    return int(os.environ.get("KHABAR_BATCH_SIZE", DEFAULT_BATCH_SIZE))


_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
WRITER_MEMORY_GROWTH = 4  # a chunk that runs out of DuckDB's memory is done again with twice as much, up to 4 times


def writer_memory() -> int:
    """KHABAR_WRITER_MEMORY, in bytes: DuckDB's memory_limit in the writer (512MiB). Past it DuckDB spills to its
    temporary folder beside the warehouse; a chunk that still runs out of memory (256MiB did, 5,000 dumps against
    100,000) is done again with twice the limit, up to WRITER_MEMORY_GROWTH times it, for the rest of the run."""
    value = (os.environ.get("KHABAR_WRITER_MEMORY") or DEFAULT_WRITER_MEMORY).strip()
    if not (found := _MEMORY.fullmatch(value)):
        raise ValueError(f"KHABAR_WRITER_MEMORY={value!r}: expected an amount such as 2GiB or 512MB")
    return int(float(found[1]) * _UNITS[found[2].lower()])


def arrow_pool_is_set() -> bool:
    """ARROW_DEFAULT_MEMORY_POOL, Arrow's own setting: when set, it chooses Arrow's allocator, not khabar."""
    return bool(os.environ.get("ARROW_DEFAULT_MEMORY_POOL"))


def load_chunk() -> int:
    """KHABAR_LOAD_CHUNK: documents the writer commits at once. A longer run commits in chunks, each complete,
    and stays `partial` in `runs` until its last: memory follows the chunk, not the run."""
    return max(1, int(os.environ.get("KHABAR_LOAD_CHUNK") or DEFAULT_LOAD_CHUNK))


def landing_dir(db: str) -> str:
    """KHABAR_LANDING_DIR, else `landing/` beside the warehouse file (or a DuckLake's catalog file; beside the
    default warehouse for a catalog on a server): fetched pages, raw."""
    if given := os.environ.get("KHABAR_LANDING_DIR"):
        return given
    beside = (lake_catalog_file(db) or Path(DEFAULT_DB)) if is_lake(db) else Path(db)
    return str(beside.parent / "landing")


def staging_root() -> str:
    """Where batches wait for the load. Workers and the writer must all see it."""
    return os.environ.get("KHABAR_STAGING_DIR") or tempfile.gettempdir()


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """Thresholds of near-duplicate matching. Defaults are chosen on bench/dedup's labelled set."""

    ngram: int = 5  # words per shingle
    num_perm: int = 120  # MinHash permutations
    bands: int = 40  # LSH bands; rows per band = num_perm // bands
    min_jaccard: float = 0.5  # shingle Jaccard at which two bodies are the same copy, lightly edited
    min_containment: float = 0.8  # share of the shorter body's shingles found in the longer one
    min_number_agreement: float = 0.67  # share of the shorter body's numbers found in the other
    min_numbers: int = 1  # bodies with fewer numbers skip the number check
    min_shared_bands: int = 2  # LSH bands two bodies must share to be compared at all
    min_paragraph_containment: float = 0.6  # share of a body in a run of its paragraphs copied in order; >1: off
    paragraph_copy: float = 0.5  # share of a paragraph's shingles found in the other body that makes it a copy
    min_paragraph_shingles: int = 8  # shorter paragraphs count neither as copies nor get paragraph LSH keys
    min_shared_paragraph_keys: int = 3  # anchor keys (runs of n + 4 words) two bodies must share to be compared
    publish_window_days: float = 7.0  # copies published further apart than this are not one story; 0: off
    paragraph_window_hours: float = 24.0  # paragraph evidence alone joins copies published less than this apart

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


# Verification thresholds can change at any time. ngram, num_perm and bands shape the LSH keys stored
# with every article, so they are not settings: changing them means re-fingerprinting the archive.
DEDUP_SETTINGS = (
    "min_jaccard",
    "min_containment",
    "min_number_agreement",
    "min_numbers",
    "min_shared_bands",
    "min_paragraph_containment",
    "paragraph_copy",
    "min_shared_paragraph_keys",
    "publish_window_days",
    "paragraph_window_hours",
)


def dedup_settings() -> DedupSettings:
    """DedupSettings with KHABAR_DEDUP_MIN_JACCARD and its siblings applied (KHABAR_DEDUP_PUBLISH_WINDOW_DAYS:
    copies published further apart are different stories, default 7, 0 off; KHABAR_DEDUP_MIN_PARAGRAPH_CONTAINMENT:
    paragraph evidence, above 1 off)."""
    types = {f.name: f.type for f in fields(DedupSettings)}
    changes: dict[str, float | int] = {}
    for name in DEDUP_SETTINGS:
        value = os.environ.get(f"KHABAR_DEDUP_{name.upper()}")
        if value:
            changes[name] = int(value) if types[name] in ("int", int) else float(value)
    return replace(DedupSettings(), **changes)  # type: ignore[arg-type]


def window_days() -> int | None:
    """KHABAR_DEDUP_WINDOW_DAYS: only articles seen this many days back are candidates (default: all)."""
    value = os.environ.get("KHABAR_DEDUP_WINDOW_DAYS")
    return int(value) if value else None


# Where and how runs execute: read by the process running the flow, never flow parameters.
TASK_RUNNERS = ("thread", "process", "dask")
DEFAULT_LOCK_TIMEOUT = 600.0


def task_runner() -> str:
    """KHABAR_TASK_RUNNER: process (default: parsing on every core), thread or dask."""
    name = (os.environ.get("KHABAR_TASK_RUNNER") or "process").strip().lower()
    if name not in TASK_RUNNERS:
        raise ValueError(f"KHABAR_TASK_RUNNER={name!r}: expected one of {', '.join(TASK_RUNNERS)}")
    return name


def workers() -> int:
    """KHABAR_WORKERS: batch tasks run at once (threads, processes or local Dask workers); default the CPU count."""
    return int(os.environ.get("KHABAR_WORKERS") or os.cpu_count() or 1)


def dask_address() -> str | None:
    """KHABAR_DASK_ADDRESS: an existing Dask scheduler (tcp://host:8786); unset: a local cluster per run."""
    return os.environ.get("KHABAR_DASK_ADDRESS") or None


def lock_timeout() -> float:
    """KHABAR_LOCK_TIMEOUT: seconds a run waits for the warehouse while another process holds it; on a
    DuckLake, seconds a load keeps retrying after conflicting with another writer's commit."""
    return float(os.environ.get("KHABAR_LOCK_TIMEOUT") or DEFAULT_LOCK_TIMEOUT)


DEFAULT_KEEP_SERVER = 900.0


def keep_server_seconds() -> float:
    """KHABAR_KEEP_SERVER: without PREFECT_API_URL, commands share a local Prefect server that stops this many
    seconds after the last one ended (default 900); 0: each command starts its own, which dies with it."""
    return float(os.environ.get("KHABAR_KEEP_SERVER") or DEFAULT_KEEP_SERVER)


def server_state_dir() -> Path:
    """Where the kept server is recorded: $XDG_STATE_HOME/khabar (else ~/.local/state/khabar), one folder per
    PREFECT_HOME, since the server keeps its runs in that home's database."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "khabar"
    prefect_home = str(Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser().resolve())
    return base / f"server-{hashlib.sha1(prefect_home.encode()).hexdigest()[:10]}"


DEFAULT_SOURCES = "sources.toml"


def sources_path(given: str | None = None) -> str:
    """--sources, else KHABAR_SOURCES, else sources.toml in the working folder."""
    return given or os.environ.get("KHABAR_SOURCES") or DEFAULT_SOURCES


def fetch_allow_private() -> bool:
    """KHABAR_FETCH_ALLOW_PRIVATE: fetch from private, loopback and link-local addresses (tests, intranets)."""
    return os.environ.get("KHABAR_FETCH_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")


def sql_max_rows() -> int:
    """KHABAR_SQL_MAX_ROWS: rows `khabar sql` prints in its table format before eliding the middle."""
    return int(os.environ.get("KHABAR_SQL_MAX_ROWS") or 40)


# Outlet templates: a head or tail unit an outlet printed under this many distinct stories is its template.
DEFAULT_TEMPLATE_MIN_STORIES = 5


def template_min_stories() -> int:
    """KHABAR_TEMPLATE_MIN_STORIES: distinct stories that make an outlet's head or tail unit a template; 0: off."""
    return int(os.environ.get("KHABAR_TEMPLATE_MIN_STORIES") or DEFAULT_TEMPLATE_MIN_STORIES)


def notify_block() -> str | None:
    """KHABAR_NOTIFY_BLOCK: a Prefect notification block, as type-slug/name (say custom-webhook/khabar-alerts or
    slack-webhook/ops). `khabar serve` then makes an automation that sends to it when a khabar run fails."""
    return os.environ.get("KHABAR_NOTIFY_BLOCK", "").strip() or None
