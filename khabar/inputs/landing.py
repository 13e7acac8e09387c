"""Raw landing: fetched bytes and their response headers on disk before anything parses them.

A page lands in `<landing>/inbox/<host>/<doc_id>.html` with `<doc_id>.html.json` beside it (URL, final
URL, source, status, headers, fetch time, and the dates the feeds and sitemaps that listed it gave it). After the run's load commits, it moves to
`<landing>/<YYYY-MM-DD>/<host>/`. Pages left in the inbox by a failed run are loaded by the next one,
and `khabar ingest <landing>/<day>` re-processes a day without fetching it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from khabar.records import Dated, InputRef
from khabar.text.decode import charset_of

INBOX = "inbox"
SIDECAR = ".json"


@dataclass(frozen=True, slots=True)
class Landed:
    doc_id: str
    path: str


@dataclass(frozen=True, slots=True)
class PageMeta:
    url: str
    final_url: str
    source: str | None
    status: int
    headers: dict[str, str]
    fetched_at: datetime
    dates: tuple[Dated, ...] = ()  # the dates the feeds and sitemaps that listed the page gave it

    @property
    def charset(self) -> str | None:
        return charset_of(self.headers.get("content-type", ""))


def land(landing_dir: str | Path, meta: PageMeta, body: bytes) -> Landed:
    """Write the page and then its sidecar, each atomically: a sidecar always has its page."""
    doc_id = hashlib.sha256(body).hexdigest()
    page = inbox_path(landing_dir, meta.final_url, doc_id)
    page.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(page, body)
    sidecar = {
        "url": meta.url,
        "final_url": meta.final_url,
        "source": meta.source,
        "status": meta.status,
        "headers": meta.headers,
        "fetched_at": meta.fetched_at.isoformat(),
        "listed_dates": [{"at": d.at.isoformat(), "precision": d.precision, "source": d.source} for d in meta.dates],
    }
    _write_atomic(Path(f"{page}{SIDECAR}"), json.dumps(sidecar, ensure_ascii=False, indent=1).encode())
    return Landed(doc_id, str(page))


def inbox_path(landing_dir: str | Path, final_url: str, doc_id: str) -> Path:
    host = urlsplit(final_url).netloc.replace(":", "_") or "unknown"
    return Path(landing_dir) / INBOX / host / f"{doc_id}.html"


def landed_ref(landing_dir: str | Path, final_url: str, doc_id: str, source: str | None) -> InputRef:
    """The input of a page this run landed."""
    return InputRef(str(inbox_path(landing_dir, final_url, doc_id)), final_url, "html", source)


def read_sidecar(page_path: str | Path) -> PageMeta | None:
    """The fetch record beside a landed page, or None for a page that was not fetched by khabar."""
    try:
        data = json.loads(Path(f"{page_path}{SIDECAR}").read_text(encoding="utf-8"))
        return PageMeta(
            data["url"],
            data["final_url"],
            data.get("source"),
            int(data.get("status", 200)),
            {str(k): str(v) for k, v in data.get("headers", {}).items()},
            datetime.fromisoformat(data["fetched_at"]),
            tuple(
                Dated(datetime.fromisoformat(d["at"]), str(d["precision"]), str(d["source"]))
                for d in data.get("listed_dates", [])
            ),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def inbox_refs(landing_dir: str | Path) -> list[InputRef]:
    """Landed pages not yet filed away: this run's, and any a failed run left behind."""
    inbox = Path(landing_dir) / INBOX
    refs = []
    for page in sorted(inbox.glob("*/*.html")):
        meta = read_sidecar(page)
        if meta is not None:
            refs.append(InputRef(str(page), meta.final_url, "html", meta.source))
    return refs


def file_away(refs: list[InputRef], landing_dir: str | Path) -> None:
    """Move loaded pages from the inbox to the folder of the day they were fetched."""
    for ref in refs:
        meta = read_sidecar(ref.path)
        if meta is None:
            continue
        page = Path(ref.path)
        folder = Path(landing_dir) / meta.fetched_at.date().isoformat() / page.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # the same bytes from two URLs: one file, moved once
            os.replace(f"{page}{SIDECAR}", folder / f"{page.name}{SIDECAR}")
            os.replace(page, folder / page.name)


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
