"""Where tasks run (KHABAR_TASK_RUNNER), and which Prefect API the runs report to."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from khabar import config


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
def prefect_api() -> Iterator[str]:
    """The configured Prefect API; without one, a temporary local server for this command, exported as
    PREFECT_API_URL so that worker processes (process and Dask runners) report to it instead of starting their own."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    url = get_current_settings().api.url
    if url:
        yield url
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()  # stopped at exit, after the last log lines are sent to it
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
