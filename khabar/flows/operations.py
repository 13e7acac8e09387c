"""What a flow needs to behave in production: paths read against the project folder, run names that say what
ran, time limits. (The warehouse writer's global concurrency limit is in khabar.tasks.limits.)"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from prefect.runtime import deployment, flow_run

from khabar import config

TIMEOUT_INGEST = 6 * 3600  # seconds a flow run may take before Prefect fails it as timed out
TIMEOUT_FETCH = 2 * 3600
TIMEOUT_EXPORT = 3600


class ProjectFolderMissing(RuntimeError):
    """A deployment run read a relative path without KHABAR_HOME, inside the worker's temporary folder."""


def project_path(path: str) -> str:
    """`path` made absolute against the project folder (KHABAR_HOME, else the working directory). In a deployment
    run without KHABAR_HOME whose working directory is a temporary folder (what a process worker gives a run),
    a relative path would read or write into a folder deleted after the run: that fails loudly instead."""
    if not Path(path).expanduser().is_absolute() and not path.startswith("ducklake:") and _in_worker_temp_folder():
        raise ProjectFolderMissing(
            f"{path!r} is relative and KHABAR_HOME is not set: this deployment run works in a temporary folder "
            f"({Path.cwd()}) that is deleted after it. Set KHABAR_HOME to the project folder in the job "
            "variables (deployments/prefect.yaml takes it from the shell that runs `prefect deploy`), "
            "or give an absolute path."
        )
    return config.resolve(path)


def _in_worker_temp_folder() -> bool:
    if config.home_is_set() or deployment.get_id() is None:
        return False
    cwd = Path.cwd().resolve()  # a process worker's: tempfile.TemporaryDirectory(suffix="prefect")
    return cwd.parent == Path(tempfile.gettempdir()).resolve() and cwd.name.endswith("prefect")


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^\w.]+", "-", text.strip().strip("/")).strip("-").lower()
    return slug[:limit] or "-"


def _parameter(parameters: dict[str, Any], name: str, key: str) -> Any:
    value = parameters.get(name)
    if isinstance(value, dict):
        return value.get(key)
    return getattr(value, key, None)


def ingest_run_name() -> str:
    """ingest-dumps/data-samples-b1000: the first path (and how many more), the batch size."""
    parameters = flow_run.get_parameters()
    paths = [str(p) for p in parameters.get("paths") or []]
    what = _slug(Path(paths[0]).name or paths[0]) if paths else "nothing"
    if len(paths) > 1:
        what += f"-and-{len(paths) - 1}-more"
    size = _parameter(parameters, "batch", "batch_size") or config.DEFAULT_BATCH_SIZE
    return f"{flow_run.get_flow_name() or 'ingest-dumps'}/{what}-b{size}"


def fetch_run_name() -> str:
    """fetch-and-ingest/sources.toml-b1000."""
    parameters = flow_run.get_parameters()
    sources = Path(str(parameters.get("sources") or config.DEFAULT_SOURCES)).name
    size = _parameter(parameters, "batch", "batch_size") or config.DEFAULT_BATCH_SIZE
    return f"fetch-and-ingest/{_slug(sources)}-b{size}"


def export_run_name() -> str:
    """export-parquet/export-all or export-parquet/export-articles-runs."""
    parameters = flow_run.get_parameters()
    tables = parameters.get("tables") or ["all"]
    return f"export-parquet/{_slug(Path(str(parameters.get('out_dir') or 'export')).name)}-{'-'.join(tables)}"
