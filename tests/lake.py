"""A real PostgreSQL for the DuckLake tests: a cluster made with initdb in a temporary folder, on a free port,
as the `postgres` user when the tests run as root (initdb refuses root). `.ci/run` installs PostgreSQL from
Debian's packages where it is missing."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from khabar.warehouse.db import connect_read_only

USER = "khabar"


def bindir() -> Path | None:
    """The folder of initdb and pg_ctl: Debian keeps them out of PATH, under /usr/lib/postgresql/N/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Postgres:
    bin: Path
    port: int

    def create(self, name: str) -> str:
        """A new database; its DuckLake URI."""
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name],
            check=True,
            capture_output=True,
        )
        return f"ducklake:postgres:dbname={name} host=127.0.0.1 port={self.port} user={USER}"


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster in a new temporary folder (outside pytest's, which the `postgres` user cannot
    enter), started, then stopped and removed."""
    found = bindir()
    assert found is not None
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="khabar-postgres-"))
    root.chmod(0o777)
    data, log = root / "data", root / "postgres.log"
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, cwd=root)

    run(str(found / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    run(str(found / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
    try:
        yield Postgres(found, port)
    finally:
        subprocess.run(
            [*as_user, str(found / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )


def snapshot(db: str) -> dict[str, list[tuple[object, ...]]]:
    """What the warehouse says, without the columns that differ from run to run: run ids, load times, and
    published_at, which a dump's "3 hours ago" dates from the run's start."""
    queries = {
        "documents": "SELECT doc_id, source_uri, outlet, byte_size, status, reject_reason, format FROM documents",
        "articles": "SELECT article_id, doc_id, source_uri, outlet, title, lede, body, agency, author, dateline_place, "
        "dateline_date, published_at IS NULL, language, word_count, body_sha256 FROM articles",
        "removed_blocks": "SELECT article_id, seq, kind, text, template_stories FROM removed_blocks",
        "sightings": "SELECT doc_id, source_uri, outlet FROM sightings",
        "story_members": "SELECT article_id, story_id, relation, round(similarity, 9), round(shared_ratio, 9), "
        "added_paragraphs, removed_paragraphs FROM story_members",
        "story_merges": "SELECT from_story, into_story, via_article FROM story_merges",
        "lsh_bands": "SELECT article_id, band, bucket FROM lsh_bands",
        "article_shingles": "SELECT article_id, md5(windows), paragraph_words, md5(short_windows), numbers "
        "FROM article_shingles",
        "zone_units": "SELECT article_id, fingerprint, zone, text, removed FROM zone_units",
        "outlet_templates": "SELECT outlet, fingerprint, n_stories, sample FROM outlet_templates",
        "stories": "SELECT story_id, title, agency, n_articles, n_outlets, outlets FROM stories",
        "runs": "SELECT status, docs_seen, docs_new, docs_rejected, articles_loaded, near_duplicates, stories_new, "
        "files_unchanged FROM runs",
        "input_files": "SELECT source_uri, size, mtime_ns, documents FROM input_files",
    }
    con = connect_read_only(db)
    try:
        return {table: sorted(con.execute(query).fetchall(), key=repr) for table, query in queries.items()}
    finally:
        con.close()


def counts(db: str) -> dict[str, int]:
    con = connect_read_only(db)
    try:
        tables = ("documents", "articles", "removed_blocks", "story_members", "runs")
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    finally:
        con.close()
