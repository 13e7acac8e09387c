"""The DuckLake backend: the same warehouse as the DuckDB file, runs that never wait for readers, concurrent runs
ordered by DuckLake's conflict check, kills that leave it consistent, and a warehouse file copied into it.

Catalogs: a DuckDB file (`ducklake:/…/catalog.ducklake`, one process at a time) and a real PostgreSQL started
here (tests/lake.py), the catalog for a team."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from bench.generate import generate
from khabar.flows.ingest import ingest_dumps
from khabar.text.search import parse_query
from khabar.warehouse.db import connect, connect_read_only
from khabar.warehouse.export import EXPORTABLE, export_tables
from khabar.warehouse.migrate import lake_dialect, migrations
from khabar.warehouse.search import search
from tests import lake
from tests.conftest import FIXTURES, ROOT, SAMPLES, khabar_cli
from tests.test_kill import KILL_AFTER_FIRST_BATCH

pytestmark = pytest.mark.usefixtures("prefect_api")

Catalog = Callable[[str], str]  # a name → the URI of a new, empty DuckLake


@pytest.fixture(scope="session")
def postgres() -> Iterator[lake.Postgres]:
    if lake.bindir() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it: apt-get install postgresql)")
    with lake.postgres() as server:
        yield server


@pytest.fixture(params=["duckdb", "postgres"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """New DuckLake catalogs of one kind; their Parquet files in tmp_path (KHABAR_DATA_PATH for PostgreSQL)."""
    if request.param == "duckdb":
        return lambda name: f"ducklake:{tmp_path / name}.ducklake"
    server: lake.Postgres = request.getfixturevalue("postgres")
    prefix = f"t{time.monotonic_ns()}"

    def make(name: str) -> str:
        monkeypatch.setenv("KHABAR_DATA_PATH", str(tmp_path / f"{name}-files"))
        return server.create(f"{prefix}_{name}")

    return make


@pytest.fixture
def postgres_lake(postgres: lake.Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KHABAR_DATA_PATH", str(tmp_path / "lake-files"))
    return postgres.create(f"t{time.monotonic_ns()}")


def test_every_migration_applies_in_lake_dialect_and_only_constraints_differ(tmp_path: Path) -> None:
    for migration in migrations():
        stripped = lake_dialect(migration.sql)
        assert "PRIMARY KEY" not in stripped and "CHECK (" not in stripped, migration.name
        assert "COMMENT ON" not in stripped, migration.name
        if not any(
            word in migration.sql.upper()
            for word in ("PRIMARY KEY", "CHECK", "DEFAULT TRUE", "DEFAULT FALSE", "COMMENT ON")
        ):
            assert stripped == migration.sql, migration.name
    db = f"ducklake:{tmp_path / 'catalog.ducklake'}"
    con = connect(db)
    try:
        applied = con.execute("SELECT list(version ORDER BY version) FROM schema_migrations").fetchall()[0][0]
        assert applied == [m.version for m in migrations()]
        assert con.execute("SELECT type FROM duckdb_databases() WHERE database_name = 'warehouse'").fetchall() == [
            ("ducklake",)
        ]
    finally:
        con.close()
    assert (tmp_path / "catalog.ducklake.files").is_dir()  # the data path beside the catalog
    connect(db).close()  # opening it again applies nothing and finds every checksum equal


def _generated(tmp_path: Path) -> Path:
    out = tmp_path / "generated"
    generate(240, out, seed=11)
    settled = time.time() - 60  # older than a run's guard for files still being written: remembered when read
    for path in out.rglob("*"):
        os.utime(path, (settled, settled))
    return out


def test_same_warehouse_as_the_duckdb_file(
    catalog: Catalog, tmp_path: Path, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Samples, the golden inputs and generated copies (near duplicates, templates, exact copies across
    outlets), in three runs and a repeat: every row the same on both backends."""
    monkeypatch.setenv("KHABAR_TEMPLATE_MIN_STORIES", "2")  # templates learned and stripped on this small set
    lake_db = catalog("same")
    generated = _generated(tmp_path)
    runs = [[str(SAMPLES)], [str(FIXTURES / "golden")], [str(generated)], [str(SAMPLES), str(generated)]]
    for paths in runs:
        on_file = ingest_dumps(paths=paths, db=db)
        on_lake = ingest_dumps(paths=paths, db=lake_db)
        assert on_lake == on_file
    found, expected = lake.snapshot(lake_db), lake.snapshot(db)
    assert found == expected
    assert len(found["stories"]) < len(found["articles"]) > 200  # stories did group copies
    assert found["outlet_templates"] and any(row[2] == "template" for row in found["removed_blocks"])
    assert any(run[-1] > 200 and run[1] > 200 and run[2] == 0 for run in found["runs"])  # the repeat read nothing
    for words in ("सियोल", "उत्तर कोरिया", '"रूसी विदेश मंत्री"'):  # search: the same stories, scored alike
        query = parse_query(words)
        on_lake = [(hit.story_id, round(hit.score, 6), hit.phrase) for hit in search(lake_db, query)]
        assert on_lake == [(hit.story_id, round(hit.score, 6), hit.phrase) for hit in search(db, query)]
        assert on_lake, words


