from __future__ import annotations

import re

from khabar.tasks.fingerprint import body_sha256
from khabar.tasks.normalize import hash_text, match_text, storage_text, tokens, word_count


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
