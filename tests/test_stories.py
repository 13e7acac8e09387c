"""Stories across runs: near copies join, bridges merge, story ids stay, lineage is recorded."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from khabar.flows.ingest import ingest_dumps
from khabar.grouping.assign import Member, canonical_of, day_of_year, describe
from khabar.grouping.windows import compact_bodies
from khabar.warehouse.db import connect
from khabar.warehouse.shingle_store import staged_windows
from khabar.warehouse.staging import shingle_table
from khabar.warehouse.stories import DAY_OF_YEAR, KNOWN_PUBLISHED, _merge
from tests.conftest import SAMPLES, count_rows

pytestmark = pytest.mark.usefixtures("prefect_api")

TITLE = "उत्तर कोरिया और रूस के बीच मजबूत संबंधों की पुष्टि"
LONG = [p for p in (SAMPLES / "000_e840aa923773798b.txt").read_text().split("\n\n") if len(p.split()) > 12][1:]


def dump(folder: Path, name: str, paragraphs: list[str], title: str = TITLE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n" + "\n\n".join(p.strip() for p in paragraphs) + "\n", encoding="utf-8")
    return folder


def members(db: str) -> dict[str, tuple[str, str, float, float, int, int]]:
    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        "SELECT regexp_extract(a.source_uri, '[^/]+$'), m.story_id, m.relation, m.similarity, m.shared_ratio, "
        "m.added_paragraphs, m.removed_paragraphs FROM story_members m JOIN articles a USING (article_id)"
    ).fetchall()
    con.close()
    return {name: tuple(rest) for name, *rest in rows}  # type: ignore[misc]


def lineage_recomputed(db: str) -> tuple[dict[str, tuple[object, ...]], dict[str, tuple[object, ...]]]:
    """Every member's stored relation and lineage, and the same worked out afresh from all bodies."""
    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        "SELECT m.story_id, a.article_id, a.body, a.body_sha256, epoch_us(a.fetched_at), a.source_uri, a.agency, "
        "m.relation, m.similarity, m.shared_ratio, m.added_paragraphs, m.removed_paragraphs "
        "FROM story_members m JOIN articles a USING (article_id)"
    ).fetchall()
    con.close()
    stories: dict[str, list[Member]] = defaultdict(list)
    for story_id, aid, _, body_hash, fetched_at, uri, agency, *_ in rows:
        stories[story_id].append(Member(aid, body_hash, (fetched_at, uri), agency, "", False))
    kept = dict(zip([row[1] for row in rows], compact_bodies([row[2] for row in rows]), strict=True))
    fresh = {
        row.article_id: (row.relation, row.similarity, row.shared_ratio, row.added_paragraphs, row.removed_paragraphs)
        for story_id, group in stories.items()
        for row in describe(story_id, canonical_of(group), group, kept)
    }
    return {row[1]: tuple(row[7:]) for row in rows}, fresh


def article_id(db: str, name: str) -> str:
    con = duckdb.connect(db, read_only=True)
    [(found,)] = con.execute("SELECT article_id FROM articles WHERE source_uri LIKE ?", [f"%/{name}"]).fetchall()
    con.close()
    return found


def test_edited_copies_join_yesterdays_story(db: str, tmp_path: Path) -> None:
    assert len(LONG) >= 9
    ingest_dumps(paths=[str(dump(tmp_path / "day1", "original.txt", LONG))], db=db)
    original = article_id(db, "original.txt")

    day2 = tmp_path / "day2"
    # Chandrabindu for anusvara in every other paragraph, Devanagari digits in the rest.
    variants = [p.replace("ं", "ँ") if i % 2 else p.replace("2024", "२०२४") for i, p in enumerate(LONG)]
    dump(day2, "spelling.txt", variants, title="रूस-उत्तर कोरिया संबंध")
    dump(day2, "trimmed.txt", LONG[:-2])
    own = "हमारे संवाददाता के अनुसार इस बैठक पर दुनिया भर की नजरें टिकी थीं और विशेषज्ञ इसे अहम मान रहे हैं।"
    dump(day2, "addition.txt", [*LONG, own])
    dump(day2, "other_story.txt", [*(SAMPLES / "002_ff795dba96db68e1.txt").read_text().split("\n")[3:]])
    report = ingest_dumps(paths=[str(day2)], db=db)
    assert report.near_duplicates == 3 and report.stories_new == 1

    found = members(db)
    assert found["original.txt"][:2] == (original, "canonical")
    for name in ("spelling.txt", "trimmed.txt", "addition.txt"):
        story_id, relation, similarity, *_ = found[name]
        assert (story_id, relation) == (original, "near"), name
        assert 0.5 < similarity <= 1.0
    assert found["trimmed.txt"][2] < 1.0 and found["trimmed.txt"][3:] == (1.0, 0, 2)
    assert found["spelling.txt"][2] == 1.0  # equal once spelling variants are folded
    assert found["addition.txt"][4:] == (1, 0) and found["addition.txt"][3] < 1.0
    assert found["other_story.txt"][0] != original

    before = count_rows(db)
    again = ingest_dumps(paths=[str(tmp_path / "day1"), str(day2)], db=db)
    assert again.docs_new == 0 and again.near_duplicates == 0
    assert {k: v for k, v in count_rows(db).items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}
    assert members(db) == found


