"""Fingerprints of clean bodies."""

from __future__ import annotations

import hashlib

from khabar.text.normalize import hash_text


def body_sha256(body: str) -> str:
    """Equal for bodies that differ only in Unicode form, spacing, digits or zero-width characters."""
    return hashlib.sha256(hash_text(body).encode("utf-8")).hexdigest()
