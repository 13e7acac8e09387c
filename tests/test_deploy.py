"""The production path of docs/operations-production.md, end to end: a real `prefect server`, a process work pool,
`prefect deploy --all` from deployments/prefect.yaml, a real worker, and each deployment run with its defaults."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, SAMPLES, count_rows, prefect_http
from tests.test_serve import eventually, free_port, started

pytestmark = pytest.mark.slow

FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def test_deployments_run_on_a_process_worker_with_their_defaults(tmp_path: Path) -> None:
    home = tmp_path / "khabar-home"  # the project folder: the samples, and where the warehouse and exports go
    shutil.copytree(SAMPLES, home / "data" / "samples")
    api = f"http://127.0.0.1:{free_port()}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "KHABAR_HOME": str(home),
    }
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"
    logs = [server_log, worker_log]
    http = prefect_http(api)
    prefect = str(Path(sys.executable).with_name("prefect"))

    def post(path: str, body: dict[str, Any]) -> Any:
        response = http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def healthy() -> bool:
        try:
            return http.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    def cli(*args: str) -> None:
        result = subprocess.run(
            [prefect, "--no-prompt", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"prefect {' '.join(args)}\n{result.stdout}\n{result.stderr}"

    port = api.rsplit(":", 1)[1].split("/")[0]
    with started([prefect, "server", "start", "--host", "127.0.0.1", "--port", port], env, server_log):
        eventually("the Prefect server", healthy, 90, logs)
        cli("work-pool", "create", "khabar", "--type", "process")
        cli("deploy", "--prefect-file", "deployments/prefect.yaml", "--all")
        deployments = {d["name"]: d for d in post("/deployments/filter", {})}
        assert {"ingest-dumps", "fetch-and-ingest", "export-parquet"} <= set(deployments)
        assert deployments["ingest-dumps"]["job_variables"]["env"]["KHABAR_HOME"] == str(home)

        with started([prefect, "worker", "start", "--pool", "khabar"], env, worker_log):

            def start(name: str, body: dict[str, Any] | None = None) -> str:
                return str(post(f"/deployments/{deployments[name]['id']}/create_flow_run", body or {})["id"])

            def wait(run_id: str) -> dict[str, Any]:
                def finished() -> dict[str, Any] | None:
                    found = http.get(f"/flow_runs/{run_id}").json()
                    return found if found["state"]["type"] in FINAL else None

                return eventually(f"flow run {run_id} to finish", finished, 120, logs)

            def run(name: str) -> dict[str, Any]:
                return wait(start(name))

            ingest = run("ingest-dumps")
            assert ingest["state"]["type"] == "COMPLETED", ingest["state"]
            assert ingest["name"] == "ingest-dumps/samples-b1000"  # the run's name says what ran
            warehouse = home / "warehouse" / "khabar.duckdb"  # the default db, in the project folder
            rows = count_rows(str(warehouse))
            assert rows["documents"] == 5 and rows["articles"] == 5 and rows["runs"] == 1

            export = run("export-parquet")
            assert export["state"]["type"] == "COMPLETED", export["state"]
            exported = home / "warehouse" / "export"
            assert (exported / "articles.parquet").is_file() and (exported / "stories.parquet").is_file()
            artifacts = post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [export["id"]]}}})
            assert any(str(exported / "articles.parquet") in str(a["data"]) for a in artifacts)

            # Side by side: fetch-and-ingest on a new install (no sources.toml), and ingest-dumps as deployed
            # without KHABAR_HOME, which must fail loudly rather than read the worker's temporary folder.
            fetch_id = start("fetch-and-ingest")
            homeless = wait(start("ingest-dumps", {"job_variables": {"env": {"KHABAR_HOME": ""}}}))
            assert homeless["state"]["type"] == "FAILED" and "KHABAR_HOME" in homeless["state"]["message"]
            fetch = wait(fetch_id)  # nothing to do, and nothing failed
            assert fetch["state"]["type"] == "COMPLETED" and fetch["state"]["name"] == "Not configured"
            assert str(home / "sources.toml") in fetch["state"]["message"]

            blank = http.post(
                f"/deployments/{deployments['ingest-dumps']['id']}/create_flow_run",
                json={"parameters": {"paths": ["  "]}},
            )
            assert blank.status_code in (409, 422), blank.text  # the run form's blank item is refused
            assert count_rows(str(warehouse))["runs"] == 1
