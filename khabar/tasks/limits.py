"""The warehouse writer's global concurrency limit: overlapping runs queue in Prefect, visibly, before the file lock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from khabar import config

WRITER_LIMIT = "khabar-warehouse-writer"  # one slot: one run writes at a time


@contextlib.contextmanager
def writer_slot(timeout: float | None = None) -> Iterator[None]:
    """The writer's slot of the global concurrency limit WRITER_LIMIT (made with one slot on first use). A second
    run waits here, shown on the UI's concurrency page, before the file lock. TimeoutError after `timeout` seconds
    (default KHABAR_LOCK_TIMEOUT)."""
    ensure_writer_limit()
    wait = config.lock_timeout() if timeout is None else timeout
    logger = get_run_logger()
    logger.info("waiting for a slot of the concurrency limit %s", WRITER_LIMIT)
    with concurrency(WRITER_LIMIT, occupy=1, timeout_seconds=wait, strict=True):
        logger.info("took the slot of %s", WRITER_LIMIT)
        yield


def ensure_writer_limit() -> None:
    """Create WRITER_LIMIT with one slot unless it exists: by `khabar serve`, and by every run before it writes,
    so deployments made with `prefect deploy` get it too. An operator may raise or deactivate it in the UI."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WRITER_LIMIT)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # another run made it in between
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WRITER_LIMIT, limit=1))
