"""Issue 12 §5: no input stops a run, and none is silently lost. Each defect through the real ingest flow
(a real Prefect API, a real DuckDB file); the last test runs them all at once through the `khabar` command."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from khabar.flows.ingest import ingest_dumps
from khabar.flows.params import BatchOptions
from khabar.inputs.discover import discover, read_inputs
from khabar.records import Outcome, Rejection, Sighting
from khabar.text.decode import Decoded, decode_bytes
from khabar.warehouse.staging import stage
from tests.conftest import ROOT, SAMPLES, khabar_cli

pytestmark = pytest.mark.usefixtures("prefect_api")

SEEDS = sorted(SAMPLES.glob("*.txt"))
SEED = SEEDS[4].read_text(encoding="utf-8")  # 004: IANS copy on BhaskarHindi
ENGLISH = (
    "Mumbai’s civic body said on Tuesday that the “monsoon preparedness” work on the city’s drains – "
    "a project critics called naïve – would be finished before June. The commissioner’s office said "
    "€5 million had been set aside, and that the café owners along the sea face would be consulted.\n\n"
    "Officials said the work had been delayed by the elections, but that contractors were now on site "
    "every day, and residents were asked to report blocked drains through the corporation’s app."
)


DROP_READ_ANYTHING = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def rows(db: str, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def by_name(db: str) -> dict[str, tuple[object, ...]]:
    """documents by the last part of their source_uri: (status, reject_reason, reject_detail, repair_note)."""
    found = rows(db, "SELECT source_uri, status, reject_reason, reject_detail, repair_note FROM documents")
    return {str(uri).rsplit("/", 1)[-1]: tuple(rest) for uri, *rest in found}


def seed_body(db_dir: Path, name: str = SEEDS[4].name) -> str:
    """The body khabar makes of a clean seed: what a repaired copy must equal."""
    db = str(db_dir / "reference.duckdb")
    folder = db_dir / "reference"
    folder.mkdir(exist_ok=True)
    shutil.copy(SAMPLES / name, folder)
    ingest_dumps(paths=[str(folder)], db=db)
    [(body,)] = rows(db, "SELECT body FROM articles")
    return str(body)


def test_lone_surrogates_and_non_utf8_names_cost_nothing(tmp_path: Path, db: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    records = [
        {"url": "https://example.in/a/\ud800", "title": "\udc00 रूस के शीर्ष राजनयिक", "author": "\ud83d", "text": SEED},
        {"url": "https://example.in/a/2", "title": "ठीक", "text": SEEDS[1].read_text(encoding="utf-8")},
    ]
    # ensure_ascii writes the lone surrogates as the \ud800 escapes an API or a scraper emits
    (inputs / "records.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="ascii")
    paragraphs = "".join(f"<p>{p}</p>" for p in SEEDS[2].read_text(encoding="utf-8").split("\n") if p.strip())
    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "\\ud800 शीर्षक",'
        ' "author": {"@type": "Person", "name": "\\udfff"}}</script></head><body><article>'
        f"{paragraphs}</article></body></html>"
    )
    (inputs / "page.html").write_text(page, encoding="utf-8")
    bad_folder = os.fsencode(inputs) + b"/Caf\xe9 Khabar"
    os.mkdir(bad_folder)
    shutil.copy(SEEDS[0], os.fsdecode(bad_folder + b"/r\xe9port.txt"))
    shutil.copy(SEEDS[3], os.fsdecode(os.fsencode(inputs) + b"/\xff\xfe.txt"))

    report = ingest_dumps(paths=[str(inputs)], db=db)
    assert (report.docs_new, report.articles_loaded) == (5, 5)
    uris = {str(u) for (u,) in rows(db, "SELECT source_uri FROM documents")}
    assert {"https://example.in/a/", "https://example.in/a/2"} <= uris
    assert f"{inputs}/Caf\\xe9 Khabar/r\\xe9port.txt" in uris and f"{inputs}/\\xff\\xfe.txt" in uris
    outlets = {str(o) for (o,) in rows(db, "SELECT outlet FROM documents WHERE outlet IS NOT NULL")}
    assert "Caf\\xe9 Khabar" in outlets
    [(title, author, note)] = rows(
        db,
        "SELECT a.title, a.author, d.repair_note FROM articles a JOIN documents d USING (doc_id) "
        "WHERE a.source_uri = 'https://example.in/a/'",
    )
    assert title == "रूस के शीर्ष राजनयिक" and author is None and "surrogate" in str(note)
    assert ingest_dumps(paths=[str(inputs)], db=db).docs_new == 0  # and the next run is fine too


def test_a_few_nul_bytes_in_hindi_text_are_stripped_not_binary(tmp_path: Path, db: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    data = SEED.encode()
    (inputs / "nul.txt").write_bytes(data[:100] + b"\x00" + data[100:900] + b"\x00\x00" + data[900:])
    ingest_dumps(paths=[str(inputs)], db=db)
    status, reason, _, note = by_name(db)["nul.txt"]
    assert (status, reason) == ("parsed", None)
    assert note is not None and "3 control bytes" in str(note)
    [(body,)] = rows(db, "SELECT body FROM articles")
    assert body == seed_body(tmp_path)


def test_lossy_mojibake_is_restored_and_no_body_keeps_a_replacement_character(tmp_path: Path, db: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    lossy = SEED.encode("utf-8").decode("cp1252", errors="replace")
    assert lossy.count("\ufffd") > 100
    (inputs / "lossy.txt").write_text(lossy, encoding="utf-8")
    # Replacement characters in text that is not mojibake: nothing says what they stood for.
    broken = SEEDS[1].read_text(encoding="utf-8").replace("ने", "न\ufffd")
    (inputs / "replaced.txt").write_text(broken, encoding="utf-8")
    ingest_dumps(paths=[str(inputs)], db=db)
    docs = by_name(db)
    assert docs["replaced.txt"][:2] == ("rejected", "undecodable") and "U+FFFD" in str(docs["replaced.txt"][2])
    assert docs["lossy.txt"][0] == "parsed" and "restored" in str(docs["lossy.txt"][3])
    assert rows(db, "SELECT count(*) FROM articles WHERE contains(body, '\ufffd') OR contains(title, '\ufffd')") == [
        (0,)
    ]
    [(body,)] = rows(db, "SELECT body FROM articles")
    assert body == seed_body(tmp_path)


def test_cp1252_english_is_read_as_cp1252(tmp_path: Path, db: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "english.txt").write_bytes(ENGLISH.encode("cp1252"))
    ingest_dumps(paths=[str(inputs)], db=db)
    [(body,)] = rows(db, "SELECT body FROM articles")
    assert "Mumbai’s civic body" in str(body) and "“monsoon preparedness”" in str(body) and "naïve" in str(body)


def test_a_file_khabar_cannot_read_gets_a_row_and_hidden_ones_a_warning(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    inputs = tmp_path / "in"
    (inputs / "outlet" / ".git").mkdir(parents=True)
    shutil.copy(SEEDS[0], inputs / "outlet")
    (inputs / "outlet" / "scan.PDF").write_bytes(b"%PDF-1.4 not text")
    (inputs / "outlet" / "notes").write_text("no extension", encoding="utf-8")
    (inputs / "outlet" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (inputs / "outlet" / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (inputs / "outlet" / "page.html").write_text(f"<html><body><p>{SEED}</p></body></html>", encoding="utf-8")
    (inputs / "outlet" / "page.html.json").write_text("{}", encoding="utf-8")  # a fetched page's sidecar: no row
    report = ingest_dumps(paths=[str(inputs)], db=db)
    docs = by_name(db)
    assert sorted(docs) == sorted([SEEDS[0].name, "notes", "page.html", "scan.PDF"])
    assert docs["scan.PDF"][:3] == (
        "rejected",
        "unsupported_format",
        "a .pdf file: khabar reads .txt, .html, .htm, .jsonl",
    )
    assert docs["notes"][:2] == ("rejected", "unsupported_format") and "without an extension" in str(docs["notes"][2])
    assert report.docs_rejected == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("2 hidden file(s) or folder(s) (.DS_Store, .git/)" in w for w in warnings), warnings
    ingest_dumps(paths=[str(inputs)], db=db)  # again: the same rows, not new ones
    assert rows(db, "SELECT count(*) FROM documents WHERE reject_reason = 'unsupported_format'") == [(2,)]


def test_special_files_and_folders_get_a_row_or_a_warning(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    inputs = tmp_path / "in"
    (inputs / "outlet").mkdir(parents=True)
    shutil.copy(SEEDS[0], inputs / "outlet")
    os.mkfifo(inputs / "pipe.txt")
    (inputs / "zeros.txt").symlink_to("/dev/zero")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SEEDS[1], elsewhere)
    (inputs / "linked").symlink_to(elsewhere, target_is_directory=True)
    (inputs / "outlet" / "loop").symlink_to(inputs, target_is_directory=True)
    done: list[object] = []
    runner = threading.Thread(
        target=lambda: done.append(ingest_dumps(paths=[str(inputs)], db=db, batch=BatchOptions(max_bytes=50_000))),
        daemon=True,
    )
    runner.start()
    runner.join(120)
    if runner.is_alive():  # unblock the FIFO's reader so the test process can end
        with open(inputs / "pipe.txt", "wb"):
            pass
        pytest.fail("the run hangs on a FIFO")
    assert done, "the run failed"
    docs = by_name(db)
    assert docs["pipe.txt"][:2] == ("rejected", "not_a_file") and "FIFO" in str(docs["pipe.txt"][2])
    assert docs["zeros.txt"][:2] == ("rejected", "not_a_file") and "device" in str(docs["zeros.txt"][2])
    assert docs[SEEDS[0].name][0] == "parsed"
    assert docs[SEEDS[1].name][0] == "parsed"  # a linked folder is read, as its outlet
    assert rows(db, "SELECT outlet FROM documents WHERE source_uri LIKE '%/linked/%'") == [("linked",)]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("outlet/loop" in w and "already read" in w for w in warnings), warnings  # a loop is said, not run


def test_an_unreadable_folder_is_warned_about(prefect_api: str, tmp_path: Path) -> None:
    """Root reads any folder: as root, the command runs without the capabilities that let it, as a user would."""
    as_root = os.geteuid() == 0
    if as_root and shutil.which("setpriv") is None:
        pytest.skip("needs util-linux setpriv to drop root's read-anything capabilities")
    inputs = tmp_path / "in"
    (inputs / "locked").mkdir(parents=True)
    shutil.copy(SEEDS[0], inputs / "locked")
    shutil.copy(SEEDS[1], inputs)
    (inputs / "locked").chmod(0)
    db = str(tmp_path / "w.duckdb")
    try:
        result = subprocess.run(
            [
                *(DROP_READ_ANYTHING if as_root else []),
                sys.executable,
                "-m",
                "khabar.cli",
                "ingest",
                str(inputs),
                "--db",
                db,
            ],
            cwd=ROOT,
            env={**os.environ, "PREFECT_API_URL": prefect_api},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        (inputs / "locked").chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "locked" in result.stderr and "Permission denied" in result.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(1,)]


def test_a_full_disk_during_the_load_reports_no_space(prefect_api: str, tmp_path: Path, db: str) -> None:
    """/dev/full answers every write with ENOSPC: as the warehouse's write-ahead log, it is a full disk."""
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(SEEDS[0], first)
    ingest_dumps(paths=[str(first)], db=db)
    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(SEEDS[1], second)
    wal = Path(db + ".wal")
    assert not wal.exists()
    wal.symlink_to("/dev/full")
    result = khabar_cli(["ingest", str(second), "--db", db], prefect_api)
    wal.unlink()
    assert result.returncode != 0
    assert "No space left on device" in result.stderr
    assert "cannot rollback" not in result.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(1,)]  # nothing of the failed run
    again = khabar_cli(["ingest", str(second), "--db", db], prefect_api)  # with room again, the next run loads it
    assert again.returncode == 0, again.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(2,)]


