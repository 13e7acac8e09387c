"""A story's copies against its canonical one, paragraph by paragraph, and how to show them.

Paragraphs are compared by their folded words (as matching folds them), so a copy that only respells
(पहुँच/पहुंच, Devanagari digits) keeps its paragraphs. A paragraph of the copy that shares at least
EDITED_MIN of its words, in order, with one of the canonical's is that paragraph edited; the words
that changed are marked. Every other paragraph is added (the copy's own) or dropped (the canonical's,
left out).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Literal
from zoneinfo import ZoneInfo

from khabar.text.normalize import match_key

Status = Literal["kept", "edited", "added", "dropped"]
EDITED_MIN = 0.5
IST = ZoneInfo("Asia/Kolkata")


@dataclass(frozen=True)
class Words:
    kind: Literal["same", "removed", "inserted"]
    text: str


@dataclass(frozen=True)
class Paragraph:
    status: Status
    seq: int | None  # 1-based place in the copy; None when dropped
    canonical_seq: int | None  # 1-based place in the canonical; None when added
    text: str  # the copy's text; the canonical's when dropped
    words: tuple[Words, ...] = ()  # for edited: the canonical's words against the copy's


@dataclass(frozen=True)
class Copy:
    article_id: str
    outlet: str | None
    time: datetime | None  # published, else fetched
    relation: str
    similarity: float | None
    shared_ratio: float | None
    agency: str | None
    title: str | None
    body: str
    source_uri: str


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def compare(canonical: str, copy: str) -> list[Paragraph]:
    """The copy's paragraphs in order, with the canonical's dropped ones where they stood."""
    ours, theirs = paragraphs(canonical), paragraphs(copy)
    keys_c, keys_p = [match_key(p) for p in ours], [match_key(p) for p in theirs]
    result: list[Paragraph] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, keys_c, keys_p, autojunk=False).get_opcodes():
        if op == "equal":
            result += [
                Paragraph("kept", j + 1, i + 1, theirs[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        i = i1
        for j in range(j1, j2):  # pair each new paragraph with the next canonical one it mostly repeats
            match = next((k for k in range(i, i2) if _overlap(keys_c[k], keys_p[j]) >= EDITED_MIN), None)
            if match is None:
                result.append(Paragraph("added", j + 1, None, theirs[j]))
                continue
            result += [Paragraph("dropped", None, k + 1, ours[k]) for k in range(i, match)]
            result.append(Paragraph("edited", j + 1, match + 1, theirs[j], word_diff(ours[match], theirs[j])))
            i = match + 1
        result += [Paragraph("dropped", None, k + 1, ours[k]) for k in range(i, i2)]
    return result


def _overlap(a: str, b: str) -> float:
    """Share of the longer paragraph's words the two have in common, in order."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return 0.0
    same = sum(block.size for block in SequenceMatcher(None, wa, wb, autojunk=False).get_matching_blocks())
    return same / max(len(wa), len(wb))