def test_an_article_that_bridges_two_stories_merges_them(db: str, tmp_path: Path) -> None:
    first_half, second_half = LONG[:6], LONG[5:]
    ingest_dumps(paths=[str(dump(tmp_path / "r1", "first.txt", first_half))], db=db)
    ingest_dumps(paths=[str(dump(tmp_path / "r2", "second.txt", second_half))], db=db)
    first, second = article_id(db, "first.txt"), article_id(db, "second.txt")
    assert members(db)["second.txt"][0] == second  # too little in common: a story of its own

    report = ingest_dumps(paths=[str(dump(tmp_path / "r3", "whole.txt", LONG))], db=db)
    assert report.near_duplicates >= 1
    found = members(db)
    assert {found[name][0] for name in ("first.txt", "second.txt", "whole.txt")} == {first}
    con = duckdb.connect(db, read_only=True)
    merges = con.execute("SELECT from_story, into_story FROM story_merges").fetchall()
    stories = con.execute("SELECT story_id, n_articles FROM stories").fetchall()
    con.close()
    assert merges == [(second, first)]
    assert stories == [(first, 3)]
    stored, fresh = lineage_recomputed(db)
    assert stored == fresh


def test_a_credited_copy_becomes_canonical_and_every_member_is_described_again(db: str, tmp_path: Path) -> None:
    ingest_dumps(paths=[str(dump(tmp_path / "r1", "plain.txt", LONG))], db=db)
    ingest_dumps(paths=[str(dump(tmp_path / "r2", "trimmed.txt", LONG[:-2]))], db=db)
    before, _ = lineage_recomputed(db)
    credited = [LONG[0].replace("वाशिंगटन, 12 जुलाई:", "वाशिंगटन, 12 जुलाई (आईएएनएस)।"), *LONG[1:-1]]
    assert credited[0] != LONG[0]
    ingest_dumps(paths=[str(dump(tmp_path / "r3", "credited.txt", credited))], db=db)
    found = members(db)
    assert {found[name][0] for name in ("plain.txt", "trimmed.txt", "credited.txt")} == {article_id(db, "plain.txt")}
    assert found["credited.txt"][1] == "canonical" and found["plain.txt"][1] == "near"
    stored, fresh = lineage_recomputed(db)
    assert stored == fresh
    assert stored[article_id(db, "trimmed.txt")] != before[article_id(db, "trimmed.txt")]


def test_articles_stored_without_shingles_are_verified_from_their_bodies(db: str, tmp_path: Path) -> None:
    ingest_dumps(paths=[str(dump(tmp_path / "r1", "original.txt", LONG))], db=db)
    con = duckdb.connect(db)
    kept = con.execute("SELECT * EXCLUDE (article_id) FROM article_shingles").fetchall()
    con.execute("DELETE FROM article_shingles")  # as in a warehouse made before migration 005
    con.close()
    ingest_dumps(paths=[str(dump(tmp_path / "r2", "trimmed.txt", LONG[:-2]))], db=db)
    assert members(db)["trimmed.txt"][:2] == (article_id(db, "original.txt"), "near")
    con = duckdb.connect(db, read_only=True)
    backfilled = con.execute(
        "SELECT s.* EXCLUDE (article_id) FROM article_shingles s JOIN articles a USING (article_id) "
        "WHERE a.source_uri LIKE ?",
        ["%/original.txt"],
    ).fetchall()
    con.close()
    assert backfilled == kept


def test_seed_pairs_that_share_sentences_stay_apart(db: str) -> None:
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    found = members(db)
    assert len({story for story, *_ in found.values()}) == 5


