"""Find input files and read them as raw documents. File I/O only; no parsing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from khabar.inputs.landing import read_sidecar
from khabar.records import InputRef, RawDoc

FORMATS = {".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}


class InputError(ValueError):
    """A path given by the user does not exist or holds nothing khabar reads."""


def discover(paths: Iterable[str]) -> list[InputRef]:
    """Every supported file under `paths`, in a stable order. A sub-folder's name is the outlet hint."""
    refs: list[InputRef] = []
    for given in paths:
        root = Path(given)
        if root.is_file():
            refs.append(_ref(root, given, None))
        elif root.is_dir():
            for path in sorted(_walk(root)):
                relative = path.relative_to(root)
                outlet = relative.parts[0] if len(relative.parts) > 1 else None
                refs.append(_ref(path, os.path.join(given, str(relative)), outlet))
        else:
            raise InputError(f"no such file or folder: {given}")
    return refs


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in FORMATS:
                yield Path(folder) / name


def _ref(path: Path, source_uri: str, outlet: str | None) -> InputRef:
    return InputRef(str(path), source_uri, FORMATS.get(path.suffix.lower(), "text"), outlet)


def read_inputs(refs: Iterable[InputRef], max_bytes: int, read_at: datetime | None = None) -> list[RawDoc]:
    """Raw documents for `refs`: one per file, one per non-blank line of a JSONL file.

    `read_at` is their fetched_at (default: the moment each is read). A run gives its start, so documents read by
    parallel batches are ordered by source_uri rather than by which worker happened to read first."""
    docs: list[RawDoc] = []
    for ref in refs:
        now = read_at or datetime.now(UTC)
        try:
            if ref.format == "jsonl":
                docs.extend(_read_jsonl(ref, max_bytes, now))
            else:
                docs.append(_read_file(ref, max_bytes, now))
        except OSError as error:
            docs.append(_unreadable(ref, error, now))
    return docs


def _read_file(ref: InputRef, max_bytes: int, now: datetime) -> RawDoc:
    size = os.path.getsize(ref.path)
    headers = None
    fetched = read_sidecar(ref.path) if ref.format == "html" else None
    listed = fetched.dates if fetched else ()
    if fetched:  # a page khabar fetched: its URL, source, fetch time and charset come along
        ref = InputRef(ref.path, fetched.final_url, "html", fetched.source or ref.outlet_hint)
        now, headers = fetched.fetched_at, {**fetched.headers, "charset": fetched.charset or ""}
    if size > max_bytes:
        detail = f"{size} bytes, over the limit of {max_bytes}"
        return RawDoc(_hash_file(ref.path), ref, size, now, None, "too_large", detail)
    data = Path(ref.path).read_bytes()
    return RawDoc(hashlib.sha256(data).hexdigest(), ref, len(data), now, data, http_headers=headers, dates=listed)


def _read_jsonl(ref: InputRef, max_bytes: int, now: datetime) -> Iterator[RawDoc]:
    with open(ref.path, "rb") as handle:
        for line_no, line in enumerate(handle, start=1):
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            line_ref = InputRef(ref.path, f"{ref.source_uri}#L{line_no}", "jsonl", ref.outlet_hint, line_no)
            digest = hashlib.sha256(line).hexdigest()
            if len(line) > max_bytes:
                detail = f"{len(line)} bytes, over the limit of {max_bytes}"
                yield RawDoc(digest, line_ref, len(line), now, None, "too_large", detail)
            else:
                yield RawDoc(digest, line_ref, len(line), now, line)


def _hash_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _unreadable(ref: InputRef, error: OSError, now: datetime) -> RawDoc:
    # The bytes cannot be read, so the id hashes the path: the failure is still recorded once.
    doc_id = hashlib.sha256(f"unreadable:{ref.source_uri}".encode()).hexdigest()
    return RawDoc(doc_id, ref, 0, now, None, "unreadable", f"{type(error).__name__}: {error}")