def test_every_defect_at_once_through_the_command(prefect_api: str, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "records.jsonl").write_text(
        json.dumps({"url": "https://example.in/\udfff", "title": "\ud800", "text": SEED}) + "\n", encoding="ascii"
    )
    data = SEEDS[1].read_bytes()
    (inputs / "nul.txt").write_bytes(data[:50] + b"\x00" + data[50:])
    (inputs / "lossy.txt").write_text(SEEDS[2].read_bytes().decode("cp1252", errors="replace"), encoding="utf-8")
    (inputs / "english.txt").write_bytes(ENGLISH.encode("cp1252"))
    os.mkfifo(inputs / "pipe.txt")
    shutil.copy(SEEDS[3], os.fsdecode(os.fsencode(inputs) + b"/\xe9.txt"))
    depot = os.fsdecode(os.fsencode(tmp_path) + b"/d\xe9p\xf4t")  # a folder given by a name that is not UTF-8
    os.mkdir(depot)
    shutil.copy(SEEDS[0], depot)
    db = str(tmp_path / "w.duckdb")
    result = khabar_cli(["ingest", str(inputs), depot, "--db", db], prefect_api)
    assert result.returncode == 0, result.stderr
    assert "rejected          1 (not_a_file 1)" in result.stdout
    assert rows(db, "SELECT count(*) FROM articles") == [(6,)]
    assert rows(db, "SELECT count(*) FROM documents WHERE source_uri LIKE ?", [f"{tmp_path}/d\\xe9p\\xf4t/0%"]) == [
        (1,)
    ]
    [(params,)] = rows(db, "SELECT params FROM runs")
    assert json.loads(str(params))["paths"][1] == f"{tmp_path}/d\\xe9p\\xf4t"