def test_a_warehouse_made_before_compact_shingles_upgrades_and_still_joins(tmp_path: Path) -> None:
    from khabar.warehouse.migrate import SQL_DIR, migrate, migrations

    db = str(tmp_path / "old.duckdb")
    ingest_dumps(paths=[str(dump(tmp_path / "r1", "original.txt", LONG))], db=db)
    old_sql = tmp_path / "sql"
    old_sql.mkdir()
    for path in sorted(SQL_DIR.glob("00[1-6]_*.sql")):
        (old_sql / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    con = duckdb.connect(db)  # roll the warehouse back to its schema at migration 006, old rows and all
    con.execute("DROP TABLE article_shingles")
    con.execute("DELETE FROM schema_migrations WHERE version IN (5, 7)")
    migrate(con, old_sql)
    con.execute("INSERT INTO article_shingles SELECT article_id, '\\x00'::BLOB, [] FROM articles")
    con.close()

    ingest_dumps(paths=[str(dump(tmp_path / "r2", "trimmed.txt", LONG[:-2]))], db=db)
    assert members(db)["trimmed.txt"][:2] == (article_id(db, "original.txt"), "near")
    con = duckdb.connect(db, read_only=True)
    latest = max(m.version for m in migrations())  # every later migration applies on top
    latest = max(int(path.name[:3]) for path in SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(latest,)]
    assert con.execute("SELECT count(*) FROM article_shingles").fetchall() == [(2,)]
    con.close()


def test_a_merge_moves_links_to_the_absorbing_story_without_repeats(db: str) -> None:
    """Links of a story that ceased move to the one that absorbed it; a link that then repeats one already there,
    or joins a story to itself, goes; links of other stories stay as they were."""
    con = connect(db)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    links = [
        ("later", "absorbed", 0.3),  # becomes later → keeper, which exists: dropped
        ("later", "keeper", 0.4),
        ("absorbed", "keeper", 0.5),  # becomes keeper → keeper: dropped
        ("other", "absorbed", 0.6),  # becomes other → keeper
        ("x", "y", 0.7),
        ("x", "y", 0.8),  # a repeat among stories no merge touched stays: the merge reads only its own links
    ]
    con.executemany("INSERT INTO story_links VALUES (?, ?, 'follow_up', ?, 'old', ?)", [(*link, at) for link in links])
    _merge(con, [("absorbed", "keeper", "via")], "run", at)
    found = sorted(con.execute("SELECT from_story, to_story, similarity FROM story_links").fetchall())
    con.close()
    assert found == [("later", "keeper", 0.3), ("other", "keeper", 0.6), ("x", "y", 0.7), ("x", "y", 0.8)]


def test_compact_shingles_read_back_from_arrow_equal_those_written() -> None:
    bodies = [p.read_text() for p in sorted(SAMPLES.iterdir())] + ["एक छोटा पैराग्राफ।"]
    kept = {f"a{i}": k for i, k in enumerate(compact_bodies(bodies))}
    table = shingle_table(kept)
    # several chunks, one a slice (its offsets start past 0), as Arrow may hand them over
    split = pa.Table.from_batches([*table.slice(0, 2).to_batches(), *table.slice(2).to_batches()])
    assert split.column("windows").num_chunks == 2 and split.column("windows").chunks[1].offset == 2
    for read in (staged_windows(table), staged_windows(split)):
        assert read.keys() == kept.keys()
        for article_id, compact in kept.items():
            got = read[article_id]
            assert got.windows.dtype == np.uint32 and np.array_equal(got.windows, compact.windows)
            assert np.array_equal(got.short, compact.short) and got.short.dtype == np.uint32
            assert (got.paragraph_words, got.numbers) == (compact.paragraph_words, compact.numbers)


def test_a_storys_days_of_the_year_in_sql_are_day_of_year_in_python(tmp_path: Path) -> None:
    """The days the candidates' stories are read with (`DAY_OF_YEAR`) against `day_of_year`: publication in India
    round midnight and on leap days, datelines with and without a year, impossible days, a weekday-guessed year."""
    rng = np.random.default_rng(3)
    midnights = [datetime(y, m, d, 18, 30, tzinfo=UTC) for y, m, d in ((2023, 12, 31), (2024, 2, 28), (2020, 2, 29))]
    published = [
        None,
        *(t.replace(second=s) for t in midnights for s in (0, 1)),
        *(t.replace(minute=29) for t in midnights),
    ]
    published += [datetime.fromtimestamp(int(x), UTC) for x in rng.integers(0, 2_000_000_000, 40)]
    datelines = [None, date(2024, 2, 29), date(2023, 12, 31), date(2021, 1, 1)]
    month_days = [(None, None), (2, 29), (2, 30), (4, 31), (12, 31), (13, 1), (0, 5), (1, 0), (6, None)]
    rows = [
        (p, d, m, dd, source, year)
        for p in published
        for d in datelines
        for m, dd in month_days
        for source, year in (("dateline", "weekday"), ("meta", None))
    ]
    con = duckdb.connect(str(tmp_path / "days.duckdb"))
    con.execute(
        "CREATE TABLE a (published_at TIMESTAMPTZ, dateline_date DATE, dateline_month TINYINT, dateline_day TINYINT, "
        "published_source VARCHAR, dateline_year_source VARCHAR)"
    )
    con.executemany("INSERT INTO a VALUES (?, ?, ?, ?, ?, ?)", rows)
    known = KNOWN_PUBLISHED.format(a="a.")
    found = con.execute(
        f"SELECT {known}, dateline_date, dateline_month, dateline_day, {DAY_OF_YEAR.format(known=known)} FROM a"
    )
    checked = found.fetchall()
    con.close()
    assert len(checked) == len(rows) and any(day is None for *_, day in checked)
    for p, d, m, dd, day in checked:
        assert day == day_of_year(p, d, m, dd), (p, d, m, dd)
