"""Where tasks run (KHABAR_TASK_RUNNER), and which Prefect API the runs report to."""

from __future__ import annotations

import contextlib
import contextvars
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, wait
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from khabar import config
from khabar.flows.server import TemporaryServer

T = TypeVar("T")
R = TypeVar("R")


def task_runner() -> TaskRunner[Any]:
    """The runner of the batch tasks: processes (default), threads, or Dask (a local cluster, or a scheduler's
    address). Only batch tasks go to it; the writer always runs in the flow's own process."""
    name, workers = config.task_runner(), config.workers()
    if name == "process":
        return ProcessPoolTaskRunner(max_workers=workers, initializer=start_worker)
    if name == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        address = config.dask_address()
        if address:
            return DaskTaskRunner(address=address)
        cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
        return DaskTaskRunner(cluster_kwargs=cluster)
    return ThreadPoolTaskRunner(max_workers=workers)


class SubmittedAhead(Iterator[PrefectFuture[R]]):
    """The futures of `submit(item)`, in order, with at most `ahead` submitted and not yet taken: the taker (the
    writer) sets the pace, and a backfill's later batches wait as their refs, not as calls pickled for the pool
    (about 120 KB a batch of 1,000 files) nor as staged files. A thread of the flow run submits them (a task
    cannot: its context, parameters and all, would be pickled with each call). Each future also goes to
    `futures`; once the last is submitted, the process pool's workers are let go when done. `stop()` submits
    no more."""

    def __init__(
        self, submit: Callable[[T], PrefectFuture[R]], items: Iterable[T], ahead: int, futures: list[PrefectFuture[R]]
    ) -> None:
        self._slots = threading.Semaphore(ahead)
        self._ready: queue.Queue[PrefectFuture[R] | BaseException | None] = queue.Queue()
        self._stopped = threading.Event()
        self._releaser: threading.Thread | None = None

        def feed() -> None:
            try:
                for item in items:
                    while not self._slots.acquire(timeout=1):
                        if self._stopped.is_set():
                            return
                    if self._stopped.is_set():
                        return
                    futures.append(submit(item))
                    self._ready.put(futures[-1])
                self._releaser = release_workers_when_done(futures)
            except BaseException as error:  # the taker raises it
                self._ready.put(error)
            finally:
                self._ready.put(None)

        context = contextvars.copy_context()  # the flow run's
        self._feeder = threading.Thread(target=context.run, args=(feed,), name="khabar-submit-ahead", daemon=True)
        self._feeder.start()

    def __next__(self) -> PrefectFuture[R]:
        taken = self._ready.get()
        if taken is None:
            self._ready.put(None)  # done for good
            raise StopIteration
        if isinstance(taken, BaseException):
            raise taken
        self._slots.release()
        return taken

    def stop(self) -> None:
        self._stopped.set()

    def workers_released(self, timeout: float | None = None) -> None:
        """Wait until the feeder is done and the pool's workers were let go (`release_workers_when_done`)."""
        self._feeder.join(timeout)
        if self._releaser is not None:
            self._releaser.join(timeout)


# A pool shut down from two threads at once can close its result queue's pipe twice: the second close raises
# EBADF, or closes a descriptor the number was given to meanwhile. khabar's own shutdowns take this lock, and the
# flow waits for them (`wait_released`) before Prefect's runner shuts the pool down at the run's end.
_SHUTTING_DOWN = threading.Lock()


def release_workers_when_done(futures: Sequence[PrefectFuture[Any]]) -> threading.Thread | None:
    """Once these batch tasks are done (the last this flow run submits), let the process pool's workers exit:
    parsing ends long before the writer, and an idle worker holds its imports and heap (about 450 MiB in a run of
    100,000 dumps) to the end of the run. Other runners keep theirs. Returns the thread that lets them go, for the
    flow to wait for before it ends."""
    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    if not futures or not isinstance(runner, ProcessPoolTaskRunner):
        return None

    def release() -> None:
        with contextlib.suppress(Exception):  # a failed batch (a worker killed, say) is the flow's to report
            wait(list(futures))
        pool = getattr(runner, "_executor", None)  # Prefect's own pool for this flow run (a duplicate per run)
        if pool is not None:  # idle workers exit, reaped here; the runner's own shutdown at the run's end still runs
            with _SHUTTING_DOWN:
                pool.shutdown(wait=True)

    thread = threading.Thread(target=release, name="khabar-release-workers", daemon=True)
    thread.start()
    return thread


WORKERS_RELEASED_WITHIN = 60.0  # seconds a failed run waits for its workers to be let go before it reports


def wait_released(staged: object, releaser: threading.Thread | None, timeout: float | None = None) -> None:
    """Wait for khabar's own shutdown of the pool (`release_workers_when_done`), from the feeder of `staged` when
    the batches were submitted ahead, else from `releaser`."""
    if isinstance(staged, SubmittedAhead):
        staged.workers_released(timeout)
    if releaser is not None:
        releaser.join(timeout)


def drop_unstarted_batches(futures: Sequence[PrefectFuture[Any]]) -> None:
    """After a failed load: cancel the batch tasks that have not started (the rest of a backfill would be parsed
    for nothing before the failure is reported: 10 minutes of a 1M run), and wait for those under way. Dask's
    workers keep theirs."""
    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    pool = getattr(runner, "_executor", None)  # Prefect's own pool for this flow run (a duplicate per run)
    if isinstance(runner, ProcessPoolTaskRunner | ThreadPoolTaskRunner) and pool is not None:
        with _SHUTTING_DOWN:
            pool.shutdown(wait=False, cancel_futures=True)
    for future in futures:
        with contextlib.suppress(Exception):  # cancelled, or failed: the load's error is the one to report
            future.wait()


WORKER_NICENESS = 10  # added to a batch worker's niceness: the writer, the run's limit, keeps its core


def start_worker() -> None:
    """In each worker process: yield the CPU to the flow's process, whose writer is the run's limit (parsing
    runs ahead of it on what the writer leaves), and exit with the process that started it."""
    os.nice(WORKER_NICENESS)
    exit_with_parent()


def exit_with_parent() -> None:
    """In each worker process: exit once the process that started it is gone, so that a killed run leaves no
    workers behind (a pool's workers otherwise wait on it forever)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="khabar-exit-with-parent", daemon=True).start()


@contextmanager
def prefect_api(early: TemporaryServer | None = None) -> Iterator[str]:
    """The configured Prefect API; without one, a temporary local server for this command (`early`, when the
    command started it before importing Prefect), exported as PREFECT_API_URL so that worker processes (process
    and Dask runners) report to it instead of starting their own. Runs on khabar's own server send no heartbeats:
    nothing there watches for them, and a flow run waits for its heartbeat thread's next tick (up to 1 s) to end."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    settings = get_current_settings()
    if settings.api.url:
        if early is not None:
            early.stop()  # a profile names a server after all
        yield settings.api.url
        return
    server = early or TemporaryServer()
    url = server.wait_ready(settings.server.ephemeral.startup_timeout_seconds)  # stopped at exit, after the logs
    os.environ["PREFECT_API_URL"] = url
    refresh_global_settings_context()  # threads without our context (the process pool's event forwarder) see it
    try:
        with temporary_settings({PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        refresh_global_settings_context()
