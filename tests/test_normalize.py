from __future__ import annotations

import re
import unicodedata

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.text.digest import body_sha256
from khabar.text.normalize import (
    hash_text,
    line_keys,
    match_key,
    match_text,
    nfc,
    storage_text,
    tokens,
    word_count,
)
from tests.conftest import FIXTURES, SAMPLES


def test_tokens_keep_vowel_signs_and_viramas_inside_words() -> None:
    text = "उत्तर कोरिया की विदेश मंत्री"
    assert tokens(text) == ["उत्तर", "कोरिया", "की", "विदेश", "मंत्री"]
    assert len(re.findall(r"\w+", text)) > 5  # what the standard library would do instead
    assert word_count("रूस ने 25,000 सैनिक भेजे।") == 6


def test_storage_text_is_nfc_with_clean_lines() -> None:
    decomposed = "क\u093c"  # क + nukta, as NFD writes क़
    assert storage_text(f"  {decomposed}ानून\r\nदूसरी\tपंक्ति \x07\r") == "क\u093cानून\nदूसरी पंक्ति"
    assert storage_text("a\u00a0\u00a0b  c") == "a b c"


def test_hash_text_folds_digits_zero_width_and_danda_spacing() -> None:
    assert hash_text("मूल्य १२५ रुपये ।") == hash_text("मूल्य 125 रुपये।")
    assert hash_text("क्\u200dष  सही |") == hash_text("क्ष सही।")
    assert body_sha256("एक  दो\n\nतीन") == body_sha256("एक दो तीन")
    assert body_sha256("एक दो") != body_sha256("एक तीन")


def test_match_text_folds_nukta_and_chandrabindu_variants() -> None:
    assert match_text("पहुँचे") == match_text("पहुंचे")
    assert match_text("ज़रूर फ़ैसला") == match_text("जरूर फैसला")
    assert match_text("वॉशिंगटन") == match_text("वाशिंगटन")
    assert match_text("सम्बन्ध हिन्दी") == match_text("संबंध हिंदी")
    assert match_text("उत्तर कोरिया") != match_text("उत्तर कोरियाई")


# The implementation before the speed-up (commit 9aa307f), kept to prove the new one byte-identical: stored
# body_sha256 values and dedup fingerprints depend on hash_text and match_text.
_OLD_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_OLD_DIGIT = re.compile("[०-९]")
_OLD_SPACE_BEFORE_DANDA = re.compile(r"\s+(?=[।॥])")
_OLD_PIPE_AS_DANDA = re.compile(r"(?<=[\u0900-\u097f])\s*\|(?=\s|$)")
_OLD_NASAL_CLUSTER = re.compile("[ङञणनम]\u094d(?=[क-ह])")
_OLD_NON_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_OLD_FOLD_PAIRS = tuple(zip("ऩऱऴ\u093c\u0901ॉऑॅ", ("न", "र", "ळ", "", "\u0902", "ा", "आ", "े"), strict=True))


def _old_digits(text: str) -> str:
    return _OLD_DIGIT.sub(lambda digit: str(ord(digit.group()) - ord("०")), _OLD_ZERO_WIDTH.sub("", text))


def _old_hash_text(text: str) -> str:
    text = _old_digits(unicodedata.normalize("NFC", text))
    text = _OLD_SPACE_BEFORE_DANDA.sub("", _OLD_PIPE_AS_DANDA.sub("।", text))
    return re.sub(r"\s+", " ", text).strip()


def _old_fold(text: str) -> str:
    for letter, plain in _OLD_FOLD_PAIRS:
        text = text.replace(letter, plain)
    return _OLD_NASAL_CLUSTER.sub("\u0902", text).casefold()


def _old_match_key(text: str) -> str:
    return _OLD_NON_WORD.sub(" ", _old_fold(_old_digits(text))).strip()


def _old_word_count(text: str) -> int:
    return len(regex.findall(r"[\p{L}\p{M}\p{N}]+", text))


def assert_same_as_before(text: str) -> None:
    assert nfc(text) == unicodedata.normalize("NFC", text)
    assert hash_text(text) == _old_hash_text(text)
    assert match_text(text) == _old_fold(_old_hash_text(text))
    assert word_count(text) == _old_word_count(text)
    assert match_key(text) == _old_match_key(text)
    assert line_keys(text) == [_old_match_key(line) for line in text.split("\n")]


FIXTURE_TEXTS = sorted(
    path.read_text(encoding="utf-8")
    for path in [*SAMPLES.glob("*.txt"), *(FIXTURES / "golden").glob("*.txt"), *(FIXTURES / "gold").rglob("*.txt")]
)


def test_fixtures_normalize_as_before() -> None:
    assert len(FIXTURE_TEXTS) >= 30
    for text in FIXTURE_TEXTS:
        assert_same_as_before(text)
        assert_same_as_before(unicodedata.normalize("NFD", text))


# Devanagari with the characters every step treats specially: nukta (composing or not), virama, nasals,
# precomposed nukta letters, digits, zero-width marks, dandas and pipes, exotic spaces and combining marks.
DEVANAGARI_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x900, max_codepoint=0x97F),
        st.sampled_from(
            list("\u093c\u094dनरळमक \n\t|।॥,.\"'-a1Aß\u00a0\u2028\x1c\x85\u200b\u200c\u200d\u0301\u0334\u1cd0")
        ),
    ),
    max_size=80,
)


# Few characters, so that every pair the NFC shortcut must get right (nukta after न or a virama, before a stress
# sign, a Latin accent or an overlay) turns up often.
MARKS_TEXT = st.text(alphabet=st.sampled_from(list("कनरळडिी़्ंँ \u0951a\u0301\u0334।")), max_size=12)


@settings(max_examples=3000, deadline=None)
@given(DEVANAGARI_TEXT)
def test_devanagari_text_normalizes_as_before(text: str) -> None:
    assert_same_as_before(text)


@settings(max_examples=3000, deadline=None)
@given(MARKS_TEXT)
def test_marks_normalize_as_before(text: str) -> None:
    assert_same_as_before(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_any_text_normalizes_as_before(text: str) -> None:
    assert_same_as_before(text)


def test_bmp_separator_agrees_with_regex_on_every_bmp_character() -> None:
    from khabar.text.normalize import _SEPARATOR, _bmp_separator

    fast = _bmp_separator()
    for code in range(0x10000):
        assert bool(fast.fullmatch(chr(code))) == bool(_SEPARATOR.fullmatch(chr(code))), hex(code)
    assert word_count("a\U0001d400b 😀 c") == _old_word_count("a\U0001d400b 😀 c") == 2  # beyond the BMP
