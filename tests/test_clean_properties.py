"""Cleaning never raises and never invents text: every kept paragraph is a line of the input."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.tasks.clean import clean
from khabar.tasks.normalize import storage_text
from tests.conftest import SAMPLES

SEED_LINES = sorted({line for path in SAMPLES.glob("*.txt") for line in path.read_text().split("\n")})
NOISE = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs", "Cc")), max_size=120)
LINES = st.lists(st.one_of(st.sampled_from(SEED_LINES), NOISE), max_size=40)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_clean_keeps_only_input_lines(lines: list[str]) -> None:
    text = storage_text("\n".join(lines))
    result = clean(text, fetched_at=datetime(2025, 7, 14, tzinfo=UTC))
    lines_in = [line for line in text.split("\n") if line.strip()]
    assert all(paragraph in lines_in for paragraph in result.paragraphs)
    # Every line is kept or removed, once; a title split from its "label:" prefix counts as one line.
    accounted = set(result.paragraphs) | {block.text for block in result.removed}
    titles = [block.text for block in result.removed if block.kind == "title"]
    assert all(line in accounted or any(line.endswith(title) for title in titles) for line in lines_in)
    assert len(result.paragraphs) + len(result.removed) - len(lines_in) in (0, 1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parsing_arbitrary_bytes_never_raises(data: bytes) -> None:
    from khabar.records import InputRef, RawDoc
    from khabar.tasks.parse import parse_document

    for fmt in ("text", "html", "jsonl"):
        raw = RawDoc("0" * 64, InputRef("x", "x", fmt), len(data), datetime(2025, 1, 1, tzinfo=UTC), data)
        outcome = parse_document(raw)
        assert outcome.status in ("parsed", "rejected")
        assert outcome.rejection is None or outcome.rejection.reason != "parse_error", outcome.rejection
