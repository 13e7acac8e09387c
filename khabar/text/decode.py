"""Bytes to text: BOMs, declared and detected charsets, mojibake repair, and the reasons to refuse."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
import regex
from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio
from charset_normalizer.utils import is_multi_byte_encoding

from khabar.records import Rejection
from khabar.text.mojibake import restore_lost_bytes
from khabar.text.normalize import storage_text

_MAGIC = {
    b"%PDF": "a PDF file",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# UTF-8 Devanagari read as cp1252 or Latin-1 starts every letter with "à¤" or "à¥".
_MOJIBAKE = regex.compile(r"[àÃâÂ][\u0080-\u00bf\u0152-\u2122¤¥]")
_LATIN1_RANGE = regex.compile(r"[\u0080-\u00ff]")
# Controls other than line breaks, replacement characters, private-use and unassigned code points.
_NOT_TEXT = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd\p{Co}\p{Cn}]")
_NUL_DETAIL = "NUL bytes in the content"
# Control bytes that never occur in text (line breaks, tab, form feed and escape aside); in UTF-8 and the
# single-byte charsets no multi-byte character contains them.
_STRAY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
STRAY_CONTROLS_MAX = 16  # "a handful": more than this, or more than 1% of the bytes, and the input is binary


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    repaired: bool = False
    notes: tuple[str, ...] = ()  # what was fixed to read the bytes, for documents.repair_note


def is_wide_charset(name: str | None) -> bool:
    """UTF-16 or UTF-32: NUL bytes are part of the text."""
    return (_codec(name) or "").startswith(("utf-16", "utf-32"))


def sniff_binary(data: bytes, declared: str | None = None) -> str | None:
    """Name the kind of binary file `data` is, or None when it may be text."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return what
    wide = is_wide_charset(declared) or any(data.startswith(bom) for bom, _ in _BOMS)
    if b"\x00" in data[:4096] and not wide:
        return _NUL_DETAIL
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded | Rejection:
    """Decode raw bytes to storage text, or say why it cannot be done.

    Order of trust: a BOM, then a declared charset (HTTP header or meta tag), then UTF-8, then
    detection. Mojibake (UTF-8 read as cp1252) is repaired; text that stays garbled is refused.
    """
    if not data.strip():
        return Rejection("empty", "no content")
    notes: list[str] = []
    binary = sniff_binary(data, declared)
    if binary == _NUL_DETAIL:
        data, stripped = _strip_stray_controls(data, declared)
        if stripped:
            binary = None
            notes.append(f"stripped {stripped} control bytes (NUL and the like) from the text")
    if binary:
        return Rejection("binary", binary)
    text, encoding = _to_str(data, declared)
    if text is None:
        return Rejection("undecodable", "no charset decodes these bytes")
    if "\ufffd" in text and _MOJIBAKE.search(text):
        restored = restore_lost_bytes(text)
        if restored is not None:
            text = restored.text
            notes.append(f"restored {restored.count} characters lost as U+FFFD when UTF-8 was read as cp1252")
    if _junk_share(text) > 0.05:
        return Rejection("binary", "mostly non-text characters")
    repaired = False
    if _LATIN1_RANGE.search(text) and _MOJIBAKE.search(text):
        text = ftfy.fix_encoding(text)
        repaired = True
        if _MOJIBAKE.search(text):
            return Rejection("undecodable", "mojibake that cannot be repaired")
        notes.append("repaired mojibake (UTF-8 read as cp1252)")
    text = storage_text(text)
    if not text.strip():
        return Rejection("empty", "only whitespace and control characters")
    return Decoded(text, encoding, repaired, tuple(notes))


def _strip_stray_controls(data: bytes, declared: str | None) -> tuple[bytes, int]:
    """`data` without its stray control bytes, and how many there were, when there are a handful and the rest
    decodes cleanly (as the declared charset, else UTF-8); else `data` unchanged and 0."""
    stray = len(_STRAY.findall(data))
    if stray > STRAY_CONTROLS_MAX or stray * 100 > len(data):
        return data, 0
    cleaned = _STRAY.sub(b"", data)
    try:
        cleaned.decode(_codec(declared) or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return data, 0
    return cleaned, stray


def _to_str(data: bytes, declared: str | None) -> tuple[str | None, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                return None, encoding
    for encoding in filter(None, (_codec(declared), "utf-8")):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(data[:65536]).best()
    if best is None or best.encoding is None:
        return None, "unknown"
    if best.encoding != "cp1252" and not is_multi_byte_encoding(best.encoding):
        western = _plausible_cp1252(data, best.chaos)
        if western is not None:
            return western, "cp1252"
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None, best.encoding


def _plausible_cp1252(data: bytes, chaos: float) -> str | None:
    """`data` as cp1252 when that reads as well as the detected single-byte charset. Detection ranks the
    Western, Central European and Baltic code pages alike on mostly-ASCII text and may pick cp1250 or cp775
    for English with curly quotes; cp1252 is by far the most common of them, so it wins a tie."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if mess_ratio(text[:65536], 1.0) <= min(0.1, chaos + 0.05) else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _junk_share(text: str) -> float:
    sample = text[:4000]
    return sum(1 for _ in _NOT_TEXT.finditer(sample)) / max(1, len(sample))


def charset_of(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
