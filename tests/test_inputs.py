"""Awkward inputs, one fixture each (tests/fixtures/make_inputs.py): parsed right or rejected with the right code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khabar.inputs.discover import discover, read_inputs
from khabar.records import Outcome
from khabar.text.parse import parse_document
from tests.conftest import FIXTURES, SAMPLES

EXPECTED = json.loads((FIXTURES / "inputs.json").read_text(encoding="utf-8"))
MAX_BYTES = 50_000  # too_large.txt is 86 kB; everything else is under 15 kB


def parsed(name: str) -> list[Outcome]:
    return [parse_document(doc) for doc in read_inputs(discover([str(FIXTURES / "inputs" / name)]), MAX_BYTES)]


def seed_hash() -> str:
    [outcome] = [
        parse_document(d) for d in read_inputs(discover([str(SAMPLES / "004_cbc86d419f496ce4.txt")]), MAX_BYTES)
    ]
    assert outcome.article is not None
    return outcome.article.body_sha256


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "lines" not in EXPECTED[n]))
def test_each_input(name: str) -> None:
    expected = EXPECTED[name]
    [outcome] = parsed(name)
    assert outcome.status == expected["status"], outcome.rejection
    if expected["status"] == "rejected":
        assert outcome.rejection is not None and outcome.rejection.reason == expected["reason"]
        assert outcome.rejection.detail
        return
    article = outcome.article
    assert article is not None
    assert "\r" not in article.body and "\x07" not in article.body and "\ufeff" not in article.body
    if expected.get("same_body_as") == "seed":
        assert article.body_sha256 == seed_hash()
    for field in ("title", "agency", "author"):
        if field in expected:
            assert getattr(article, field) == expected[field]
    if "outlet" in expected:
        assert outcome.outlet == expected["outlet"]


def test_jsonl_records_are_documents_of_their_own() -> None:
    outcomes = parsed("records.jsonl")
    expected = EXPECTED["records.jsonl"]["lines"]
    assert len(outcomes) == len(expected)
    for outcome, spec in zip(outcomes, expected, strict=True):
        assert outcome.status == spec["status"]
        if "reason" in spec:
            assert outcome.rejection is not None and outcome.rejection.reason == spec["reason"]
        for field in ("source_uri", "outlet"):
            if field in spec:
                assert getattr(outcome, field) == spec[field]
        if "agency" in spec:
            assert outcome.article is not None and outcome.article.agency == spec["agency"]
    assert outcomes[1].source_uri.endswith("records.jsonl#L2")


def test_mojibake_is_repaired_to_the_original_text() -> None:
    [outcome] = parsed("mojibake.txt")
    assert outcome.article is not None
    assert "à¤" not in outcome.article.body
    assert "योनहाप ने रूसी समाचार एजेंसी तास के हवाले से" in outcome.article.body


def test_too_large_is_refused_without_reading_it_whole() -> None:
    [doc] = read_inputs(discover([str(FIXTURES / "inputs" / "too_large.txt")]), MAX_BYTES)
    assert doc.data is None and doc.reject_reason == "too_large" and doc.byte_size > MAX_BYTES
    assert len(doc.doc_id) == 64


def test_files_are_found_in_path_order_folder_by_folder(tmp_path: Path) -> None:
    """Sorted part by part, as Paths sort: "a/b.txt" before "a-b/c.txt" although "-" sorts before "/" as text."""
    for relative in ("a-b/c.txt", "a/b.txt", "a/z/y.txt", "a.txt", "b/a b.txt", "b/a.txt", "Z/x.html"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("खबर", encoding="utf-8")
    refs = discover([str(tmp_path)])
    assert [ref.path for ref in refs] == [str(p) for p in sorted(tmp_path.rglob("*.*")) if p.is_file()]
    assert [ref.source_uri.removeprefix(str(tmp_path) + "/") for ref in refs] == [
        "Z/x.html", "a/b.txt", "a/z/y.txt", "a-b/c.txt", "a.txt", "b/a b.txt", "b/a.txt",
    ]  # fmt: skip
    hints = [(ref.outlet_hint, ref.format) for ref in refs]
    assert hints[:5] == [("Z", "html"), ("a", "text"), ("a", "text"), ("a-b", "text"), (None, "text")]
