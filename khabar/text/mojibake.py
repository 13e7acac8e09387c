"""Lossy mojibake: UTF-8 read as cp1252, where the five bytes cp1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D)
became U+FFFD. Each U+FFFD inside such a sequence stands for exactly one of those five bytes, so the lost
character is one of five; in Devanagari, one of ँ ऍ ए ऐ झ (after E0 A4) or ु ् ॏ ॐ ढ़ (after E0 A5). The choice is
made by the characters around it, from counts of those characters' contexts in Hindi news text
(`data/lost_byte_contexts.json`, made by `python -m bench.mojibake --write` from the project's own samples and
fixtures)."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ftfy  # noqa: F401  (registers the sloppy-windows-1252 codec)
import regex

LOST_BYTES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)  # undefined in cp1252
MODEL = Path(__file__).with_name("data") / "lost_byte_contexts.json"
_EDGE = " "  # what stands beyond either end of the text, and for an unknown neighbour
_WORD = regex.compile(r"[\p{L}\p{M}]+")
MAX_WORD_SITES = 4  # a word with more lost characters is restored character by character (5**4 spellings)


@dataclass(frozen=True, slots=True)
class Restored:
    text: str
    count: int


def may_be_lost(char: str) -> bool:
    """A character whose UTF-8 form ends in a byte cp1252 cannot show: the kind a lossy read turns to U+FFFD."""
    encoded = char.encode("utf-8", "surrogatepass")
    return len(encoded) > 1 and encoded[-1] in LOST_BYTES


def context_keys(left2: str, left1: str, char: str, right1: str) -> tuple[str, ...]:
    """The context features of `char`, most specific first."""
    return (
        f"4{left2}{left1}{char}{right1}",
        f"3{left1}{char}{right1}",
        f"L{left1}{char}",
        f"R{char}{right1}",
        f"1{char}",
    )


def count_contexts(texts: Iterable[str]) -> Counter[str]:
    """Context counts of every character that a lossy read can lose, in `texts`."""
    counts: Counter[str] = Counter()
    for text in texts:
        padded = f"{_EDGE}{_EDGE}{text}{_EDGE}"
        for i in range(2, len(padded) - 1):
            if may_be_lost(padded[i]):
                counts.update(context_keys(padded[i - 2], padded[i - 1], padded[i], padded[i + 1]))
    return counts


@cache
def _model() -> dict[str, int]:
    loaded: dict[str, int] = json.loads(MODEL.read_text(encoding="utf-8"))
    return loaded


@cache
def _hindi_words() -> Mapping[str, float]:
    """Word frequencies of Hindi (wordfreq's list, from Wikipedia, subtitles, news and the web): loaded only when a
    lossy input needs it."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict("hi")


def restore_lost_bytes(
    text: str, model: dict[str, int] | None = None, words: Mapping[str, float] | None = None
) -> Restored | None:
    """`text` (mojibake: "à¤..."), decoded as the UTF-8 it was, each U+FFFD put back as the lost byte that the
    context makes likeliest. None when the text is not cp1252 mojibake throughout, or a U+FFFD is not inside
    a UTF-8 sequence."""
    counts = model if model is not None else _model()
    pieces = text.split("\ufffd")
    try:
        raw = [piece.encode("sloppy-windows-1252") for piece in pieces]
    except UnicodeEncodeError:
        return None
    # Put 0x81 everywhere first; decode; then choose each site's byte in the decoded text.
    joined = b"\x81".join(raw)
    sites: list[int] = []  # byte offsets of the placeholders
    offset = 0
    for chunk in raw[:-1]:
        offset += len(chunk)
        sites.append(offset)
        offset += 1
    try:
        decoded = joined.decode("utf-8")
    except UnicodeDecodeError:
        return None
    chars = list(decoded)
    # Map byte offsets to (character index, byte within the character).
    where: list[tuple[int, int]] = []
    site_iter = iter(sites)
    next_site = next(site_iter, None)
    position = 0
    for index, char in enumerate(chars):
        size = len(char.encode("utf-8"))
        while next_site is not None and next_site < position + size:
            where.append((index, next_site - position))
            next_site = next(site_iter, None)
        position += size
        if next_site is None:
            break
    if len(where) != len(sites):
        return None
    options = {index: _options(chars[index], byte_at) for index, byte_at in where}
    _choose_words(chars, options, words if words is not None else _hindi_words())
    for index in sorted(options):  # what no known word decided, by the characters around it
        left2 = chars[index - 2] if index >= 2 else _EDGE
        left1 = chars[index - 1] if index >= 1 else _EDGE
        right1 = chars[index + 1] if index + 1 < len(chars) and index + 1 not in options else None
        if _joiner_may_follow(index + 1, options) and "\u094d" in options[index]:
            chars[index] = "\u094d"  # a joiner follows a virama: स्‍थ
        else:
            chars[index] = _choose(options[index], left2, left1, right1, counts)
    return Restored("".join(chars), len(where))


def _options(char: str, byte_at: int) -> list[str]:
    original = char.encode("utf-8")
    found = []
    for byte in LOST_BYTES:
        candidate = original[:byte_at] + bytes([byte]) + original[byte_at + 1 :]
        try:
            found.append(candidate.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return found


def _joiner_may_follow(index: int, options: dict[int, list[str]]) -> bool:
    return "\u200d" in options.get(index, ())


def _choose_words(chars: list[str], options: dict[int, list[str]], words: Mapping[str, float]) -> None:
    """For each word with lost characters, the spelling that is the commonest known word, if any is known. The
    sites it decides leave `options`."""
    text = "".join(chars)
    for match in _WORD.finditer(text):
        sites = [i for i in range(match.start(), match.end()) if i in options]
        if not sites or len(sites) > MAX_WORD_SITES or _joiner_may_follow(match.end(), options):
            continue  # a word cut by a lost joiner is only half a word: the characters decide
        best, best_frequency = None, 0.0
        for choice in itertools.product(*(options[i] for i in sites)):
            spelled = list(chars[match.start() : match.end()])
            for i, char in zip(sites, choice, strict=True):
                spelled[i - match.start()] = char
            frequency = words.get("".join(spelled), 0.0)
            if frequency > best_frequency:
                best, best_frequency = choice, frequency
        if best is not None:
            for i, char in zip(sites, best, strict=True):
                chars[i] = char
                del options[i]


def _choose(options: list[str], left2: str, left1: str, right1: str | None, counts: dict[str, int]) -> str:
    """The option with the most evidence at the most specific level of context that has any. A lost E2 80 xx
    after a virama is the zero-width joiner that asks for a half form (स्‍थ), not a closing quote."""
    if left1 == "\u094d" and "\u200d" in options:
        return "\u200d"
    levels: list[tuple[int, ...]] = []
    for option in options:
        keys = context_keys(left2, left1, option, right1 or _EDGE)
        c4, c3, cl, cr, c1 = (counts.get(key, 0) for key in keys)
        if right1 is None:  # the next character is lost too: only the left side and the character count
            c4 = c3 = cr = 0
        bayes = cl * cr // max(1, c1)
        levels.append((c4, c3, bayes, cl, cr, c1))
    for level in range(6):
        best = max(range(len(options)), key=lambda i: levels[i][level])
        if levels[best][level] > 0:
            return options[best]
    return "\u201d" if "\u201d" in options else options[0]
