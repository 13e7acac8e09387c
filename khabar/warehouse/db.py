"""Opening the warehouse: a DuckDB file (the default) or a DuckLake catalog.

A DuckDB file has one writer at a time (khabar's writer lock, then DuckDB's file lock), with bounded waits
while another process holds it. A DuckLake keeps its catalog in a database (PostgreSQL for a team, or a
DuckDB file for one process) and its rows in Parquet files under its data path: readers see snapshots and
never wait, writers take no lock, and a load that conflicts with another writer's commit is retried
(`retry_conflicts`). The DuckLake extension and the catalog's database extension are loaded from their
PyPI wheels, pinned with duckdb, so nothing is downloaded.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from khabar import config
from khabar.warehouse.migrate import migrate
from khabar.warehouse.scratch import held_folder

Log = Callable[[str], None]
T = TypeVar("T")
FIRST_DELAY, MAX_DELAY = 0.05, 2.0  # seconds between attempts: doubling, capped
# Rows per row group for writes. A checkpoint rewrites every row group a run appended to; at DuckDB's default
# (122,880) that is the whole last group of bodies, 3 s for a 1k-article run on a 100k archive, 0.2 s at this.
ROW_GROUP_SIZE = 16_384


class WarehouseMissing(FileNotFoundError):
    pass


class WarehouseBusy(RuntimeError):
    """Another process held the warehouse for longer than KHABAR_LOCK_TIMEOUT."""


class LakeUnavailable(RuntimeError):
    """A DuckLake catalog cannot be opened: its extension is missing, or a new catalog has no data path."""


def is_lake(db: str | Path) -> bool:
    return isinstance(db, str) and config.is_lake(db)


@contextmanager
def writer(path: str | Path, holder: str, log: Log | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer: khabar's writer lock, then a read-write connection. Each wait is bounded by
    KHABAR_LOCK_TIMEOUT: a run queued behind another run, then behind readers in other processes.
    On a DuckLake there is no lock to take: concurrent writers are ordered at commit (`retry_conflicts`)."""
    if is_lake(path):
        with held_folder(config.staging_root(), "khabar-spill-") as spill:
            con = connect(path, log=log, spill=spill)
            try:
                yield con
            finally:
                con.close()
        return
    with write_lock(path, holder, log=log):
        con = connect(path, log=log)
        try:
            yield con
        finally:
            con.close()


def _limit_memory(con: duckdb.DuckDBPyConnection, spill: str | None) -> None:
    """DuckDB's memory limit, and where it spills past it. The warehouse is attached to an in-memory connection,
    whose own default is `.tmp` in the current directory: wherever the command was started from."""
    set_memory_limit(con, config.writer_memory())
    if spill:
        con.execute(f"SET temp_directory = {_quoted(spill)}")


def set_memory_limit(con: duckdb.DuckDBPyConnection, limit: int) -> None:
    con.execute(f"SET memory_limit = '{int(limit)}B'")  # a number: no quote can reach it


