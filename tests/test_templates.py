"""Outlet templates learned from the archive: units printed under many stories go, wherever they sit
in the head or tail zone, glued to the last sentence or not; content republished in one story stays."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import pytest

from khabar.flows.ingest import ingest_dumps
from khabar.flows.params import BatchOptions
from khabar.grouping.windows import Compact
from khabar.text.templates import family_counts, fingerprint, sentences, strip_templates, zone_units
from khabar.warehouse import load, shingle_store
from tests import lake
from tests.conftest import FIXTURES

PROMO = "खबरनामा की ओर से पाठकों के लिए यह प्रस्तुति तैयार की गई है, जिसमें दिनभर की अहम घटनाओं का ब्योरा दिया गया है।"
DISCLAIMER = "खबरनामा पर छपी इस सामग्री के सभी अधिकार सुरक्षित हैं और बिना अनुमति इसका दोबारा उपयोग वर्जित है।"


EDITIONS = ("सुबह", "दोपहर", "शाम", "रात", "नगर", "डाक")


def stories(count: int) -> list[list[str]]:
    """Three article paragraphs from each of `count` golden fixtures: different stories."""
    found = []
    for path in sorted((FIXTURES / "golden").glob("g*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        prose = [line.strip() for line in lines if len(line.split()) >= 20 and line.strip().endswith("।")]
        if len(prose) >= 3:
            found.append(prose[:3])
    assert len(found) >= count
    return found[:count]


def dump(folder: Path, name: str, paragraphs: list[str], promo: str = PROMO) -> None:
    """An outlet's page: its promo line on top, its disclaimer glued to the last paragraph."""
    folder.mkdir(parents=True, exist_ok=True)
    *body, last = paragraphs
    text = "\n\n".join([promo, *body, f"{last} {DISCLAIMER}"])
    (folder / name).write_text(f"शीर्षक {name}\n\n{text}\n", encoding="utf-8")


def test_sentences_rejoin_to_the_paragraph_and_cut_only_at_sentence_ends() -> None:
    paragraph = "डॉ. राम ने 3.5 करोड़ रुपये दिए। क्या यह सही है? हां! भाषा राम श्याम"
    assert "".join(sentences(paragraph)) == paragraph
    assert [s.strip() for s in sentences(paragraph)] == [
        "डॉ. राम ने 3.5 करोड़ रुपये दिए।",
        "क्या यह सही है?",
        "हां!",
        "भाषा राम श्याम",
    ]


def test_a_trailing_template_sentence_goes_and_the_article_sentence_stays() -> None:
    body = f"{PROMO}\n\nपहला पैराग्राफ जिसमें खबर की मुख्य बात लिखी है।\n\nआखिरी वाक्य यहां खत्म होता है। {DISCLAIMER}"
    prints = {fp: 6 for fp in (fingerprint(PROMO), fingerprint(DISCLAIMER)) if fp is not None}
    stripped = strip_templates(body, prints)
    assert stripped.body == "पहला पैराग्राफ जिसमें खबर की मुख्य बात लिखी है।\n\nआखिरी वाक्य यहां खत्म होता है।"
    assert [text for text, _ in stripped.removed] == [PROMO, DISCLAIMER]
    assert {u.zone for u in zone_units(body)} == {"head", "tail", "sentence"}
    assert strip_templates(body, prints, min_words=100).body == body  # too little would remain: left whole


def families(stories: str, links: list[tuple[str, str]], shared: str = "") -> int:
    """`family_counts` of one unit printed under `stories` (one letter each)."""
    later, earlier = (np.array([stories.index(link[k]) for link in links], np.int64) for k in (0, 1))
    own = np.array([story not in shared for story in stories], bool)
    return int(family_counts(np.zeros(len(stories), np.int64), later, earlier, own).sum())


def test_a_story_and_its_follow_ups_count_once_and_only_as_the_outlets_own() -> None:
    stories, links = "abcdef", [("b", "a"), ("c", "b"), ("c", "a"), ("e", "d")]  # a cycle counts once, a repeat too
    assert families(stories, links) == 3 and families(stories, [*links, ("e", "d")]) == 3 and families("ab", []) == 2
    assert families(stories, links, shared="ad") == 3  # a family with one story of the outlet's own counts
    assert families(stories, links, shared="def") == 1 and families("ab", [], shared="ab") == 0


