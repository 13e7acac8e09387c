"""Typed flow parameters: what the Prefect UI's run form shows, and the values it refuses."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from khabar import config
from khabar.config import DedupSettings

_DEDUP = DedupSettings()


Ratio = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[int, Field(ge=1)]
# A path the run form must not leave blank: "" or "  " would read the whole working folder.
NonBlank = Annotated[str, Field(min_length=1, pattern=r"\S")]
InputPaths = Annotated[list[NonBlank], Field(min_length=1)]


class BatchOptions(BaseModel):
    """How inputs are read, split into batch tasks and judged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_size: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=config.DEFAULT_BATCH_SIZE, description="Inputs per batch task; batches run in parallel."
    )
    max_bytes: Positive = Field(
        default=config.DEFAULT_MAX_BYTES, description="Inputs larger than this are rejected as too_large, unread."
    )
    min_body_words: Positive = Field(
        default=20, description="Fewer words of article text after cleaning: rejected as no_article_body."
    )
    load_chunk: Positive = Field(
        default=config.DEFAULT_LOAD_CHUNK,
        description="Documents committed at once: a larger run commits in chunks and is `partial` until its last.",
    )

    @classmethod
    def from_env(cls) -> BatchOptions:
        """KHABAR_BATCH_SIZE, KHABAR_MAX_BYTES and KHABAR_LOAD_CHUNK over the defaults."""
        return cls(batch_size=config.batch_size(), max_bytes=config.max_bytes(), load_chunk=config.load_chunk())


class DedupOptions(BaseModel):
    """When two articles are one story: thresholds of near-duplicate matching."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_jaccard: Ratio = Field(default=_DEDUP.min_jaccard, description="Shingle Jaccard making two bodies one story.")
    min_containment: Ratio = Field(
        default=_DEDUP.min_containment, description="Share of the shorter body inside the longer (trimmed copies)."
    )
    min_number_agreement: Ratio = Field(
        default=_DEDUP.min_number_agreement, description="Share of the shorter body's figures the other states too."
    )
    min_numbers: int = Field(default=_DEDUP.min_numbers, ge=0, description="Bodies with fewer figures skip that check.")
    min_shared_bands: Annotated[int, Field(ge=1, le=_DEDUP.bands)] = Field(
        default=_DEDUP.min_shared_bands, description="LSH bands two bodies must share to be compared."
    )
    min_paragraph_containment: Annotated[float, Field(ge=0)] = Field(
        default=_DEDUP.min_paragraph_containment,
        description="Share of a body in a run of its paragraphs copied, in order, in the other (re-topped, trimmed "
        "or embedded copy); above 1: paragraph evidence off.",
    )
    paragraph_copy: Ratio = Field(
        default=_DEDUP.paragraph_copy, description="Share of a paragraph found in the other body making it a copy."
    )
    min_shared_paragraph_keys: Positive = Field(
        default=_DEDUP.min_shared_paragraph_keys, description="Paragraph keys two bodies must share to be compared."
    )
    publish_window_days: Annotated[float, Field(ge=0)] = Field(
        default=_DEDUP.publish_window_days,
        description="Copies whose publication times are known and further apart than this many days are different "
        "stories (a follow-up is linked); 0: off.",
    )
    paragraph_window_hours: Annotated[float, Field(ge=0)] = Field(
        default=_DEDUP.paragraph_window_hours,
        description="Paragraph evidence alone joins copies whose known publication times are less than this apart "
        "(a later story quoting an earlier one whole is a follow-up); 0: no limit.",
    )
    window_days: int | None = Field(
        default=None,
        ge=1,
        description="Only articles seen this many days back are candidates; empty: the whole archive.",
    )

    @classmethod
    def from_env(cls) -> DedupOptions:
        """KHABAR_DEDUP_* over the defaults."""
        settings = config.dedup_settings()
        return cls(
            window_days=config.window_days(), **{name: getattr(settings, name) for name in config.DEDUP_SETTINGS}
        )

    def settings(self) -> DedupSettings:
        return replace(_DEDUP, **self.model_dump(exclude={"window_days"}))


DEFAULT_BATCH, DEFAULT_DEDUP = BatchOptions(), DedupOptions()  # frozen: safe as shared parameter defaults
