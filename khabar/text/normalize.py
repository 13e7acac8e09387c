"""Unicode normalization for Hindi text: one form for storage, one for hashing and matching."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

import regex

DEVANAGARI_DIGITS = {ord("०") + i: str(i) for i in range(10)}
# Regexes scan in C and touch only what they match: far faster than str.translate on Hindi text.
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
_DEVANAGARI_DIGIT_CHARS = "०१२३४५६७८९"
_DEVANAGARI_DIGIT = re.compile("[०-९]")

# A lone surrogate (half of a UTF-16 pair, from a JSON "\\ud800" escape) is no character: UTF-8 cannot hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def drop_surrogates(value: Any) -> tuple[Any, int]:
    """`value` (a str, or JSON data: lists and dicts of them) without lone surrogates, and how many there were."""
    if isinstance(value, str):
        return _SURROGATE.subn("", value) if _SURROGATE.search(value) else (value, 0)
    if isinstance(value, list):
        pairs = [drop_surrogates(item) for item in value]
        return [item for item, _ in pairs], sum(count for _, count in pairs)
    if isinstance(value, dict):
        total, cleaned = 0, {}
        for key, item in value.items():
            (key, in_key), (item, in_item) = drop_surrogates(key), drop_surrogates(item)
            cleaned[key] = item
            total += in_key + in_item
        return cleaned, total
    return value, 0


# C0/C1 controls except tab and newline; they never carry text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Only runs that need rewriting: a tab or exotic space, or two or more spaces.
_HSPACE = re.compile(
    r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000][\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*| [\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+"
)
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_PIPE_AS_DANDA = re.compile(r"(?<=[\u0900-\u097f])\s*\|(?=\s|$)")
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
# A run of characters other than word characters and line breaks that starts with one other than a space.
# Replacing these by a space leaves words separated only by spaces and line breaks, far faster than matching
# every word: Hindi text has such a run per clause, but a space between every two words.
_SEPARATOR = regex.compile(r"[^\p{L}\p{M}\p{N} \n][^\p{L}\p{M}\p{N}\n]*")


@cache
def _bmp_separator() -> re.Pattern[str]:
    """_SEPARATOR for text within the Basic Multilingual Plane, in the standard engine, which scans twice as
    fast: its word characters are those `regex` finds among all 65,536 (once per process, ~40 ms)."""
    bmp = "".join(map(chr, range(0x10000)))
    runs = regex.finditer(r"[\p{L}\p{M}\p{N}]+", bmp)
    word = "".join(f"\\u{run.start():04x}-\\u{run.end() - 1:04x}" for run in runs)
    return re.compile(f"[^{word} \\n][^{word}\\n]*")


def _separators_as_spaces(text: str) -> str:
    """Replace runs of _SEPARATOR by a space."""
    within_bmp = len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)  # no surrogate pairs
    return (_bmp_separator() if within_bmp else _SEPARATOR).sub(" ", text)


# NFC check without normalizing: Python's is_normalized normalizes the whole text when it meets a nukta
# (a combining mark that can compose), and nearly every Hindi text has one. A nukta that follows a Devanagari
# character other than न, र, ळ (the only ones it composes with) and the marks it would be reordered with
# (nukta, virama, stress signs), and precedes a character that cannot reorder with it, changes nothing: such
# nuktas can be left out of the check. Any other nukta means the full check.
_NUKTA = "\u093c"
_NUKTA_MAY_FOLLOW = "\u0900-\u0927\u0929-\u092f\u0931\u0932\u0934-\u093b\u093d-\u094c\u094e-\u0950\u0955-\u097f"
_UNSAFE_NUKTA = re.compile(f"\u093c(?:(?<![{_NUKTA_MAY_FOLLOW}]\u093c)|(?=[^\x00-\u02ff\u0900-\u097f\u2000-\u206f]))")

# Matching folds spelling variants outlets use interchangeably: nukta dropped (in NFC it is a separate
# mark except in three letters), chandrabindu → anusvara, candra O → aa (वॉशिंगटन/वाशिंगटन).
_VARIANT_FOLDS = (
    ("ऩ", "न"),
    ("ऱ", "र"),
    ("ऴ", "ळ"),
    ("\u093c", ""),
    ("\u0901", "\u0902"),
    ("ॉ", "ा"),
    ("ऑ", "आ"),
    ("ॅ", "े"),
)
# A nasal consonant with virama before another consonant is written as anusvara too (सम्बन्ध/संबंध).
# Found from the virama (a literal, which the regex engine finds fast), then the nasal before it is checked.
_NASAL_VIRAMA = re.compile("\u094d(?<=[ङञणनम]\u094d)(?=[क-ह])")


def nfc(text: str) -> str:
    probe = text.replace(_NUKTA, "") if _NUKTA in text and not _UNSAFE_NUKTA.search(text) else text
    return text if unicodedata.is_normalized("NFC", probe) else unicodedata.normalize("NFC", text)


def storage_text(text: str) -> str:
    """NFC, LF line ends, no control characters, single spaces, trimmed lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HSPACE.sub(" ", _CONTROL.sub("", nfc(text)))
    return _SPACE_AROUND_NEWLINE.sub("\n", text).strip()


