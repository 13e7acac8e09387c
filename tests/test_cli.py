"""The `khabar` command as a user types it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import duckdb
import pytest

from khabar.cli import main
from tests.conftest import SAMPLES, count_rows, khabar_cli


@pytest.mark.parametrize("command", [[], ["run"], ["ingest"], ["sql"]])
def test_help_is_clear(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "usage: khabar" in text
    if command:
        assert "--db" in text and "KHABAR_DB" in text


def test_run_ingests_the_samples_and_prints_a_summary(prefect_api: str, tmp_path: Path) -> None:
    result = khabar_cli(["run"], prefect_api, cwd=tmp_path, env={"KHABAR_DB": ""})
    assert result.returncode == 0, result.stderr
    warehouse = tmp_path / "warehouse" / "khabar.duckdb"
    assert warehouse.exists()
    lines = result.stdout.splitlines()
    assert len(lines) <= 12 and all(len(line) < 80 for line in lines if "warehouse " not in line)
    assert any(line.split() == ["documents", "seen", "5"] for line in lines)
    assert any(line.split() == ["articles", "loaded", "5"] for line in lines)
    assert str(warehouse) in result.stdout
    assert "Traceback" not in result.stderr
    # With PREFECT_API_URL set, the run is recorded on that server, as the UI shows it.
    con = duckdb.connect(str(warehouse), read_only=True)
    [(flow_run_id,)] = con.execute("SELECT flow_run_id FROM runs").fetchall()
    con.close()
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(flow_run_id))
        assert flow_run.state is not None and flow_run.state.is_completed()
        assert client.read_flow(flow_run.flow_id).name == "ingest-dumps"


def test_ingest_honours_khabar_db_and_reports_rejects(prefect_api: str, tmp_path: Path) -> None:
    target = tmp_path / "env.duckdb"
    bad = tmp_path / "dumps"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    shutil.copy(SAMPLES / "001_f1774d47c25524a3.txt", bad)
    result = khabar_cli(["ingest", str(bad)], prefect_api, env={"KHABAR_DB": str(target)})
    assert result.returncode == 0, result.stderr
    assert "rejected          1 (empty 1)" in result.stdout
    assert count_rows(str(target))["documents"] == 2


def test_ingest_of_a_missing_path_fails_clearly(tmp_path: Path) -> None:
    result = khabar_cli(["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")], None)
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


@pytest.fixture(scope="module")
def loaded_db(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    from khabar.flows.ingest import ingest_dumps

    db = str(tmp_path_factory.mktemp("sql") / "w.duckdb")
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    return db


def test_sql_prints_results(loaded_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "sql",
                "--db",
                loaded_db,
                "--format",
                "csv",
                "SELECT agency, count(*) n FROM articles GROUP BY 1 ORDER BY 1",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["agency,n", "AGENCY,1", "HS,1", "IANS,1", ",2"]
    assert main(["sql", "--db", loaded_db, "SELECT count(*) AS stories FROM stories"]) == 0
    assert "stories" in capsys.readouterr().out


def test_sql_is_read_only_and_lets_go_of_the_file(loaded_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", loaded_db, "DELETE FROM articles"]) == 1
    assert "read-only" in capsys.readouterr().err
    con = duckdb.connect(loaded_db)  # a writer can open the file: khabar sql closed it
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 5
    con.close()


def test_sql_prompt_reads_queries_from_stdin(loaded_db: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "khabar.cli", "sql", "--db", loaded_db, "--format", "json"],
        input="SELECT count(*) AS n\nFROM documents;\n.quit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == '{"n": 5}'


def test_sql_without_a_warehouse_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1"]) == 2
    assert "khabar run" in capsys.readouterr().err


def test_stock_duckdb_cli_opens_the_warehouse(loaded_db: str) -> None:
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli, "duckdb-cli is a dev dependency"
    result = subprocess.run(
        [
            cli,
            "-readonly",
            "-csv",
            loaded_db,
            "-c",
            "SELECT count(*) AS n FROM articles; SELECT count(*) FROM stories;",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["n", "5", "count_star()", "5"]
