"""Unicode normalization for Hindi text: one form for storage, one for hashing and matching."""

from __future__ import annotations

import re
import unicodedata

import regex

DEVANAGARI_DIGITS = {ord("०") + i: str(i) for i in range(10)}
# Regexes scan in C and touch only what they match: far faster than str.translate on Hindi text.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_DEVANAGARI_DIGIT = re.compile("[०-९]")

# C0/C1 controls except tab and newline; they never carry text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Only runs that need rewriting: a tab or exotic space, or two or more spaces.
_HSPACE = re.compile(
    r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000][\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*| [\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+"
)
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_SPACE_BEFORE_DANDA = re.compile(r"\s+(?=[।॥])")
_PIPE_AS_DANDA = re.compile(r"(?<=[\u0900-\u097f])\s*\|(?=\s|$)")
_ANY_SPACE = re.compile(r"\s+")
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_NON_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")

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
_NASAL_CLUSTER = re.compile("[ङञणनम]\u094d(?=[क-ह])")


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def storage_text(text: str) -> str:
    """NFC, LF line ends, no control characters, single spaces, trimmed lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HSPACE.sub(" ", _CONTROL.sub("", nfc(text)))
    return _SPACE_AROUND_NEWLINE.sub("\n", text).strip()


def hash_text(text: str, *, is_nfc: bool = False) -> str:
    """The form behind body_sha256: equal for bodies that differ only in encoding trivia."""
    text = _ZERO_WIDTH.sub("", text if is_nfc else nfc(text))
    text = _DEVANAGARI_DIGIT.sub(_ascii_digit, text)
    text = _PIPE_AS_DANDA.sub("।", text)
    text = _SPACE_BEFORE_DANDA.sub("", text)
    return _ANY_SPACE.sub(" ", text).strip()


def match_text(text: str, *, is_nfc: bool = False) -> str:
    """Aggressive folding for near-duplicate matching: spelling variants collapse to one form."""
    return _fold_variants(hash_text(text, is_nfc=is_nfc))


def match_key(text: str) -> str:
    """The words of NFC text, folded as in match_text, separated by single spaces: for comparing lines."""
    text = _DEVANAGARI_DIGIT.sub(_ascii_digit, _ZERO_WIDTH.sub("", text))
    return _NON_WORD.sub(" ", _fold_variants(text)).strip()


def _fold_variants(text: str) -> str:
    for letter, plain in _VARIANT_FOLDS:
        text = text.replace(letter, plain)
    return _NASAL_CLUSTER.sub("\u0902", text).casefold()


def _ascii_digit(digit: re.Match[str]) -> str:
    return DEVANAGARI_DIGITS[ord(digit.group())]


def tokens(text: str) -> list[str]:
    """Words, keeping Devanagari vowel signs and viramas inside the word."""
    return _TOKEN.findall(text)


def word_count(text: str) -> int:
    return len(_TOKEN.findall(text))
