"""Opening the warehouse file: one writer at a time, and bounded waits while another process holds it."""

from __future__ import annotations

import fcntl
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


@contextmanager
def writer(path: str | Path, holder: str, log: Log | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer: khabar's writer lock, then a read-write connection. Each wait is bounded by
    KHABAR_LOCK_TIMEOUT: a run queued behind another run, then behind readers in other processes."""
    with write_lock(path, holder, log=log):
        con = connect(path, log=log)
        try:
            yield con
        finally:
            con.close()


def connect(path: str | Path, wait: float | None = None, log: Log | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the schema brought up to date, once no other process holds the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _retrying(lambda: _open_writable(path), path, wait, log)
    try:
        migrate(con)
    except Exception:
        con.close()
        raise
    return con


def _open_writable(path: Path) -> duckdb.DuckDBPyConnection:
    """The file attached with khabar's row group size, which DuckDB takes per attach, not from the file."""
    con = duckdb.connect()
    try:
        quoted = "'" + str(path).replace("'", "''") + "'"  # ATTACH takes no bound parameters
        con.execute(f"ATTACH {quoted} AS warehouse (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute("USE warehouse")
    except BaseException:
        con.close()
        raise
    return con


def connect_read_only(path: str | Path, wait: float | None = None, log: Log | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection; waits while a writer in another process holds the file."""
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
