"""The warehouse writer's global concurrency limit: overlapping runs queue in Prefect, visibly, before the file lock."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from khabar import config
from khabar.warehouse import db as warehouse_db

LEASE_SECONDS = 60  # Prefect's shortest lease: a persistent server frees a dead holder's slot a minute after
POLL_SECONDS = 5.0  # a waiting run looks for a slot left by a killed run this often


def writer_limit(db: str) -> str:
    """The limit's name for the warehouse file `db`: one writer per warehouse, readable on the Concurrency page."""
    path = Path(db).resolve()
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "warehouse"
    return f"khabar-writer-{stem}-{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"


@contextlib.contextmanager
def writer_slot(db: str, timeout: float | None = None) -> Iterator[None]:
    """The slot of the warehouse's global concurrency limit (one slot, made on first use). A second run waits here,
    shown on the UI's Concurrency page, before the file lock. A slot whose holder died (kill -9, a lost machine) is
    freed at once when no process holds the file lock: temporary servers never expire leases. TimeoutError after
    `timeout` seconds (default KHABAR_LOCK_TIMEOUT)."""
    if warehouse_db.is_lake(db):  # a DuckLake orders its writers at commit; none waits for another
        yield
        return
    name = writer_limit(db)
    ensure_writer_limit(name)
    wait = config.lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + wait
    logger = get_run_logger()
    said = False
    with contextlib.ExitStack() as stack:
        while True:
            _free_stale_slot(name, db, logger.warning)
            poll = max(min(POLL_SECONDS, deadline - time.monotonic()), 0.1)
            try:
                slot = concurrency(name, occupy=1, timeout_seconds=poll, lease_duration=LEASE_SECONDS, strict=True)
                stack.enter_context(slot)
                break
            except TimeoutError:
                if time.monotonic() >= deadline:
                    raise
                if not said:
                    logger.info("waiting for the slot of the concurrency limit %s: another run writes %s", name, db)
                    said = True
        logger.info("took the slot of %s", name)
        yield


def _free_stale_slot(name: str, db: str, warn: warehouse_db.Log) -> None:
    """Zero the limit's taken slots when no live process holds the warehouse's file lock: the run that took them
    was killed. (A holder takes the file lock right after its slot, so the gap is milliseconds, and a run let in
    through it still waits its turn on the file lock.)"""
    with get_client(sync_client=True) as client:
        taken = client.read_global_concurrency_limit_by_name(name).active_slots
        if taken and not warehouse_db.has_live_writer(db):
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
            warn(f"freed {taken} slot(s) of {name} left by a run that died while writing {db}")


def ensure_writer_limit(name: str) -> None:
    """Create the limit `name` with one slot unless it exists: by `khabar serve`, and by every run before it writes,
    so deployments made with `prefect deploy` get it too. An operator may deactivate it in the UI."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # another run made it in between
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
