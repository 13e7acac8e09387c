"""End to end: a real `prefect server`, `khabar serve`, a run started through the API with custom parameters."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pytest_httpserver import HTTPServer

from khabar.flows.deployments import default_definitions, read_definitions
from tests.conftest import FIXTURES, ROOT, SAMPLES, count_rows, prefect_http

pytestmark = pytest.mark.slow
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process in its own session; on the way out it and everything it started are stopped, even on failure."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=grace)
                os.killpg(proc.pid, signal.SIGKILL)  # children the leader left behind
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                pass
            break


def eventually(what: str, probe: Callable[[], T | None], timeout: float, logs: list[Path]) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.5)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


def test_served_deployments_run_on_a_real_server(tmp_path: Path, httpserver: HTTPServer) -> None:
    api = f"http://127.0.0.1:{free_port()}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "KHABAR_DB": str(tmp_path / "default.duckdb"),
        "KHABAR_HOME": str(tmp_path),  # the project folder: it has no sources.toml
        "KHABAR_MAX_BYTES": "123456",  # this machine's setting, a served default
        "KHABAR_NOTIFY_BLOCK": "custom-webhook/khabar-alerts",
    }
    httpserver.expect_request("/alerts", method="POST").respond_with_data("ok")
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    logs = [server_log, serve_log]
    http = prefect_http(api)

    def post(path: str, body: dict[str, Any]) -> Any:
        response = http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def healthy() -> bool:
        try:
            return http.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    prefect = str(Path(sys.executable).with_name("prefect"))
    port = api.rsplit(":", 1)[1].split("/")[0]
    with started([prefect, "server", "start", "--host", "127.0.0.1", "--port", port], env, server_log):
        eventually("the Prefect server", healthy, 90, logs)
        from prefect.blocks.notifications import CustomWebhookNotificationBlock
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api}):  # the operator's notification block: a webhook here
            hook = {"subject": "{{subject}}", "body": "{{body}}"}
            block = CustomWebhookNotificationBlock(name="alerts", url=httpserver.url_for("/alerts"), json_data=hook)
            block.save("khabar-alerts")
        with started([sys.executable, "-m", "khabar.cli", "serve"], env, serve_log):
            wanted = {d.name for d in read_definitions(default_definitions())}

            def deployments() -> dict[str, dict[str, Any]] | None:
                found = {d["name"]: d for d in post("/deployments/filter", {})}
                return found if wanted <= set(found) else None

            served = eventually("the served deployments", deployments, 90, logs)
            ingest = served["ingest-dumps"]
            assert ingest["parameters"]["db"] == env["KHABAR_DB"]  # this machine's settings are the defaults
            assert ingest["parameters"]["batch"]["max_bytes"] == 123456
            assert served["fetch-and-ingest"]["schedules"] == []  # no sources file: not scheduled to fail
            assert "Not scheduled: no sources file" in served["fetch-and-ingest"]["description"]

            # The server refuses values the parameter schema does not allow.
            bad = http.post(
                f"/deployments/{ingest['id']}/create_flow_run",
                json={"parameters": {"paths": [str(SAMPLES)], "batch": {"batch_size": 0}}},
            )
            assert bad.status_code in (409, 422) and "batch_size" in bad.text

            db = str(tmp_path / "custom.duckdb")
            params = {"paths": [str(SAMPLES), str(FIXTURES / "inputs")], "db": db, "batch": {"batch_size": 4}}
            run = post(f"/deployments/{ingest['id']}/create_flow_run", {"parameters": params})

            def finished_run(run_id: str) -> dict[str, Any] | None:
                state = http.get(f"/flow_runs/{run_id}").json()["state"]
                return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

            def finished() -> dict[str, Any] | None:
                return finished_run(run["id"])

            state = eventually("the ingest run to finish", finished, 120, logs)
            assert state["type"] == "COMPLETED", state

            rows = count_rows(db)
            assert rows["documents"] == 23 and rows["articles"] == 14 and rows["runs"] == 1
            import duckdb

            con = duckdb.connect(db, read_only=True)
            recorded = json.loads(con.execute("SELECT params FROM runs").fetchall()[0][0])
            con.close()
            # The run set batch_size only: the served max_bytes and min_body_words were kept, field by field.
            assert recorded["batch_size"] == 4 and recorded["max_bytes"] == 123456 and recorded["min_body_words"] == 20
            assert not Path(env["KHABAR_DB"]).exists()  # the run's own db parameter won

            artifacts = {
                a["key"]: a for a in post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
            }
            summary = artifacts["ingest-dumps-summary"]["data"]
            assert "| documents seen | 23 |" in summary and "| undecodable | 1 |" in summary
            table = json.loads(artifacts["ingest-dumps-new-stories"]["data"])
            con = duckdb.connect(db, read_only=True)
            stories = dict(con.execute("SELECT story_id, outlets FROM stories").fetchall())
            con.close()
            assert {row["story_id"] for row in table} == set(stories)
            assert all(row["outlets"] == ", ".join(stories[row["story_id"]]) for row in table)

            def batch_log() -> list[Any] | None:  # logs reach the API in the background, a little later
                found = post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 200})
                return [log for log in found if log["task_run_id"] and "inputs, " in log["message"]] or None

            eventually("a batch task's log line in the API", batch_log, 30, logs)

            scheduled = [name for name, d in served.items() if d["name"] in wanted and d["schedules"]]
            assert scheduled, "at least one deployment runs on a schedule"
            for name in scheduled:

                def upcoming(name: str = name) -> list[Any] | None:
                    query = {
                        "deployments": {"id": {"any_": [served[name]["id"]]}},
                        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                    }
                    runs = post("/flow_runs/filter", query)
                    return [r for r in runs if r["auto_scheduled"]] or None

                eventually(f"scheduled runs of {name} made by the server's scheduler", upcoming, 60, logs)

            # A failed run notifies through the operator's block, by the automation `khabar serve` made.
            failing = post(
                f"/deployments/{ingest['id']}/create_flow_run",
                {"parameters": {"paths": [str(tmp_path / "no-such-folder")], "db": db}},
            )
            assert eventually("the failing run to end", lambda: finished_run(failing["id"]), 120, logs)["type"] == (
                "FAILED"
            )

            def alerted() -> list[Any] | None:
                return [json.loads(request.get_data()) for request, _ in httpserver.log] or None

            alert = eventually("the failure notification on the webhook", alerted, 90, logs)[0]
            assert alert["subject"] == "khabar: ingest-dumps/no-such-folder-b1000 Failed"  # named by what it ran
            assert "no-such-folder" in alert["body"]


def test_serve_without_a_server_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path)  # no profile that names a server
    result = subprocess.run(
        [sys.executable, "-m", "khabar.cli", "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "prefect server start" in result.stderr and "PREFECT_API_URL" in result.stderr