def hash_text(text: str, *, is_nfc: bool = False) -> str:
    """The form behind body_sha256: equal for bodies that differ only in encoding trivia."""
    text = _plain_digits(_without_zero_width(text if is_nfc else nfc(text)))
    if "|" in text:
        text = _PIPE_AS_DANDA.sub("।", text)
    # Whitespace runs become one space (str.split and re's \s agree on whitespace), then no space before a danda.
    # Every whitespace character but the space is unprintable: once its line breaks are spaces, a printable text
    # needs only its runs of spaces squeezed.
    spaced = text.replace("\n\n", " ").replace("\n", " ")
    text = _squeezed(spaced) if spaced.isprintable() else " ".join(text.split())
    return text.replace(" ।", "।").replace(" ॥", "॥")


def match_text(text: str, *, is_nfc: bool = False) -> str:
    """Aggressive folding for near-duplicate matching: spelling variants collapse to one form."""
    return _fold_variants(hash_text(text, is_nfc=is_nfc))


def match_key(text: str) -> str:
    """The words of NFC text, folded as in match_text, separated by single spaces: for comparing lines."""
    return _squeezed(_separators_as_spaces(_fold_key(text)).replace("\n", " "))


def line_keys(text: str) -> list[str]:
    """match_key of every line of `text` (split on "\n"), folding the whole text at once."""
    return [line.strip(" ") for line in _squeezed(_separators_as_spaces(_fold_key(text)), strip=False).split("\n")]


def _fold_key(text: str) -> str:
    # Every step maps characters one by one (casefold too) and none creates or removes a line break.
    return _fold_variants(_plain_digits(_without_zero_width(text)))


def _squeezed(text: str, strip: bool = True) -> str:
    """Runs of spaces to one space; `text` has no other whitespace but line breaks."""
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ") if strip else text


def _fold_variants(text: str) -> str:
    for letter, plain in _VARIANT_FOLDS:
        text = text.replace(letter, plain)
    return _nasals_as_anusvara(text).casefold()


def _nasals_as_anusvara(text: str) -> str:
    pieces, end = [], 0
    for virama in _NASAL_VIRAMA.finditer(text):
        pieces.append(text[end : virama.start() - 1])
        end = virama.end()
    return "\u0902".join([*pieces, text[end:]]) if pieces else text


# Substring tests run at memory speed; a regex scan of a Hindi text costs far more. Test before substituting.
def _without_zero_width(text: str) -> str:
    return _ZERO_WIDTH.sub("", text) if any(map(text.__contains__, _ZERO_WIDTH_CHARS)) else text


def _plain_digits(text: str) -> str:
    return _DEVANAGARI_DIGIT.sub(_ascii_digit, text) if any(map(text.__contains__, _DEVANAGARI_DIGIT_CHARS)) else text


def _ascii_digit(digit: re.Match[str]) -> str:
    return DEVANAGARI_DIGITS[ord(digit.group())]


def tokens(text: str) -> list[str]:
    """Words, keeping Devanagari vowel signs and viramas inside the word."""
    return _TOKEN.findall(text)


def word_count(text: str) -> int:
    """len(tokens(text)), without matching the words one by one."""
    return len(_separators_as_spaces(text).split())