def connect(
    path: str | Path, wait: float | None = None, log: Log | None = None, spill: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the schema brought up to date, once no other process holds the file. Its
    memory is limited (KHABAR_WRITER_MEMORY) before migrating, which may rebuild whole tables; past the limit
    it spills to `spill`, for a file by default `<db>.tmp`."""
    if is_lake(path):
        db = str(path)
        con = _wait_for(lambda: _open_lake(db, read_only=False), _lake_busy, Path(db), wait, log)
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _retrying(lambda: _open_writable(path), path, wait, log)
        spill = spill or f"{path}.tmp"
    try:
        _limit_memory(con, spill)
        retry_conflicts(lambda: migrate(con), path, log, wait)  # two processes migrating a new catalog at once
    except Exception:
        con.close()
        raise
    return con


def retry_conflicts(attempt: Callable[[], T], path: str | Path, log: Log | None = None, wait: float | None = None) -> T:
    """`attempt()` (a whole transaction) again while its commit conflicts with another writer's on a DuckLake
    catalog, with backoff, for up to KHABAR_LOCK_TIMEOUT seconds. On a DuckDB file commits never conflict
    (one writer at a time), so it runs once."""
    return _wait_for(attempt, _lake_conflict, Path(str(path)), wait, log)


def _lake_conflict(error: BaseException) -> str | None:
    """DuckLake's error for a commit that lost to another writer's (or a catalog database that was busy)."""
    if not isinstance(error, duckdb.TransactionException):
        return None
    message = str(error)
    if "DuckLake" in message and ("conflict" in message.lower() or "database is locked" in message):
        return "another writer committed first: " + " ".join(message.split())[:300]
    return None


# The extensions a DuckLake needs, as their PyPI wheels install them: (module, extension).
_LAKE_EXTENSIONS = {
    "ducklake": ("duckdb_extension_ducklake", "ducklake"),
    "postgres": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
    "sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
}


def extension_file(module: str, name: str) -> Path | None:
    """The extension file a `duckdb-extension-*` wheel installs for this duckdb, if it is installed."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "extensions" / f"v{duckdb.__version__}"
    path /= f"{name}.duckdb_extension"
    return path if path.is_file() else None


def load_lake(con: duckdb.DuckDBPyConnection, db: str) -> None:
    """Load the DuckLake extension, and the one of the catalog's database, from their wheels' files (else as
    DuckDB finds them installed already); never downloads."""
    con.execute("SET autoinstall_known_extensions = false")
    target = db.removeprefix(config.LAKE_PREFIX)
    wanted = ["ducklake"] + [kind for kind in ("postgres", "sqlite") if target.startswith(kind + ":")]
    for kind in wanted:
        module, name = _LAKE_EXTENSIONS[kind]
        path = extension_file(module, name)
        try:
            con.execute("LOAD " + (_quoted(str(path)) if path else name))
        except duckdb.Error as error:
            raise LakeUnavailable(
                f"the {name} extension is not installed for duckdb {duckdb.__version__}: "
                f"pip install {module.replace('_', '-')}=={duckdb.__version__}"
            ) from error


def _open_lake(db: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The DuckLake catalog attached as `warehouse`. A writer names the data path for a new catalog, which
    records it (config.data_path)."""
    con = duckdb.connect()
    try:
        load_lake(con, db)
        options = []
        if read_only:
            options.append("READ_ONLY")
        else:
            if catalog := config.lake_catalog_file(db):
                catalog.parent.mkdir(parents=True, exist_ok=True)
            if data := config.data_path(db):
                options.append(f"DATA_PATH {_quoted(data)}")
        try:
            con.execute(f"ATTACH {_quoted(db)} AS warehouse" + (f" ({', '.join(options)})" if options else ""))
        except duckdb.Error as error:
            if "does not match existing data path" in str(error):
                raise LakeUnavailable(f"KHABAR_DATA_PATH disagrees with the catalog's own: {error}") from error
            if "data_path is not set" in str(error):
                raise LakeUnavailable(
                    f"{db} is a new DuckLake catalog: set KHABAR_DATA_PATH to the folder (shared by every "
                    "machine that loads) where its Parquet files go"
                ) from error
            if "does not exist" in str(error) and read_only:
                raise WarehouseMissing(
                    f"no DuckLake at {db}: run `khabar run` or `khabar ingest PATH` first"
                ) from error
            raise
        con.execute("USE warehouse")
    except BaseException:
        con.close()
        raise
    return con


def _quoted(text: str) -> str:
    """A SQL string literal: ATTACH and LOAD take no bound parameters."""
    return "'" + text.replace("'", "''") + "'"


def _open_writable(path: Path) -> duckdb.DuckDBPyConnection:
    """The file attached with khabar's row group size, which DuckDB takes per attach, not from the file."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_quoted(str(path))} AS warehouse (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute("USE warehouse")
    except BaseException:
        con.close()
        raise
    return con


def connect_read_only(path: str | Path, wait: float | None = None, log: Log | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection; waits while a writer in another process holds the file. On a DuckLake it reads
    the latest snapshot and never waits for writers (but a catalog in a DuckDB file is one process's at a
    time, so there it waits like a warehouse file)."""
    if is_lake(path):
        db = str(path)
        catalog = config.lake_catalog_file(db)
        if catalog is not None and not catalog.exists():
            raise WarehouseMissing(f"no DuckLake catalog at {catalog}: run `khabar run` or `khabar ingest PATH` first")
        return _retrying(lambda: _open_lake(db, read_only=True), Path(db), wait, log)
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `khabar run` or `khabar ingest PATH` first")
    return _retrying(lambda: duckdb.connect(str(path), read_only=True), path, wait, log)


@contextmanager
def write_lock(path: str | Path, holder: str, wait: float | None = None, log: Log | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock (an flock on `<db>.lock`): a second writer waits its turn."""
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:

        def take() -> None:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)

        def busy(error: BaseException) -> str | None:
            if not isinstance(error, BlockingIOError):
                return None
            handle.seek(0)
            return f"another khabar run is writing ({handle.read().strip() or 'holder unknown'})"

        _wait_for(take, busy, Path(path), wait, log)
        try:
            handle.truncate(0)
            handle.write(f"pid {os.getpid()}, {holder}\n")
            handle.flush()
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def has_live_writer(path: str | Path) -> bool:
    """Whether a live process holds the warehouse's writer lock now. The OS drops an flock with its process, so
    unlike any record a killed run left behind, a free lock proves that no run is writing."""
    lock_path = Path(f"{path}.lock")
    if not lock_path.exists():
        return False
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _retrying(
    open_: Callable[[], duckdb.DuckDBPyConnection], path: Path, wait: float | None, log: Log | None
) -> duckdb.DuckDBPyConnection:
    return _wait_for(open_, _duckdb_lock_holder, path, wait, log)


def _wait_for(
    attempt: Callable[[], T],
    busy: Callable[[BaseException], str | None],
    path: Path,
    wait: float | None,
    log: Log | None,
) -> T:
    """`attempt()` until it stops failing with an error `busy` explains: backoff, bounded by `wait` seconds."""
    wait = config.lock_timeout() if wait is None else wait
    deadline, delay = time.monotonic() + wait, FIRST_DELAY
    while True:
        try:
            return attempt()
        except Exception as error:
            holder = busy(error)
            if holder is None:
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseBusy(
                    f"the warehouse {path} stayed busy for {wait:g} s (KHABAR_LOCK_TIMEOUT): {holder}. "
                    "Close readers such as `khabar sql` or the duckdb CLI, or raise KHABAR_LOCK_TIMEOUT; "
                    "nothing was written, and the next run picks up these inputs."
                ) from error
            if delay == FIRST_DELAY and log:
                log(f"waiting up to {wait:g} s for the warehouse {path}: {holder}")
            time.sleep(min(delay, left))
            delay = min(delay * 2, MAX_DELAY)


def _lake_busy(error: BaseException) -> str | None:
    """A DuckLake catalog file held by another process, or a new catalog another process is creating now."""
    if isinstance(error, duckdb.Error) and "Failed to initialize DuckLake" in str(error):
        return "another process is creating the DuckLake catalog"
    return _duckdb_lock_holder(error)


def _duckdb_lock_holder(error: BaseException) -> str | None:
    """DuckDB's lock error names the process holding the file; other errors are not a busy warehouse."""
    message = str(error)
    if not isinstance(error, duckdb.IOException) or "lock" not in message.lower():
        return None
    match = re.search(r"held in (.+?) \(PID (\d+)\)", message)
    return f"process {match.group(2)} ({match.group(1)}) has it open" if match else message.split("\n")[0]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """Arrow tables visible to SQL under their keyword names for the block: bulk input without executemany."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


def id_table(values: Iterable[str], column: str = "article_id") -> pa.Table:
    """A one-column table of ids to join against (list parameters are slow to bind)."""
    return pa.table({column: pa.array(sorted(values), pa.string())})
