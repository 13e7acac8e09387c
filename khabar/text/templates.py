"""Outlet templates learned from the archive: the head and tail units of a clean body, their fingerprints,
and the body without the units an outlet prints under many different stories.

A unit is a whole paragraph among the first `HEAD_PARAGRAPHS` or the last `TAIL_PARAGRAPHS` of the body,
or one of the last `TAIL_SENTENCES` sentences of its last paragraph (a flattened page glues the article's
last sentence, the agency's sign-off and the outlet's disclaimer into one line). Fingerprints are taken of
the unit's match key (khabar.text.normalize.match_key), so spacing, punctuation, nukta and digit forms do
not split a template. Which fingerprints are templates is the warehouse's count (khabar.warehouse.templates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import regex

from khabar.text.normalize import match_key

HEAD_PARAGRAPHS = 2
TAIL_PARAGRAPHS = 3
TAIL_SENTENCES = 3
# A sentence ends at a danda, double danda, full stop, question or exclamation mark (Devanagari or Latin),
# with any closing quotes or brackets, before a space. A full stop after a digit or after one letter with
# its marks (an initial, "डॉ.") ends nothing.
_SENTENCE_END = regex.compile(r"(?:[।॥?!]+|(?<!(?:^|\s)\p{L}\p{M}*)(?<!\d)\.+(?!\d))[\"'”’)\]]*(?=\s+\S)")


@dataclass(frozen=True, slots=True)
class Unit:
    zone: str  # lede, head, tail or sentence
    index: int  # paragraph index in the body; for a sentence, its index among the last paragraph's sentences
    text: str
    fingerprint: int


def fingerprint(text: str) -> int | None:
    """A signed 64-bit fingerprint of the unit's match key; None when it has fewer than 3 words."""
    key = match_key(text)
    if len(key.split()) < 3:
        return None
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def sentences(paragraph: str) -> list[str]:
    """The paragraph cut after each sentence end; the pieces joined give the paragraph back exactly."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        pieces.append(paragraph[start : match.end()])
        start = match.end()
    pieces.append(paragraph[start:])
    return [piece for piece in pieces if piece]


def zone_units(body: str, lede: str | None = None) -> list[Unit]:
    """The head and tail units of a clean body (paragraphs separated by a blank line), and its lede."""
    paragraphs = body.split("\n\n")
    count = len(paragraphs)
    units = [Unit("lede", 0, lede, fp)] if lede and (fp := fingerprint(lede)) is not None else []
    head = range(min(HEAD_PARAGRAPHS, count))
    tail = range(max(count - TAIL_PARAGRAPHS, len(head)), count)
    for zone, indexes in (("head", head), ("tail", tail)):
        for i in indexes:
            if (fp := fingerprint(paragraphs[i])) is not None:
                units.append(Unit(zone, i, paragraphs[i], fp))
    last = sentences(paragraphs[-1]) if paragraphs else []
    if len(last) > 1:
        for j in range(max(1, len(last) - TAIL_SENTENCES), len(last)):
            if (fp := fingerprint(last[j])) is not None:
                units.append(Unit("sentence", j, last[j].strip(), fp))
    return units


@dataclass(frozen=True, slots=True)
class Stripped:
    body: str
    removed: tuple[tuple[str, int], ...]  # (text, the number of stories that made it a template), in body order


def strip_templates(body: str, templates: Mapping[int, int], min_words: int = 0) -> Stripped:
    """The body without its head and tail units whose fingerprint is in `templates` (fingerprint → stories).

    Whole paragraphs go from the head and tail zones; of the last paragraph kept, only trailing sentences
    go, from the end inwards, so nothing is cut inside an article sentence. The body is left as it is when
    fewer than `min_words` words would remain."""
    paragraphs = body.split("\n\n")
    units = zone_units(body)
    drop = {u.index for u in units if u.zone != "sentence" and u.fingerprint in templates}
    removed = [
        (paragraphs[i], templates[u.fingerprint]) for u in units if u.zone != "sentence" and (i := u.index) in drop
    ]
    kept = [p for i, p in enumerate(paragraphs) if i not in drop]
    if kept and (len(paragraphs) - 1) not in drop:
        pieces = sentences(kept[-1])
        tail: list[tuple[str, int]] = []
        while len(pieces) > 1:
            fp = fingerprint(pieces[-1])
            if fp is None or fp not in templates or len(pieces) - 1 < len(sentences(kept[-1])) - TAIL_SENTENCES:
                break
            tail.insert(0, (pieces.pop().strip(), templates[fp]))
        if tail:
            kept[-1] = "".join(pieces).rstrip()
            removed += tail
    stripped = "\n\n".join(kept)
    if not removed or not kept or len(stripped.split()) < min_words:
        return Stripped(body, ())
    return Stripped(stripped, tuple(removed))


def family_counts(unit: np.ndarray, later: np.ndarray, earlier: np.ndarray, own: np.ndarray) -> np.ndarray:
    """How many independent stories of its own an outlet printed each unit under. Node i is a story that unit
    `unit[i]` was printed under (a unit's stories distinct); the follow-up links (`later[k]`, `earlier[k]`) join two
    nodes of one unit (a story, its follow-ups and theirs are one family); a family counts when one of its nodes
    is `own`: a story whose copies from other outlets do not print the unit too. All units at once."""
    if not len(unit):
        return np.zeros(0, np.int64)
    root = _components(len(unit), later, earlier)
    return np.bincount(unit[np.unique(root[own])], minlength=int(unit.max()) + 1)


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each of n nodes' component, named by its smallest node, the edges (a[k], b[k]) joining them: roots hooked to
    the smaller root across each edge, then every pointer followed to its root, until no edge joins two roots."""
    parent = np.arange(n)
    while len(a):
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            break
        np.minimum.at(parent, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
        while not np.array_equal(up := parent[parent], parent):
            parent = up
    return parent
