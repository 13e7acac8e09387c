"""Find input files and read them as raw documents. File I/O only; no parsing."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from khabar.inputs.landing import SIDECAR, read_sidecar
from khabar.records import FileSeen, InputRef, RawDoc

FORMATS = {".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
UNSUPPORTED = "unsupported"  # the format of a file in a folder whose name says khabar cannot read it
_CHUNK = 1 << 20
_log = logging.getLogger(__name__)


class InputError(ValueError):
    """A path given by the user does not exist or holds nothing khabar reads."""


def discover(paths: Iterable[str], warn: Callable[[str], None] = _log.warning) -> list[InputRef]:
    """Every supported file under `paths`, in a stable order. A sub-folder's name is the outlet hint.

    Symbolic links to folders are followed, each real folder once. A folder that cannot be listed, or a link
    that would go round in a loop, is passed to `warn`, and so is the count of hidden files and folders (names
    starting with "."), which are not read. A file of a type khabar does not read (a .pdf) is found all the
    same, as format `unsupported`, so that it gets a row; a fetched page's sidecar (page.html.json) does not.
    Nothing under `paths` is skipped without a word. Names that are not UTF-8 are shown with their bytes
    escaped (caf\\xe9) in source_uri and the outlet."""
    refs: list[InputRef] = []
    for given in paths:
        root = Path(given if os.path.lexists(given) else unshown(given))
        if root.is_dir():
            hidden: list[str] = []
            shown_root = os.path.join(shown(given), "")
            for path, relative, top in _walk(str(root), warn, hidden):
                refs.append(_ref(path, shown_root + shown(relative), shown(top) if top else None, UNSUPPORTED))
            if hidden:
                names = ", ".join(shown(name) for name in sorted(hidden)[:3]) + (", ..." if len(hidden) > 3 else "")
                warn(f"not read under {shown(given)}: {len(hidden)} hidden file(s) or folder(s) ({names})")
        elif root.exists():  # a file, or a FIFO or device given by name: read_inputs gives it a row
            refs.append(_ref(root, shown(given), None))
        else:
            raise InputError(f"no such file or folder: {given}")
    return refs


def shown(name: str) -> str:
    """A path as text that any UTF-8 consumer takes: the bytes of a name that is not UTF-8 escaped (\\xe9)."""
    if name.isascii():
        return name
    try:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no file system byte stands for
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


def unshown(text: str) -> str:
    """The path that `shown` wrote as `text`: each escaped byte (\\xe9) back as Python keeps a non-UTF-8 byte of a
    file name. Looked at only when `text` itself names nothing."""
    return _ESCAPED_BYTE.sub(lambda match: chr(0xDC00 + int(match.group(1), 16)), text)


def _walk(root: str, warn: Callable[[str], None], hidden: list[str]) -> Iterator[tuple[str, str, str]]:
    """Each file under `root` as (path, path relative to root, first part of it when in a sub-folder, else ""), in
    the order of their paths' parts: a folder's entries by name, files and sub-folders alike."""
    seen = {os.path.realpath(root)}

    def files_in(folder: str, relative: str, top: str) -> Iterator[tuple[str, str, str]]:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            warn(f"skipped folder {shown(str(error.filename or folder))}: {error.strerror or error}")
            return
        folders = [_is_folder(entry) for entry in entries]
        names = {entry.name for entry, is_dir in zip(entries, folders, strict=True) if not is_dir}  # files only
        for entry, is_dir in zip(entries, folders, strict=True):
            name = entry.name
            if name.startswith("."):
                hidden.append(name + "/" if is_dir else name)
            elif is_dir:
                real = os.path.realpath(entry.path)
                if real in seen:
                    warn(f"skipped folder {shown(entry.path)}: a link to {shown(real)}, already read")
                    continue
                seen.add(real)
                yield from files_in(entry.path, relative + name + os.sep, top or name)
            elif not (name.endswith(SIDECAR) and name.removesuffix(SIDECAR) in names):
                yield entry.path, relative + name, top

    yield from files_in(root, "", "")


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links
    except OSError:
        return False


def _ref(path: str | Path, source_uri: str, outlet: str | None, otherwise: str = "text") -> InputRef:
    return InputRef(str(path), source_uri, FORMATS.get(os.path.splitext(path)[1].lower(), otherwise), outlet)


# A file modified this recently may still be changing within its clock's resolution: it is not remembered as read.
SETTLED_SECONDS = 2.0


def file_stats(refs: Iterable[InputRef]) -> list[FileSeen]:
    """Size and modification time of each regular file of `refs` now (what a run compares with input_files)."""
    found = []
    for ref in refs:
        with contextlib.suppress(OSError):
            st = os.stat(ref.path)
            if stat.S_ISREG(st.st_mode):
                found.append(FileSeen(ref.source_uri, st.st_size, st.st_mtime_ns))
    return found


def read_inputs(
    refs: Iterable[InputRef], max_bytes: int, read_at: datetime | None = None, files: list[FileSeen] | None = None
) -> list[RawDoc]:
    """Raw documents for `refs`: one per file, one per non-blank line of a JSONL file.

    Only regular files are read (a FIFO or a device named *.txt gets a `not_a_file` row without being opened
    for a blocking read), and never more than `max_bytes` of one document: the cap holds while reading, not
    only by the size the file claims.

    `read_at` is their fetched_at (default: the moment each is read). A run gives its start, so documents read by
    parallel batches are ordered by source_uri rather than by which worker happened to read first.

    `files` gets each file read whole, as it was when opened, unless modified in the last SETTLED_SECONDS."""
    docs: list[RawDoc] = []
    for ref in refs:
        now = read_at or datetime.now(UTC)
        try:
            with _open_regular(ref.path) as handle:
                if isinstance(handle, str):
                    docs.append(_refused(ref, "not_a_file", handle, now))
                elif ref.format == UNSUPPORTED:
                    docs.append(_refused(ref, "unsupported_format", _unsupported(ref.path), now))
                else:
                    opened, before = os.fstat(handle.fileno()), len(docs)
                    if ref.format == "jsonl":
                        docs.extend(_read_jsonl(ref, handle, max_bytes, now))
                    else:
                        docs.append(_read_file(ref, handle, max_bytes, now))
                    if files is not None and time.time_ns() - opened.st_mtime_ns > SETTLED_SECONDS * 1e9:
                        files.append(FileSeen(ref.source_uri, opened.st_size, opened.st_mtime_ns, len(docs) - before))
        except OSError as error:
            docs.append(_unreadable(ref, error, now))
    return docs


_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


@contextlib.contextmanager
def _open_regular(path: str) -> Iterator[BinaryIO | str]:
    """A regular file opened for reading, or (a str) what the path is instead. The kind is looked at before the
    file is opened and again on the open file: opening a FIFO or a device is never what reading waits on."""
    kind = _kind(os.stat(path).st_mode)
    if kind:
        yield kind
        return
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: never wait for a FIFO's writer
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind:
            yield kind
            return
        with os.fdopen(fd, "rb", closefd=False) as handle:
            yield handle
    finally:
        os.close(fd)


def _kind(mode: int) -> str | None:
    return None if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _read_file(ref: InputRef, handle: BinaryIO, max_bytes: int, now: datetime) -> RawDoc:
    headers = None
    fetched = read_sidecar(ref.path) if ref.format == "html" else None
    listed = fetched.dates if fetched else ()
    if fetched:  # a page khabar fetched: its URL, source, fetch time and charset come along
        ref = InputRef(ref.path, fetched.final_url, "html", fetched.source or ref.outlet_hint)
        now, headers = fetched.fetched_at, {**fetched.headers, "charset": fetched.charset or ""}
    data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # hash the rest without keeping it
        digest, size = hashlib.sha256(data), len(data)
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
        detail = f"{size} bytes, over the limit of {max_bytes}"
        return RawDoc(digest.hexdigest(), ref, size, now, None, "too_large", detail)
    return RawDoc(hashlib.sha256(data).hexdigest(), ref, len(data), now, data, http_headers=headers, dates=listed)


def _read_jsonl(ref: InputRef, handle: BinaryIO, max_bytes: int, now: datetime) -> Iterator[RawDoc]:
    line_no = 0
    while True:
        line = handle.readline(max_bytes + 3)  # the line, its line break, and one byte to tell it is too long
        if not line:
            return
        line_no += 1
        digest, size = None, len(line.rstrip(b"\r\n"))
        if not line.endswith(b"\n") and len(line) > max_bytes:  # over the cap: hash the rest of the line
            digest = hashlib.sha256()
            while True:
                more = b"" if line.endswith(b"\n") else handle.readline(_CHUNK)
                if not more:
                    digest.update(line.rstrip(b"\r\n"))
                    break
                digest.update(line)
                size += len(more.rstrip(b"\r\n"))
                line = more
        line = line.rstrip(b"\r\n")
        if digest is None and not line.strip():
            continue
        line_ref = InputRef(ref.path, f"{ref.source_uri}#L{line_no}", "jsonl", ref.outlet_hint, line_no)
        if digest is not None or len(line) > max_bytes:
            digest = digest or hashlib.sha256(line)
            detail = f"{size} bytes, over the limit of {max_bytes}"
            yield RawDoc(digest.hexdigest(), line_ref, size, now, None, "too_large", detail)
        else:
            yield RawDoc(hashlib.sha256(line).hexdigest(), line_ref, len(line), now, line)


def _refused(ref: InputRef, reason: str, detail: str, now: datetime) -> RawDoc:
    # Nothing is read, so the id hashes the path: the input is still recorded, once.
    doc_id = hashlib.sha256(f"{reason}:{ref.source_uri}".encode()).hexdigest()
    return RawDoc(doc_id, ref, 0, now, None, reason, detail)


def _unsupported(path: str) -> str:
    kind = f"a {Path(path).suffix.lower()} file" if Path(path).suffix else "a file without an extension"
    return f"{kind}: khabar reads {', '.join(FORMATS)}"


def _unreadable(ref: InputRef, error: OSError, now: datetime) -> RawDoc:
    return _refused(ref, "unreadable", f"{type(error).__name__}: {error}", now)
