"""How a story spread, on real `khabar ingest` runs: re-topped and embedded agency copy joins its story, a
follow-up with new figures or a copy past the window starts its own story and is linked, `story_outlets`
ranks the outlets, `member_paragraphs` says what each copy changed, and the summary counts merges."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from khabar.cli import main
from khabar.config import DedupSettings
from khabar.flows.ingest import ingest_dumps
from khabar.flows.params import DedupOptions
from khabar.grouping.matching import same_story
from khabar.warehouse.shingle_store import read_windows
from tests.conftest import SAMPLES
from tests.test_stories import LONG, TITLE, article_id, dump

pytestmark = pytest.mark.usefixtures("prefect_api")

OWN = [  # an outlet's own reporting, on other subjects: what it adds around agency copy
    p
    for name in ("002_ff795dba96db68e1.txt", "003_1e727c62d9b96920.txt")
    for p in (SAMPLES / name).read_text().split("\n")
    if len(p.split()) > 15
]
LEDE = "हमारे संवाददाता के अनुसार प्योंगयांग में हुई इस बैठक पर दुनिया भर की नजरें टिकी थीं और विशेषज्ञ इसे अहम मान रहे हैं।"
FIGURES = "अधिकारियों के अनुसार अब तक {0} लोगों को हिरासत में लिया गया, {1} को रिहा किया गया और {2} मामलों की जांच जारी है।"
DAY = datetime(2025, 7, 12, 9, 30, tzinfo=UTC)


def records(folder: Path, name: str, rows: list[dict[str, object]]) -> Path:
    """A JSONL file of records: (outlet, title, paragraphs, published) as a news API gives them."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {
                "url": f"https://{row['outlet']}/{name}/{i}",  # article_id_of(db, f"{name}/{i}")
                "outlet": row["outlet"],
                "title": row.get("title", TITLE),
                "text": "\n\n".join(row["paragraphs"]),  # type: ignore[arg-type]
                "published_at": row["published"].isoformat() if row.get("published") else None,  # type: ignore[attr-defined]
            },
            ensure_ascii=False,
        )
        for i, row in enumerate(rows)
    ]
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def query(db: str, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_retopped_and_embedded_agency_copy_joins_its_story_and_lineage_is_per_paragraph(
    db: str, tmp_path: Path
) -> None:
    agency = LONG[1:9]
    embedded = [*OWN[:3], *LONG[1:7], *OWN[3:5]]  # six agency paragraphs inside a longer article of its own
    retopped = [LEDE, *LONG[2:7]]  # its own lede over five agency paragraphs; the agency's lede and tail gone
    assert len(OWN) >= 5
    ingest_dumps(paths=[str(dump(tmp_path / "r1" / "Agency Wire", "agency.txt", agency))], db=db)
    report = ingest_dumps(
        paths=[str(dump(tmp_path / "r2" / "Outlet B", "embedded.txt", embedded, "दुनिया की खबरें"))], db=db
    )
    assert (report.near_duplicates, report.stories_new) == (1, 0)
    retitled = "रूस-उत्तर कोरिया: नई दोस्ती"
    ingest_dumps(paths=[str(dump(tmp_path / "r3" / "Outlet A", "retopped.txt", retopped, title=retitled))], db=db)
    story = article_id(db, "agency.txt")
    found = dict(
        query(
            db,
            "SELECT regexp_extract(a.source_uri, '[^/]+$'), m.story_id FROM story_members m JOIN articles a USING (article_id)",
        )
    )
    assert found == {"agency.txt": story, "retopped.txt": story, "embedded.txt": story}
    # whole-body similarity alone would not have joined the embedded copy: paragraph evidence did
    con = duckdb.connect(db, read_only=True)
    prints = {
        a: k.whole() for a, k in read_windows(con, {story, article_id(db, "embedded.txt")}, DedupSettings()).items()
    }
    con.close()
    assert same_story(*prints.values(), DedupSettings(min_paragraph_containment=2)) is None
    assert same_story(*prints.values()) is not None

    lineage = query(
        db,
        "SELECT seq, canonical_seq, status FROM member_paragraphs WHERE article_id = ? ORDER BY seq NULLS LAST, canonical_seq",
        [article_id(db, "retopped.txt")],
    )
    canonical_paragraphs = {
        seq for (seq,) in query(db, "SELECT seq FROM member_paragraphs WHERE article_id = ?", [story])
    }
    statuses = [status for *_, status in lineage]
    assert (statuses.count("added"), statuses.count("kept"), statuses.count("dropped")) == (1, 5, 3)
    kept_from = [canonical for _, canonical, status in lineage if status == "kept"]
    assert kept_from == sorted(kept_from) and set(kept_from) <= canonical_paragraphs
    counts = query(
        db,
        "SELECT added_paragraphs, removed_paragraphs FROM story_members WHERE article_id = ?",
        [article_id(db, "retopped.txt")],
    )
    assert counts == [(statuses.count("added"), statuses.count("dropped"))]


def test_shared_background_paragraphs_keep_stories_apart(db: str, tmp_path: Path) -> None:
    """Seeds 000 and 004 share two paragraphs of background: two stories, and no link between them."""
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    stories = query(db, "SELECT count(DISTINCT story_id) FROM story_members")
    assert stories == [(5,)]
    assert query(db, "SELECT count(*) FROM story_links") == [(0,)]


def test_a_follow_up_with_new_figures_days_later_is_its_own_story_linked_to_the_first(db: str, tmp_path: Path) -> None:
    first = [*LONG[:6], FIGURES.format(1240, 312, 57)]
    again = [*LONG[:6], FIGURES.format(1240, 312, 57)]
    follow_up = [*LONG[:5], FIGURES.format(2981, 744, 139)]
    ingest_dumps(
        paths=[str(records(tmp_path / "r1", "day1.jsonl", [
            {"outlet": "agency.example", "paragraphs": first, "published": DAY},
            {"outlet": "paper.example", "paragraphs": again, "published": DAY + timedelta(hours=3)},
        ]))],
        db=db,
    )  # fmt: skip
    report = ingest_dumps(
        paths=[str(records(tmp_path / "r2", "day4.jsonl", [
            {"outlet": "agency.example", "paragraphs": follow_up, "published": DAY + timedelta(days=3)},
        ]))],
        db=db,
    )  # fmt: skip
    assert report.stories_new == 1 and report.stories_linked == 1 and report.stories_merged == 0
    assert report.story_change() == "1 → 2 stories: 1 new, 0 merged, 1 linked as follow-ups"
    links = query(db, "SELECT from_story, to_story, kind, similarity FROM story_links")
    [(later, earlier, kind, similarity)] = links
    assert (kind, later, earlier) == (
        "follow_up",
        article_id_of(db, "day4.jsonl/0"),
        article_id_of(db, "day1.jsonl/0"),
    )
    assert 0.5 < similarity <= 1  # type: ignore[operator]


def test_a_copy_published_past_the_window_starts_its_own_story(db: str, tmp_path: Path) -> None:
    rows = [
        {"outlet": "agency.example", "paragraphs": LONG, "published": DAY},
        {"outlet": "paper.example", "paragraphs": LONG[:-1], "published": DAY + timedelta(days=2)},
        {"outlet": "late.example", "paragraphs": LONG[:-1], "published": DAY + timedelta(days=40)},
    ]
    ingest_dumps(paths=[str(records(tmp_path / "in", "copies.jsonl", rows))], db=db)
    spans = query(db, "SELECT n_articles, span_minutes FROM stories ORDER BY first_published")
    assert spans == [(2, 2 * 24 * 60), (1, 0)]
    assert [kind for _, _, kind in query(db, "SELECT from_story, to_story, kind FROM story_links")] == ["follow_up"]

    off = tmp_path / "off.duckdb"  # the window is a parameter: off, the three are one story
    ingest_dumps(
        paths=[str(records(tmp_path / "in2", "copies.jsonl", rows))],
        db=str(off),
        dedup=DedupOptions(publish_window_days=0),
    )
    assert query(str(off), "SELECT n_articles, span_minutes FROM stories") == [(3, 40 * 24 * 60)]


def test_a_dateline_without_a_year_is_placed_by_its_day_and_month(db: str, tmp_path: Path) -> None:
    """Copies with no publication time and a dateline without a year: the window still weighs their day of the
    year, so the one datelined three months after the dated story starts its own story, linked to it, while
    one datelined the day before joins it."""
    lede = LONG[0].strip().replace("शनिवार को ", "")  # "वाशिंगटन, 12 जुलाई: ...": no year, no weekday
    figures = FIGURES.format(1240, 312, 57)
    body = [lede, *LONG[1:], figures]  # the dateline's day is one figure of five: the figures agree
    ingest_dumps(
        paths=[str(records(tmp_path / "r1", "dated.jsonl", [{"outlet": "agency.example", "paragraphs": body, "published": DAY}]))],
        db=db,
    )  # fmt: skip
    dump(tmp_path / "r2" / "Paper", "day_before.txt", [lede.replace("12 जुलाई", "11 जुलाई"), *body[1:]])
    dump(tmp_path / "r2" / "Paper", "october.txt", [lede.replace("12 जुलाई", "20 अक्टूबर"), *body[1:]])
    ingest_dumps(paths=[str(tmp_path / "r2")], db=db)
    rows = query(
        db,
        "SELECT regexp_extract(a.source_uri, '[^/]+$'), a.dateline_month, a.dateline_day, m.story_id, a.dateline_date "
        "FROM articles a JOIN story_members m USING (article_id)",
    )
    month_day = {name: (month, day, year) for name, month, day, _, year in rows}
    story = {name: story_id for name, _, _, story_id, _ in rows}
    assert (month_day["day_before.txt"], month_day["october.txt"]) == ((7, 11, None), (10, 20, None))
    assert story["day_before.txt"] == story["0"] != story["october.txt"]
    links = query(db, "SELECT from_story, to_story, kind FROM story_links")
    assert links == [(story["october.txt"], story["0"], "follow_up")]


def test_story_outlets_rank_the_outlets_by_publication_with_their_lag(db: str, tmp_path: Path) -> None:
    rows = [
        {"outlet": "paper.example", "paragraphs": LONG[:-1], "published": DAY + timedelta(minutes=95)},
        {"outlet": "agency.example", "paragraphs": LONG, "published": DAY},
        {"outlet": "bhaskarhindi.com", "paragraphs": LONG[:-2], "published": DAY + timedelta(hours=26)},
        {"outlet": "BhaskarHindi", "paragraphs": LONG[1:], "published": DAY + timedelta(hours=30)},
    ]
    ingest_dumps(paths=[str(records(tmp_path / "in", "copies.jsonl", rows))], db=db)
    spread = query(
        db,
        "SELECT outlet, rank, lag_minutes, relation, published_precision FROM story_outlets ORDER BY rank",
    )
    # bhaskarhindi.com is an alias of BhaskarHindi: one outlet, its earlier copy
    assert [row[:3] for row in spread] == [
        ("agency.example", 1, 0),
        ("paper.example", 2, 95),
        ("BhaskarHindi", 3, 26 * 60),
    ]
    assert spread[0][3] == "canonical" and all(row[4] == "datetime" for row in spread)
    [(n_outlets, outlets, first, last, span)] = query(
        db, "SELECT n_outlets, outlets, first_published, last_published, span_minutes FROM stories"
    )
    assert (n_outlets, outlets, span) == (3, ["BhaskarHindi", "agency.example", "paper.example"], 30 * 60)
    assert (first, last) == (DAY, DAY + timedelta(hours=30))


def test_a_story_of_top_level_files_has_no_outlet_but_counts_one(db: str, tmp_path: Path) -> None:
    folder = dump(tmp_path / "top", "a.txt", LONG)
    dump(folder, "b.txt", LONG[:-1])
    ingest_dumps(paths=[str(folder)], db=db)
    assert query(db, "SELECT n_articles, n_outlets, outlets FROM stories") == [(2, 1, [])]
    assert query(db, "SELECT outlet, rank FROM story_outlets") == [(None, 1)]


def test_the_summary_counts_stories_before_and_after_with_merges(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest_dumps(paths=[str(dump(tmp_path / "r1", "first.txt", LONG[:6]))], db=db)
    ingest_dumps(paths=[str(dump(tmp_path / "r2", "second.txt", LONG[5:]))], db=db)
    ingest_dumps(paths=[str(dump(tmp_path / "r3", "other.txt", OWN))], db=db)
    assert main(["ingest", str(dump(tmp_path / "r4", "whole.txt", LONG)), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "stories           3 → 2 stories: 0 new, 1 merged" in out


def article_id_of(db: str, uri_end: str) -> str:
    [(found,)] = query(db, "SELECT article_id FROM articles WHERE source_uri LIKE ?", [f"%/{uri_end}"])
    return str(found)


def test_a_short_paragraph_copied_word_for_word_is_kept(db: str, tmp_path: Path) -> None:
    """A paragraph shorter than a shingle (a subhead, "यह भी पढ़ें") is one hash of its words: copied as it is,
    it is kept, not added on one side and dropped on the other."""
    subhead = "बैठक के बाद"
    with_subhead = [*LONG[:2], subhead, *LONG[2:]]
    rows = [
        {"outlet": "agency.example", "paragraphs": with_subhead, "published": DAY},
        {"outlet": "paper.example", "paragraphs": with_subhead[:-1], "published": DAY + timedelta(hours=1)},
    ]
    ingest_dumps(paths=[str(records(tmp_path / "in", "copies.jsonl", rows))], db=db)
    lineage = query(
        db,
        "SELECT p.seq, p.canonical_seq, p.status FROM member_paragraphs p JOIN story_members m USING (article_id) "
        "WHERE m.relation = 'near' ORDER BY p.seq NULLS LAST",
    )
    assert (2, 2, "kept") in lineage
    assert [status for *_, status in lineage].count("dropped") == 1  # the last paragraph only


def test_a_follow_up_links_from_the_later_publication(db: str, tmp_path: Path) -> None:
    """story_links.from_story is the story published later, whatever order the copies were loaded in."""
    later = [*LONG[:-1], FIGURES.format(40, 12, 7)]
    earlier = [*LONG[:-1], FIGURES.format(25, 3, 2)]
    first = [{"outlet": "paper.example", "paragraphs": later, "published": DAY + timedelta(days=1)}]
    second = [{"outlet": "agency.example", "paragraphs": earlier, "published": DAY}]  # loaded by a later run
    ingest_dumps(paths=[str(records(tmp_path / "in1", "later.jsonl", first))], db=db)
    ingest_dumps(paths=[str(records(tmp_path / "in2", "earlier.jsonl", second))], db=db)
    links = query(
        db,
        "SELECT f.first_published > t.first_published FROM story_links l "
        "JOIN stories f ON f.story_id = l.from_story JOIN stories t ON t.story_id = l.to_story",
    )
    assert links == [(True,)]


def test_on_one_day_the_copy_with_a_time_is_canonical_before_one_with_only_the_date(db: str, tmp_path: Path) -> None:
    """A copy dated only by its day sits at that day's 00:00 in India, but its time is unknown: the copy whose
    time is known that day is the canonical, not the date-only one that happens to sort first."""
    rows = [
        {"outlet": "dateonly.example", "paragraphs": LONG[:-1], "published": DAY.date()},
        {"outlet": "timed.example", "paragraphs": LONG, "published": DAY},
    ]
    ingest_dumps(paths=[str(records(tmp_path / "in", "copies.jsonl", rows))], db=db)
    got = query(
        db,
        "SELECT a.outlet, a.published_precision, m.relation FROM story_members m JOIN articles a USING (article_id) "
        "ORDER BY a.outlet",
    )
    assert got == [("dateonly.example", "date", "near"), ("timed.example", "datetime", "canonical")]
