"""The five real dumps against ../shared/gold/seeds.json (copied to tests/fixtures/gold)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from khabar.inputs.discover import discover, read_inputs
from khabar.records import Outcome
from khabar.text.metadata import IST
from khabar.text.parse import parse_document
from tests.conftest import FIXTURES, SAMPLES

GOLD = json.loads((FIXTURES / "gold" / "seeds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    docs = read_inputs(discover([str(SAMPLES)]), max_bytes=1 << 20)
    read_at = datetime(2025, 7, 14, tzinfo=UTC)
    return {Path(doc.ref.path).name: parse_document(replace(doc, fetched_at=read_at)) for doc in docs}


@pytest.mark.parametrize("name", sorted(GOLD["docs"]))
def test_body_keeps_drops_and_once(outcomes: dict[str, Outcome], name: str) -> None:
    expected = GOLD["docs"][name]
    article = outcomes[name].article
    assert article is not None, outcomes[name].rejection
    for snippet in expected.get("keep", []):
        assert snippet in article.body, f"lost: {snippet}"
    for snippet in expected.get("drop", []):
        assert snippet not in article.body, f"left in: {snippet}"
    for snippet in expected.get("once", []):
        assert article.body.count(snippet) == 1, f"not exactly once: {snippet}"


@pytest.mark.parametrize("name", sorted(GOLD["docs"]))
def test_metadata(outcomes: dict[str, Outcome], name: str) -> None:
    expected = GOLD["docs"][name]
    outcome = outcomes[name]
    article = outcome.article
    assert article is not None
    for field in ("title", "agency", "author", "dateline_place"):
        if field in expected:
            assert getattr(article, field) == expected[field], field
    if "dateline_month_day" in expected:
        assert f"{article.dateline_month:02d}-{article.dateline_day:02d}" == expected["dateline_month_day"]
        assert article.dateline_date is not None  # every seed has evidence of its year (docs/time-model.md)
        assert article.dateline_date.strftime("%m-%d") == expected["dateline_month_day"]
    if "published_date" in expected:
        assert article.published_at is not None
        assert article.published_at.astimezone(IST).date().isoformat() == expected["published_date"]
    if "outlet_hint" in expected:
        assert outcome.outlet == expected["outlet_hint"]
    assert article.language == "hi"


def test_removed_blocks_account_for_the_boilerplate(outcomes: dict[str, Outcome]) -> None:
    kinds = {name: {b.kind for b in o.article.removed} for name, o in outcomes.items() if o.article}
    assert {"disclaimer", "timestamp", "tags", "navigation", "category_label", "repeated_title"} <= kinds[
        "004_cbc86d419f496ce4.txt"
    ]
    assert {"related", "comment_prompt", "category_label", "other"} <= kinds["003_1e727c62d9b96920.txt"]
    assert {"agency_credit", "repeated_title", "repeated_lead"} <= kinds["001_f1774d47c25524a3.txt"]
    assert {"byline", "timestamp", "lede"} <= kinds["002_ff795dba96db68e1.txt"]
    for name, outcome in outcomes.items():
        article = outcome.article
        assert article is not None
        assert [b.seq for b in article.removed] == list(range(len(article.removed))), name
        for snippet in GOLD["docs"][name].get("drop", []):
            assert any(snippet in block.text for block in article.removed), f"unaccounted: {snippet}"


def test_not_same_story_pairs_have_different_bodies(outcomes: dict[str, Outcome]) -> None:
    for left, right in GOLD["not_same_story"]:
        a, b = outcomes[left].article, outcomes[right].article
        assert a is not None and b is not None
        assert a.body_sha256 != b.body_sha256
