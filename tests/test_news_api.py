"""Issue 12 §4: JSONL records as news APIs return them (tests/fixtures/news_api.jsonl, made by
make_news_api.py), through the real ingest flow into a real warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest

from khabar.flows.ingest import ingest_dumps
from tests.conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("prefect_api")
RECORDS = [json.loads(line) for line in (FIXTURES / "news_api.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    db = str(tmp_path_factory.mktemp("news_api") / "w.duckdb")
    ingest_dumps(paths=[str(FIXTURES / "news_api.jsonl")], db=db)
    con = duckdb.connect(db, read_only=True)
    try:
        cursor = con.execute(
            "SELECT d.source_uri, d.outlet, d.status, d.reject_reason, d.repair_note, a.title, a.lede, a.body, "
            "a.author, a.agency, a.published_at, a.truncated FROM documents d LEFT JOIN articles a USING (doc_id)"
        )
        names = [column[0] for column in cursor.description]
        return {str(row[0]): dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.close()


def test_api_fields_are_read(loaded: dict[str, dict[str, object]]) -> None:
    gnews, newsapi = loaded[RECORDS[0]["url"]], loaded[RECORDS[1]["url"]]
    assert gnews["status"] == newsapi["status"] == "parsed"
    assert gnews["outlet"] == "Example Hindi" and newsapi["outlet"] == "Dainik Example"  # source.name
    assert gnews["published_at"] == datetime(2024, 4, 25, 6, 12, tzinfo=UTC)  # publishedAt
    assert newsapi["published_at"] == datetime(2025, 7, 13, 5, 40, tzinfo=UTC)
    assert newsapi["author"] == "Sandeep Malviya"
    assert newsapi["title"] == RECORDS[1]["title"]
    assert "डीपीआरके सरकार का यह लगातार रुख रहा है" in str(gnews["body"])  # content


def test_the_truncation_marker_is_dropped_and_recorded(loaded: dict[str, dict[str, object]]) -> None:
    gnews, newsapi, whole = (loaded[RECORDS[i]["url"]] for i in (0, 1, 4))
    assert gnews["truncated"] is True and newsapi["truncated"] is True and whole["truncated"] is False
    for article in (gnews, newsapi):
        assert "chars]" not in str(article["body"]) and "…" not in str(article["body"])
    assert str(gnews["body"]).endswith("डीपीआरके-रूस")  # the word the API cut in two ("संबं") is not kept
    assert str(newsapi["body"]).endswith("वैज्ञानिकों की मेहनत का परिणाम है।")
    assert whole["agency"] == "HS"


def test_navigation_only_content_falls_back_to_the_description(loaded: dict[str, dict[str, object]]) -> None:
    menu = loaded[RECORDS[2]["url"]]
    assert menu["status"] == "parsed" and menu["truncated"] is True
    assert "अपने मजबूत संबंधों की पुष्टि की" in str(menu["body"]) and "मनोरंजन" not in str(menu["body"])
    assert "description" in str(menu["repair_note"])
    nothing = loaded[RECORDS[3]["url"]]
    assert (nothing["status"], nothing["reject_reason"]) == ("rejected", "no_article_body")
