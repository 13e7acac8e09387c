"""Scratch folders (a run's staging, a DuckLake writer's spill): each held by its process through an flock on a
file inside it, removed at the end, and, when the process was killed, by the next one that makes a folder there
(the OS drops a dead process's flock)."""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

HELD = ".held"  # the file whose flock says the folder's process lives
PREFIX = "khabar-"  # of every folder swept; others under the root are never touched


@contextlib.contextmanager
def held_folder(root: str, prefix: str) -> Iterator[str]:
    """A new folder `root/<prefix>…`, held until the block ends, then removed. It is made under a hidden name
    and renamed once held, so a sweep never finds it unheld."""
    assert prefix.startswith(PREFIX), prefix
    sweep(root)
    making = Path(tempfile.mkdtemp(prefix=".making-", dir=root))
    handle = (making / HELD).open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        folder = Path(root) / f"{prefix}{uuid.uuid4().hex[:12]}"
        making.rename(folder)
    except BaseException:
        handle.close()
        shutil.rmtree(making, ignore_errors=True)
        raise
    try:
        yield str(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        handle.close()


def sweep(root: str) -> None:
    """Remove the held folders under `root` whose process is gone."""
    for folder in Path(root).glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError), (folder / HELD).open("r") as handle:  # OSError: no HELD file, or held
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while its process lives
            shutil.rmtree(folder, ignore_errors=True)
