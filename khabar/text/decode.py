"""Bytes to text: BOMs, declared and detected charsets, mojibake repair, and the reasons to refuse."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import ftfy
import regex
from charset_normalizer import from_bytes

from khabar.records import Rejection
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


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    repaired: bool = False


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
        return "NUL bytes in the content"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded | Rejection:
    """Decode raw bytes to storage text, or say why it cannot be done.

    Order of trust: a BOM, then a declared charset (HTTP header or meta tag), then UTF-8, then
    detection. Mojibake (UTF-8 read as cp1252) is repaired; text that stays garbled is refused.
    """
    if not data.strip():
        return Rejection("empty", "no content")
    binary = sniff_binary(data, declared)
    if binary:
        return Rejection("binary", binary)
    text, encoding = _to_str(data, declared)
    if text is None:
        return Rejection("undecodable", "no charset decodes these bytes")
    if _junk_share(text) > 0.05:
        return Rejection("binary", "mostly non-text characters")
    repaired = False
    if _LATIN1_RANGE.search(text) and _MOJIBAKE.search(text):
        text = ftfy.fix_encoding(text)
        repaired = True
        if _MOJIBAKE.search(text):
            return Rejection("undecodable", "mojibake that cannot be repaired")
    text = storage_text(text)
    if not text.strip():
        return Rejection("empty", "only whitespace and control characters")
    return Decoded(text, encoding, repaired)


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
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None, best.encoding


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