def test_other_single_byte_charsets_are_not_taken_for_cp1252() -> None:
    russian = "Министр заявил, что правительство не отступит от своих планов по реформе. " * 5
    decoded = decode_bytes(russian.encode("cp1251"))
    assert isinstance(decoded, Decoded) and decoded.text == russian.strip() and decoded.encoding == "cp1251"


def test_a_long_jsonl_line_is_refused_while_reading(tmp_path: Path) -> None:
    long_line = json.dumps({"url": "https://example.in/long", "text": SEED * 30}, ensure_ascii=False).encode()
    short_line = json.dumps({"url": "https://example.in/short", "text": SEED}, ensure_ascii=False).encode()
    (tmp_path / "r.jsonl").write_bytes(long_line + b"\r\n" + short_line + b"\n")
    too_long, fine = read_inputs(discover([str(tmp_path / "r.jsonl")]), 50_000)
    assert (too_long.reject_reason, too_long.data, too_long.byte_size) == ("too_large", None, len(long_line))
    assert too_long.doc_id == hashlib.sha256(long_line).hexdigest()  # the same id as a whole read gives
    assert fine.data == short_line and fine.ref.line_no == 2


def test_staging_writes_out_what_utf8_cannot_hold(tmp_path: Path) -> None:
    """The last guard: a value that reaches staging with a lone surrogate is written out, not refused."""
    now = datetime.now(UTC)
    outcome = Outcome(
        "d" * 64, "/in/caf\udce9.txt", "\ud800Khabar", "text", now, 3, None, Rejection("binary", "x\udfff")
    )
    staged = stage([outcome], [Sighting("d" * 64, "/in/caf\udce9.txt", None, now)], str(tmp_path))
    [row] = pq.read_table(staged.table("documents")).to_pylist()
    assert (row["source_uri"], row["outlet"], row["reject_detail"]) == ("/in/caf\\xe9.txt", "\\ud800Khabar", "x\\udfff")
    [sighting] = pq.read_table(staged.table("sightings")).to_pylist()
    assert sighting["source_uri"] == "/in/caf\\xe9.txt"
