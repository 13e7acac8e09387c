"""Unicode normalization for Hindi text: one form for storage, one for hashing and matching."""

from __future__ import annotations

import re
import unicodedata

import regex

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH_TABLE = {ord(c): None for c in ZERO_WIDTH}
DEVANAGARI_DIGITS = {ord("०") + i: str(i) for i in range(10)}

# C0/C1 controls except tab and newline; they never carry text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Only runs that need rewriting: a tab or exotic space, or two or more spaces.
_HSPACE = re.compile(
    r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000][\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*| [\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+"
)
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_SPACE_BEFORE_DANDA = regex.compile(r"\s+(?=[।॥])")
_PIPE_AS_DANDA = regex.compile(r"(?<=\p{Devanagari})\s*\|(?=\s|$)")
_ANY_SPACE = regex.compile(r"\s+")
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")

# Matching folds spelling variants outlets use interchangeably; NFD exposes every nukta.
_NUKTA_FOLD = str.maketrans({"\u093c": None, "\u0901": "\u0902"})  # nukta dropped, chandrabindu → anusvara


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def storage_text(text: str) -> str:
    """NFC, LF line ends, no control characters, single spaces, trimmed lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HSPACE.sub(" ", _CONTROL.sub("", nfc(text)))
    return _SPACE_AROUND_NEWLINE.sub("\n", text).strip()


def hash_text(text: str) -> str:
    """The form behind body_sha256: equal for bodies that differ only in encoding trivia."""
    text = nfc(text).translate(_ZERO_WIDTH_TABLE).translate(DEVANAGARI_DIGITS)
    text = _PIPE_AS_DANDA.sub("।", text)
    text = _SPACE_BEFORE_DANDA.sub("", text)
    return _ANY_SPACE.sub(" ", text).strip()


def match_text(text: str) -> str:
    """Aggressive folding for near-duplicate matching: spelling variants collapse to one form."""
    text = unicodedata.normalize("NFD", hash_text(text)).translate(_NUKTA_FOLD)
    return unicodedata.normalize("NFC", text).casefold()


def tokens(text: str) -> list[str]:
    """Words, keeping Devanagari vowel signs and viramas inside the word."""
    return _TOKEN.findall(text)


def word_count(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))