# A process reading the warehouse as `khabar sql` or a notebook does, in an open transaction, until stdin closes.
READER = """
import sys
from khabar.warehouse.db import connect_read_only
con = connect_read_only(sys.argv[1])
con.execute("BEGIN TRANSACTION")
print(con.execute("SELECT count(*) FROM documents").fetchall()[0][0], flush=True)
sys.stdin.read()
print(con.execute("SELECT count(*) FROM documents").fetchall()[0][0], flush=True)
con.execute("COMMIT")
print(con.execute("SELECT count(*) FROM documents").fetchall()[0][0], flush=True)
"""


def test_a_run_completes_while_a_reader_holds_the_lake_open(
    postgres_lake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_dumps(paths=[str(SAMPLES / "000_e840aa923773798b.txt")], db=postgres_lake)
    monkeypatch.setenv("KHABAR_LOCK_TIMEOUT", "2")  # on a DuckDB file the run would give up after 2 s
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, postgres_lake],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().strip() == "1"
        started = time.monotonic()
        report = ingest_dumps(paths=[str(SAMPLES)], db=postgres_lake)
        assert report.docs_new == 4
        loaded_in = time.monotonic() - started
        assert reader.poll() is None  # the reader is still there, its transaction open
        assert lake.counts(postgres_lake)["documents"] == 5  # a new reader sees the run
        reader.stdin.close()
        out = reader.stdout.read().split()
        assert out == ["1", "5"]  # its snapshot held until it ended its transaction
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
    assert loaded_in < 60


