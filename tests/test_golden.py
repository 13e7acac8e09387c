"""Golden fixtures in the style of 19 Hindi outlets' templates (tests/fixtures/golden/README.md)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from khabar.inputs.discover import discover, read_inputs
from khabar.records import Outcome
from khabar.text.metadata import IST
from khabar.text.parse import parse_document
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden"
EXPECTED = json.loads((GOLDEN / "golden.json").read_text(encoding="utf-8"))
READ_AT = datetime(2025, 11, 20, tzinfo=UTC)


def outcome_of(name: str) -> Outcome:
    [doc] = read_inputs(discover([str(GOLDEN / name)]), max_bytes=1 << 20)
    return parse_document(replace(doc, fetched_at=READ_AT))


# Metadata khabar does not get yet. Strict: a fix that makes one pass must remove it from here.
KNOWN_GAPS: dict[str, str] = {}


def body_problems(name: str) -> list[str]:
    """How the clean body of `name` differs from its keep, drop and once snippets."""
    expected, outcome = EXPECTED[name], outcome_of(name)
    if outcome.article is None:
        return [f"rejected: {outcome.rejection}"]
    body = outcome.article.body
    found = [f"lost: {s}" for s in expected.get("keep", []) if s not in body]
    found += [f"left in: {s}" for s in expected.get("drop", []) if s in body]
    return found + [f"not once: {s}" for s in expected.get("once", []) if body.count(s) != 1]


def metadata_problems(name: str) -> list[str]:
    """How the metadata of `name` differs from golden.json."""
    expected, outcome = EXPECTED[name], outcome_of(name)
    article = outcome.article
    if article is None:
        return [f"rejected: {outcome.rejection}"]
    found = []
    for field in ("title", "lede", "agency", "author", "dateline_place"):
        if field in expected and getattr(article, field) != expected[field]:
            found.append(f"{field}: {getattr(article, field)!r} != {expected[field]!r}")
    if "outlet" in expected and outcome.outlet != expected["outlet"]:
        found.append(f"outlet: {outcome.outlet!r} != {expected['outlet']!r}")
    if "dateline_month_day" in expected:  # what the dateline says; its year only when there is evidence
        said = (article.dateline_month, article.dateline_day)
        got = f"{said[0]:02d}-{said[1]:02d}" if said[0] and said[1] else None
        if got != expected["dateline_month_day"]:
            found.append(f"dateline date: {got} != {expected['dateline_month_day']}")
        if article.dateline_date and article.dateline_date.strftime("%m-%d") != got:
            found.append(f"dateline_date {article.dateline_date} is not the dateline's {got}")
    published = article.published_at.astimezone(IST) if article.published_at else None
    if "published_at" in expected and (published is None or published.isoformat() != expected["published_at"]):
        found.append(f"published_at: {published} != {expected['published_at']}")
    if "published_date" in expected and (
        published is None or published.date().isoformat() != expected["published_date"]
    ):
        found.append(f"published_date: {published} != {expected['published_date']}")
    return found


def problems(name: str) -> list[str]:
    return body_problems(name) + metadata_problems(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_body(name: str) -> None:
    assert body_problems(name) == []


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True))
        if name in KNOWN_GAPS
        else name
        for name in sorted(EXPECTED)
    ],
)
def test_metadata(name: str) -> None:
    assert metadata_problems(name) == []


if __name__ == "__main__":  # python -m tests.test_golden: a report of every fixture
    failing = 0
    for fixture in sorted(EXPECTED):
        issues = problems(fixture)
        failing += bool(issues)
        print(("FAIL " if issues else "ok   ") + fixture)
        for issue in issues:
            print("     " + issue[:160])
    print(f"{len(EXPECTED) - failing}/{len(EXPECTED)} pass")