def word_diff(old: str, new: str) -> tuple[Words, ...]:
    """`old` against `new` word by word; words compare folded, the copy's spelling is shown."""
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(None, [match_key(w) for w in a], [match_key(w) for w in b], autojunk=False)
    out: list[Words] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(Words("same", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            out.append(Words("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Words("inserted", " ".join(b[j1:j2])))
    return tuple(out)


def counts(changes: Sequence[Paragraph]) -> dict[str, int]:
    found = {"kept": 0, "edited": 0, "added": 0, "dropped": 0}
    for change in changes:
        found[change.status] += 1
    return found


# --- showing it -------------------------------------------------------------------------------------------

_ANSI = {"removed": "\x1b[9;31m", "inserted": "\x1b[32m", "added": "\x1b[32m", "dropped": "\x1b[31m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"
_MARK = {"kept": "=", "edited": "~", "added": "+", "dropped": "-"}


def when(moment: datetime | None) -> str:
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M IST") if moment else "time unknown"


def _header(number: int, copy: Copy) -> str:
    parts = [f"{number}. {copy.outlet or 'outlet unknown'}", when(copy.time), copy.relation]
    if copy.similarity is not None and copy.relation != "canonical":
        parts.append(f"similarity {copy.similarity:.2f}")
    if copy.shared_ratio is not None and copy.relation != "canonical":
        parts.append(f"shared {copy.shared_ratio:.2f}")
    parts.append(copy.article_id[:12])
    return " · ".join(parts)


def render_text(story_id: str, copies: Sequence[Copy], colour: bool = False) -> str:
    """The story for a terminal: its copies in spread order, the canonical in full, then each copy's
    paragraphs against it. Markers: = kept, ~ edited ([-removed-] {+inserted+} words), + added, - dropped;
    with `colour`, ANSI colours instead of the word markers."""

    def paint(kind: str, text: str) -> str:
        return f"{_ANSI[kind]}{text}{_RESET}" if colour else text

    canonical = next(c for c in copies if c.relation == "canonical")
    outlets = sorted({c.outlet for c in copies if c.outlet})
    lines = [
        f"story {story_id}",
        f"  {canonical.title or '(untitled)'}",
        f"  {len(copies)} copies, {len(outlets)} outlets; agency {canonical.agency or 'none credited'}",
        "",
    ]
    for number, copy in enumerate(copies, start=1):
        lines.append(_header(number, copy))
        if copy.title and copy.title != canonical.title:
            lines.append(f"   title: {copy.title}")
        if copy is canonical:
            lines += [f"   ¶{i} {text}" for i, text in enumerate(paragraphs(copy.body), start=1)]
            lines.append("")
            continue
        changes = compare(canonical.body, copy.body)
        tally = counts(changes)
        lines.append("   " + ", ".join(f"{n} {status}" for status, n in tally.items()))
        if tally["kept"] == len(changes):
            lines.append("")
            continue
        for change in changes:
            where = f"¶{change.canonical_seq}" if change.canonical_seq else "new"
            if change.status == "kept":
                lines.append(paint("dim", f" = {where} {_short(change.text)}") if colour else f" = {where} kept")
            elif change.status == "edited":
                lines.append(f" ~ {where} " + " ".join(_word_text(w, colour) for w in change.words))
            else:
                lines.append(paint(change.status, f" {_MARK[change.status]} {where} {change.text}"))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _word_text(words: Words, colour: bool) -> str:
    if words.kind == "same":
        return words.text
    if colour:
        return f"{_ANSI[words.kind]}{words.text}{_RESET}"
    return f"[-{words.text}-]" if words.kind == "removed" else f"{{+{words.text}+}}"


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_CSS = """
body { font: 16px/1.6 'Noto Sans Devanagari', 'Mangal', sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; border-top: 1px solid #ccc; padding-top: .5em; }
.meta { color: #555; font-size: .9em; }
p { margin: .4em 0; padding: .2em .5em; border-left: 4px solid transparent; }
p.kept { color: #666; border-color: #ddd; } p.edited { border-color: #e0a800; }
p.added { background: #e6ffed; border-color: #28a745; } p.dropped { background: #ffeef0; border-color: #d73a49; }
del { background: #fdb8c0; text-decoration: line-through; } ins { background: #acf2bd; text-decoration: none; }
.tag { font-size: .75em; font-family: monospace; color: #333; margin-right: .5em; }
"""


def render_html(story_id: str, copies: Sequence[Copy]) -> str:
    """The same as a page that needs nothing from the network."""
    canonical = next(c for c in copies if c.relation == "canonical")
    return page(canonical.title or story_id, versions_html(story_id, copies))


def page(title: str, body: str, css: str = "") -> str:
    """A whole HTML page: UTF-8, styles inline, nothing fetched."""
    return (
        '<!DOCTYPE html>\n<html lang="hi"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}{css}</style></head><body>\n{body}\n</body></html>\n"
    )


def versions_html(story_id: str, copies: Sequence[Copy]) -> str:
    """The story's heading and its copies against the canonical, as HTML to put in a page."""
    canonical = next(c for c in copies if c.relation == "canonical")
    e = html.escape
    out = [
        f"<h1>{e(canonical.title or '(untitled)')}</h1>",
        f'<p class="meta">story {e(story_id)} · {len(copies)} copies · agency {e(canonical.agency or "none credited")}</p>',
    ]
    for number, copy in enumerate(copies, start=1):
        out.append(f'<h2 id="{e(copy.article_id)}">{e(_header(number, copy))}</h2>')
        out.append(f'<p class="meta">{e(copy.source_uri)}</p>')
        if copy.title and copy.title != canonical.title:
            out.append(f'<p class="meta">title: {e(copy.title)}</p>')
        if copy is canonical:
            out += [
                f'<p class="kept"><span class="tag">¶{i}</span>{e(text)}</p>'
                for i, text in enumerate(paragraphs(copy.body), start=1)
            ]
            continue
        changes = compare(canonical.body, copy.body)
        out.append('<p class="meta">' + e(", ".join(f"{n} {s}" for s, n in counts(changes).items())) + "</p>")
        for change in changes:
            where = f"¶{change.canonical_seq}" if change.canonical_seq else "new"
            if change.status == "edited":
                body = " ".join(
                    e(w.text)
                    if w.kind == "same"
                    else f"<{'del' if w.kind == 'removed' else 'ins'}>{e(w.text)}</"
                    f"{'del' if w.kind == 'removed' else 'ins'}>"
                    for w in change.words
                )
            else:
                body = e(change.text)
            out.append(f'<p class="{change.status}"><span class="tag">{change.status} {where}</span>{body}</p>')
    return "\n".join(out)