# A run whose load pauses after its first batch, inside its transaction, so two runs overlap for certain.
# Each run, once inside its transaction, waits until the other is inside its own too: both commits then race, and
# whichever comes second must meet the conflict (a fixed pause left it to how fast each process started).
SLOW_LOAD = """
import os, sys, time
from pathlib import Path
from khabar.warehouse import load
insert = load._insert_batch
mine, theirs = Path(os.environ["LOAD_MARK"]), Path(os.environ["OTHER_MARK"])
def insert_then_wait(*args, **kwargs):
    staged = insert(*args, **kwargs)
    mine.touch()
    deadline = time.monotonic() + 300
    while not theirs.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return staged
load._insert_batch = insert_then_wait
from khabar.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_two_runs_at_once_serialize_on_the_commit_conflict(
    postgres_lake: str, prefect_api: str, tmp_path: Path, db: str
) -> None:
    generated = _generated(tmp_path)
    outlets = sorted(p for p in generated.iterdir() if p.is_dir())
    halves = [outlets[::2], outlets[1::2]]  # copies of one story land in both halves
    script = tmp_path / "slow.py"
    script.write_text(SLOW_LOAD)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), "ingest", *map(str, half), "--db", postgres_lake, "-v"],
            env={
                **os.environ,
                "PREFECT_API_URL": prefect_api,
                "LOAD_MARK": str(tmp_path / f"in-transaction-{n}"),
                "OTHER_MARK": str(tmp_path / f"in-transaction-{1 - n}"),
            },
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, half in enumerate(halves)
    ]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    assert sum("another writer committed first" in out + err for out, err in outputs) == 1

    found = lake.snapshot(postgres_lake)
    for table, key in (("documents", 0), ("articles", 0), ("story_members", 0)):
        assert len({row[key] for row in found[table]}) == len(found[table]), table  # each key once
    # The same stories as the two halves loaded one after the other into a DuckDB file, in the order they committed.
    first = 0 if "another writer committed first" in "".join(outputs[1]) else 1
    for half in (halves[first], halves[1 - first]):
        ingest_dumps(paths=[str(p) for p in half], db=db)
    assert partition(found["story_members"]) == partition(lake.snapshot(db)["story_members"])
    assert len(found["runs"]) == 2 and all(run[0] == "completed" for run in found["runs"])


def partition(members: list[tuple[object, ...]]) -> set[frozenset[object]]:
    """Stories as sets of their articles (ids of stories depend on which run read its files first)."""
    stories: dict[object, set[object]] = {}
    for article_id, story_id, *_ in members:
        stories.setdefault(story_id, set()).add(article_id)
    return {frozenset(group) for group in stories.values()}


def test_kill_mid_load_leaves_the_lake_as_it_was(catalog: Catalog, prefect_api: str, tmp_path: Path) -> None:
    lake_db = catalog("killed")
    first = khabar_cli(["ingest", str(SAMPLES / "000_e840aa923773798b.txt"), "--db", lake_db], prefect_api)
    assert first.returncode == 0, first.stderr
    before = lake.snapshot(lake_db)

    script = tmp_path / "die.py"
    script.write_text(KILL_AFTER_FIRST_BATCH)
    killed = khabar_cli(
        ["ingest", str(SAMPLES), "--db", lake_db, "--batch-size", "2"], prefect_api, script_path=str(script)
    )
    assert killed.returncode == -signal.SIGKILL
    assert lake.snapshot(lake_db) == before

    again = khabar_cli(["ingest", str(SAMPLES), "--db", lake_db, "--batch-size", "2"], prefect_api)
    assert again.returncode == 0, again.stderr
    after = lake.counts(lake_db)
    assert after["documents"] == after["articles"] == after["story_members"] == 5
    assert after["runs"] == 2


def test_migrate_to_copies_a_warehouse_file(catalog: Catalog, prefect_api: str, tmp_path: Path, db: str) -> None:
    generated = _generated(tmp_path)
    ingest_dumps(paths=[str(SAMPLES), str(FIXTURES / "golden")], db=db)
    lake_db = catalog("copied")
    copied = khabar_cli(["migrate", "--db", db, "--to", lake_db], prefect_api)
    assert copied.returncode == 0, copied.stderr
    assert "articles" in copied.stdout and "copied into" in copied.stdout
    assert lake.snapshot(lake_db) == lake.snapshot(db)

    again = khabar_cli(["migrate", "--db", db, "--to", lake_db], prefect_api)
    assert again.returncode == 2 and "holds documents already" in again.stderr

    # Both go on the same way: the next run's stories join the copied ones alike.
    for target in (db, lake_db):
        ingest_dumps(paths=[str(generated)], db=target)
    assert lake.snapshot(lake_db) == lake.snapshot(db)

    exported = {e.table: e.rows for e in export_tables(lake_db, tmp_path / "export", EXPORTABLE)}
    assert exported == {e.table: e.rows for e in export_tables(db, tmp_path / "export-file", EXPORTABLE)}
    assert exported["articles"] > 200

    shown = khabar_cli(["sql", "--db", lake_db, "--format", "csv", "SELECT count(*) AS n FROM stories"], prefect_api)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["n", str(len(lake.snapshot(db)["stories"]))]

    # The researcher's commands answer alike on both.
    [(story,)] = (
        duckdb.connect(db, read_only=True)
        .execute("SELECT story_id FROM stories ORDER BY n_articles DESC, story_id LIMIT 1")
        .fetchall()
    )
    for command in (["search", "--format", "json", "सियोल"], ["show", story[:12]]):
        on_lake = khabar_cli([*command, "--db", lake_db], prefect_api)
        on_file = khabar_cli([*command, "--db", db], prefect_api)
        assert on_lake.returncode == on_file.returncode == 0, on_lake.stderr
        assert on_lake.stdout == on_file.stdout and on_lake.stdout.strip()
    report = khabar_cli(["report", "--db", lake_db, "--out", str(tmp_path / "report")], prefect_api)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "index.html").is_file() and story[:12] in "".join(
        p.name for p in (tmp_path / "report").rglob("*.html")
    )


def test_the_default_warehouse_is_still_a_duckdb_file(db: str) -> None:
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    con = duckdb.connect(db, read_only=True)  # the stock duckdb opens it, checks and the small tables' keys in place
    try:
        constraints = "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = ? ORDER BY ALL"
        keys = con.execute(constraints, ["PRIMARY KEY"]).fetchall()
        assert keys == [("outlet_aliases",), ("runs",), ("schema_migrations",)]  # not the archive's (021)
        assert {("documents",), ("story_members",)} <= set(con.execute(constraints, ["CHECK"]).fetchall())
    finally:
        con.close()
    reader = connect_read_only(db)
    try:
        assert (
            reader.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[
                0
            ][0]
            == "duckdb"
        )
    finally:
        reader.close()