def test_families_of_many_units_are_counted_at_once_as_one_by_one() -> None:
    """Units of random stories and links (chains, cycles, stars), counted together, against a union-find of each."""
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 40, 300)
    unit = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    later, earlier = [], []
    for first, size in zip(starts.tolist(), sizes.tolist(), strict=True):
        for _ in range(int(rng.integers(0, 2 * size))):  # links inside the unit only, as follow-ups are
            a, b = rng.integers(first, first + size, 2).tolist()
            if a != b:
                later.append(a)
                earlier.append(b)
    own = rng.random(len(unit)) < 0.7
    counted = family_counts(unit, np.array(later, np.int64), np.array(earlier, np.int64), own)
    parent = list(range(len(unit)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in zip(later, earlier, strict=True):
        parent[root(a)] = root(b)
    expected = np.zeros(len(sizes), np.int64)
    for family in {root(node) for node in np.flatnonzero(own).tolist()}:
        expected[unit[family]] += 1
    assert counted.tolist() == expected.tolist()
    assert 0 < counted.sum() < own.sum()  # families joined stories, and some were other outlets' too


@pytest.mark.usefixtures("prefect_api")
def test_templates_are_learned_across_runs_and_earlier_articles_recleaned(tmp_path: Path, db: str) -> None:
    outlet = tmp_path / "dumps" / "Khabarnama"
    texts = stories(7)
    for i, paragraphs in enumerate(texts[:3]):  # with the editions below, four stories: below five
        dump(
            outlet, f"s{i}.txt", paragraphs, PROMO.replace(",", "") if i == 0 else PROMO
        )  # one spelt without its comma
    for edition, name in enumerate(EDITIONS):  # one story printed in six editions is one story, its text content
        dump(outlet, f"edition{edition}.txt", [*texts[6][:2], f"{texts[6][2]} {name} संस्करण।"])
    ingest_dumps(paths=[str(tmp_path / "dumps")], db=db)
    con = duckdb.connect(db, read_only=True)
    assert (
        con.execute(
            "SELECT count(*) FROM articles WHERE contains(body || coalesce(lede, ''), 'खबरनामा की ओर से')"
        ).fetchall()[0][0]
        == 9
    )
    kept = "SELECT * EXCLUDE (body, word_count, body_sha256, lede) FROM articles ORDER BY article_id"
    earlier = con.execute(kept).fetchall()
    con.close()

    for i, paragraphs in enumerate(texts[3:6], start=3):  # three more stories: the wrapper is learned
        dump(outlet, f"s{i}.txt", paragraphs)
    ingest_dumps(paths=[str(tmp_path / "dumps")], db=db)
    con = duckdb.connect(db, read_only=True)
    bodies = dict(con.execute("SELECT regexp_extract(source_uri, '[^/]+$'), body FROM articles").fetchall())
    assert len(bodies) == 12
    for name, body in bodies.items():
        assert "खबरनामा" not in body, name
    assert not con.execute("SELECT count(*) FROM articles WHERE contains(lede, 'खबरनामा')").fetchall()[0][0]
    for i, paragraphs in enumerate(texts[:6]):  # the article's own last sentence is kept, earlier runs' too
        assert bodies[f"s{i}.txt"].endswith(paragraphs[-1]), i
    assert all(texts[6][0] in bodies[f"edition{e}.txt"] for e in range(6))  # the six editions' text stays
    blocks = con.execute(
        "SELECT text, template_stories FROM removed_blocks WHERE kind = 'template' ORDER BY article_id, seq"
    ).fetchall()
    assert {text for text, _ in blocks} == {PROMO, PROMO.replace(",", ""), DISCLAIMER}  # two spellings, one template
    assert len(blocks) == 2 * 12 and all(n >= 5 for _, n in blocks)  # one promo was a lede
    units = con.execute("SELECT text, count(*) FROM zone_units WHERE removed GROUP BY text").fetchall()
    assert sorted(units) == sorted([(PROMO, 11), (PROMO.replace(",", ""), 1), (DISCLAIMER, 12)])  # removed everywhere
    samples = con.execute("SELECT sample FROM outlet_templates WHERE n_stories >= 5").fetchall()
    assert sorted(samples) == sorted([(PROMO.replace(",", ""),), (DISCLAIMER,)])  # the least text, from an earlier run
    sha = con.execute("SELECT count(*) FROM articles WHERE body_sha256 IS NULL OR word_count < 20").fetchall()[0][0]
    assert sha == 0
    # the earlier articles, re-cleaned (their rows moved, not updated), keep every other column, once each
    assert [row for row in con.execute(kept).fetchall() if row in earlier] == earlier
    assert con.execute("SELECT count(DISTINCT article_id) FROM articles").fetchall()[0][0] == 12
    con.close()


@pytest.mark.usefixtures("prefect_api")
def test_the_background_a_story_and_its_follow_ups_repeat_stays_content(tmp_path: Path, db: str) -> None:
    outlet = tmp_path / "dumps" / "Khabarnama"
    texts = stories(7)
    for i, paragraphs in enumerate(texts[:6]):  # six different stories: the wrapper is learned
        dump(outlet, f"s{i}.txt", paragraphs)
    for k in range(6):  # a story and five follow-ups with new figures: six stories of one family
        figures = f"अब तक {120 + 37 * k} लोग संक्रमित हुए, {45 + 11 * k} ठीक हुए और {7 + 3 * k} की मौत हुई है।"
        dump(outlet, f"update{k}.txt", [*texts[6], figures])
    ingest_dumps(paths=[str(tmp_path / "dumps")], db=db)
    con = duckdb.connect(db, read_only=True)
    updates = con.execute(
        "SELECT a.body, m.story_id FROM articles a JOIN story_members m USING (article_id) "
        "WHERE a.source_uri LIKE '%update%'"
    ).fetchall()
    links = con.execute("SELECT count(*) FROM story_links WHERE kind = 'follow_up'").fetchall()[0][0]
    counts = dict(con.execute("SELECT fingerprint, n_stories FROM outlet_templates").fetchall())
    con.close()
    assert len({story for _, story in updates}) == 6 and links >= 5  # follow-ups: stories of their own, linked
    for body, _ in updates:  # the wrapper goes, the background the six repeat stays
        assert "खबरनामा" not in body and all(paragraph in body for paragraph in texts[6])
    assert counts[fingerprint(texts[6][0])] == 1 and counts[fingerprint(PROMO)] == 7


@pytest.mark.usefixtures("prefect_api")
def test_a_paragraph_other_outlets_print_with_the_story_stays_and_a_shared_disclaimer_is_learned(
    tmp_path: Path, db: str
) -> None:
    # Khabarnama runs eleven stories under its promo and disclaimer; five are wire copy that Darpan runs too, with
    # the same background paragraph and the disclaimer. The background reaches five stories of each outlet.
    texts = stories(11)
    background = "गौरतलब है कि राज्य में पिछले साल भी इसी मौसम में ऐसे ही हालात बने थे और सरकार को राहत शिविर लगाने पड़े थे।"
    for i, (first, second, last) in enumerate(texts):
        dump(tmp_path / "dumps" / "Khabarnama", f"k{i}.txt", [first, second, *([background] if i > 5 else []), last])
        if i > 5:
            (tmp_path / "dumps" / "Darpan").mkdir(parents=True, exist_ok=True)
            page = "\n\n".join([first, second, background, f"{last} {DISCLAIMER}"])
            (tmp_path / "dumps" / "Darpan" / f"d{i}.txt").write_text(f"शीर्षक d{i}\n\n{page}\n", encoding="utf-8")
    ingest_dumps(paths=[str(tmp_path / "dumps")], db=db)
    con = duckdb.connect(db, read_only=True)
    bodies = con.execute("SELECT outlet, regexp_extract(source_uri, '[^/]+$'), body FROM articles").fetchall()
    counts = dict(
        con.execute(
            "SELECT (outlet, fingerprint), n_stories FROM outlet_templates WHERE fingerprint IN (?, ?, ?)",
            [fingerprint(PROMO), fingerprint(DISCLAIMER), fingerprint(background)],
        ).fetchall()
    )
    shared = con.execute(
        "SELECT count(DISTINCT story_id) FROM story_members GROUP BY story_id HAVING count(*) = 2"
    ).fetchall()
    con.close()
    assert len(bodies) == 16 and len(shared) == 5  # each wire story is one story of two copies
    outlets = {outlet for outlet, _, _ in bodies}
    khabarnama, darpan = sorted(outlets, key=lambda outlet: "Darpan" in outlet)
    assert counts == {  # the promo under all eleven, the disclaimer under Khabarnama's own six, the background none
        (khabarnama, fingerprint(PROMO)): 11,
        (khabarnama, fingerprint(DISCLAIMER)): 6,
        (khabarnama, fingerprint(background)): 0,
        (darpan, fingerprint(DISCLAIMER)): 0,
        (darpan, fingerprint(background)): 0,
    }
    for outlet, name, body in bodies:
        assert (background in body) == (name[1:-4].isdigit() and int(name[1:-4]) > 5), name  # content stays
        assert ("खबरनामा" not in body) == (outlet == khabarnama), name  # Darpan's disclaimer only its copies teach


def test_a_writer_keeps_shingles_across_chunks_and_forgets_those_a_later_chunk_strips(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of two: the wrapper reaches five stories in the third and goes from the four articles the writer kept
    # from the first two; the last chunk's copy of the first story is then compared with it, stripped.
    outlet = tmp_path / "dumps" / "Khabarnama"
    texts = stories(6)
    for i, paragraphs in enumerate(texts):
        dump(outlet, f"a{i}.txt", paragraphs)
    dump(outlet, "z_copy.txt", [texts[0][0], texts[0][1], f"{texts[0][2]} {EDITIONS[0]} संस्करण।"])
    settled = time.time() - 60  # older than a run's guard for files still being written: remembered in both runs
    for path in outlet.iterdir():
        os.utime(path, (settled, settled))
    hits: list[int] = []
    stale: set[str] = set()  # kept articles whose shingles a chunk's stripping replaced

    class Recording(shingle_store.KeptWindows):
        def take(self, article_ids: set[str]) -> dict[str, Compact]:
            found = super().take(article_ids)
            hits.append(len(found))
            return found

        def forget(self, article_ids: Iterable[str]) -> None:
            stale.update(set(article_ids) & self._kept.keys())
            super().forget(article_ids)

    batch = BatchOptions(batch_size=1, load_chunk=2)
    runs = {}
    with monkeypatch.context() as patched:  # nothing kept, the new articles' shingles read back from the warehouse
        patched.setattr(load, "KeptWindows", lambda: shingle_store.KeptWindows(limit=0))
        patched.setattr(load, "staged_windows", lambda _: {})
        runs["none"] = ingest_dumps(paths=[str(tmp_path / "dumps")], db=str(tmp_path / "none.duckdb"), batch=batch)
    monkeypatch.setattr(load, "KeptWindows", Recording)
    runs["kept"] = ingest_dumps(paths=[str(tmp_path / "dumps")], db=str(tmp_path / "kept.duckdb"), batch=batch)
    assert runs["kept"].chunks == 4 and sum(hits) > 0 and len(stale) >= 4
    expected, found = (lake.snapshot(str(tmp_path / f"{name}.duckdb")) for name in ("none", "kept"))
    for table in expected:
        assert found[table] == expected[table], table
    con = duckdb.connect(str(tmp_path / "kept.duckdb"), read_only=True)
    copy = con.execute(
        "SELECT m.relation, m.story_id = c.article_id FROM story_members m JOIN articles a USING (article_id), "
        "articles c WHERE a.source_uri LIKE '%z_copy.txt' AND c.source_uri LIKE '%a0.txt'"
    ).fetchall()
    stripped = con.execute("SELECT count(*) FROM articles WHERE contains(body, 'खबरनामा')").fetchall()[0][0]
    con.close()
    assert copy == [("near", True)] and stripped == 0
