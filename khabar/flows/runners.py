"""Where tasks run (KHABAR_TASK_RUNNER), and which Prefect API the runs report to."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from khabar import config
from khabar.flows.server import TemporaryServer


def task_runner() -> TaskRunner[Any]:
    """The runner of the batch tasks: threads (default), processes, or Dask (a local cluster, or a scheduler's
    address). Only batch tasks go to it; the writer always runs in the flow's own process."""
    name, workers = config.task_runner(), config.workers()
    if name == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if name == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        address = config.dask_address()
        if address:
            return DaskTaskRunner(address=address)
        cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
        return DaskTaskRunner(cluster_kwargs=cluster)
    return ThreadPoolTaskRunner(max_workers=workers)


@contextmanager
def prefect_api(early: TemporaryServer | None = None) -> Iterator[str]:
    """The configured Prefect API; without one, a temporary local server for this command (`early`, when the
    command started it before importing Prefect), exported as PREFECT_API_URL so that worker processes (process
    and Dask runners) report to it instead of starting their own."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    settings = get_current_settings()
    if settings.api.url:
        if early is not None:
            early.stop()  # a profile names a server after all
        yield settings.api.url
        return
    server = early or TemporaryServer()
    url = server.wait_ready(settings.server.ephemeral.startup_timeout_seconds)  # stopped at exit, after the logs
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
