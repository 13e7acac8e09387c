"""`khabar fetch` against a real HTTP server on 127.0.0.1: discovery, politeness, faults, landing, re-runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import khabar_cli
from tests.site import FAULTS, PAGES, RETRY_AFTER, Site, sources_toml


@pytest.fixture
def site() -> Iterator[Site]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield Site(server)
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def sources(site: Site, tmp_path: Path) -> str:
    path = tmp_path / "sources.toml"
    path.write_text(sources_toml(site), encoding="utf-8")
    return str(path)


def _fetch(sources: str, db: str, landing: str):  # type: ignore[no-untyped-def]
    from khabar.flows.fetch import fetch_and_ingest

    return fetch_and_ingest(sources=sources, db=db, landing_dir=landing)


def _rows(db: str, query: str) -> list[tuple]:  # type: ignore[type-arg]
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_every_good_page_lands_and_every_fault_has_its_reason(
    prefect_api: str, site: Site, sources: str, db: str, tmp_path: Path
) -> None:
    landing = str(tmp_path / "landing")
    report = _fetch(sources, db, landing)

    parsed = dict(_rows(db, "SELECT source_uri, outlet FROM documents WHERE status = 'parsed'"))
    assert set(parsed) == {site.url(path) for path in PAGES}  # final URLs: moved.html landed as loneliness.html
    assert set(parsed.values()) == {"Test Outlet"}
    assert _rows(db, "SELECT count(*) FROM articles")[0][0] == len(PAGES)

    failed = dict(_rows(db, "SELECT url, reason FROM fetches WHERE outcome = 'failed'"))
    assert failed == {site.url(path): reason for path, reason in FAULTS.items()}
    rejected = dict(_rows(db, "SELECT source_uri, reject_reason FROM documents WHERE status = 'rejected'"))
    assert rejected == failed
    assert report.landed == len(PAGES) and sum(report.failures.values()) == len(FAULTS)

    hits = site.page_hits()
    assert hits["/news/rbi-policy.html"] == 1  # feed (tracking parameters) and sitemap (fragment): one fetch
    assert hits["/news/ranji.html"] == 2  # 500, then 200
    assert hits["/news/chess.html"] == 2  # 429, then 200 after Retry-After
    first, second = site.times["/news/chess.html"]
    assert second - first >= RETRY_AFTER * 0.95
    assert hits["/news/slow.html"] == 3  # the first try and two retries, all too slow
    assert hits["/news/huge.html"] == 1 and hits["/news/report.pdf"] == 1  # no retries on those
    assert hits["/private/secret.html"] == 0  # robots.txt said no: never requested
    assert site.hits["/sitemap-news.xml.gz"] == 1  # the gzipped child of the sitemap index


def _artifacts(flow_run_id: str) -> dict[str, str]:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read() -> dict[str, str]:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
            )
            return {a.key: str(a.data) for a in found if a.key}

    return asyncio.run(read())


def test_a_fetch_run_publishes_its_artifacts(
    prefect_api: str, site: Site, sources: str, db: str, tmp_path: Path
) -> None:
    _fetch(sources, db, str(tmp_path / "landing"))
    flow_run_id = _rows(db, "SELECT flow_run_id FROM runs WHERE flow_name = 'fetch-and-ingest'")[0][0]
    artifacts = _artifacts(flow_run_id)
    assert f"| articles loaded | {len(PAGES)} |" in artifacts["fetch-and-ingest-summary"]
    fetches = artifacts["fetch-and-ingest-fetches"]
    assert f"| page | landed |  | {len(PAGES)} |" in fetches
    assert "| page | failed | robots | 1 |" in fetches and site.url("/news/slow.html") in fetches


def test_pages_land_raw_with_headers_before_parsing(
    prefect_api: str, site: Site, sources: str, db: str, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    _fetch(sources, db, str(landing))

    assert not list((landing / "inbox").glob("*/*.html"))  # all filed away after the load
    pages = sorted(landing.glob("*/*/*.html"))
    assert len(pages) == len(PAGES)
    doc_ids = {row[0] for row in _rows(db, "SELECT doc_id FROM documents WHERE status = 'parsed'")}
    assert {page.stem for page in pages} == doc_ids  # the landed bytes are the documents' bytes
    utf16 = _rows(db, f"SELECT doc_id, title FROM articles WHERE source_uri = '{site.url('/news/tb-report.html')}'")
    doc_id, title = utf16[0]
    assert "टीबी" in title  # decoded with the header's charset: the page itself declares none
    sidecar = next(landing.glob(f"*/*/{doc_id}.html.json")).read_text(encoding="utf-8")
    assert "utf-16le" in sidecar and site.url("/news/tb-report.html") in sidecar


def test_a_second_run_fetches_nothing_new(prefect_api: str, site: Site, sources: str, db: str, tmp_path: Path) -> None:
    landing = str(tmp_path / "landing")
    _fetch(sources, db, landing)
    before_hits, before_docs = site.page_hits(), _rows(db, "SELECT count(*) FROM documents")[0][0]

    report = _fetch(sources, db, landing)

    assert report.load.docs_new == 0 and report.landed == 0
    assert _rows(db, "SELECT count(*) FROM documents")[0][0] == before_docs
    again = site.page_hits() - before_hits
    assert set(again) == {"/news/slow.html"}  # only the page that failed for a passing reason is retried
    assert site.conditional["/feed.xml"] == 1 and site.conditional["/sitemap.xml"] == 1  # conditional GETs
    assert report.not_modified == 3  # the feed, the index and its child answered 304


def test_pages_left_in_the_inbox_by_a_failed_run_are_loaded_by_the_next(
    prefect_api: str, site: Site, sources: str, db: str, tmp_path: Path
) -> None:
    from khabar.inputs.landing import PageMeta, land

    landing = tmp_path / "landing"
    body = (Path(__file__).parent / "fixtures" / "golden" / PAGES["/news/grap3.html"]).read_bytes()
    from datetime import UTC, datetime

    url = "https://news.example/left-behind.html"
    meta = PageMeta(url, url, "Earlier Outlet", 200, {"content-type": "text/html; charset=utf-8"}, datetime.now(UTC))
    landed = land(landing, meta, body)

    _fetch(sources, db, str(landing))

    rows = _rows(db, f"SELECT source_uri, outlet FROM documents WHERE doc_id = '{landed.doc_id}'")
    assert rows == [(url, "Earlier Outlet")]


def test_khabar_fetch_command(prefect_api: str, site: Site, sources: str, db: str, tmp_path: Path) -> None:
    result = khabar_cli(["fetch", "--sources", sources, "--db", db, "--landing", str(tmp_path / "l")], prefect_api)
    assert result.returncode == 0, result.stderr
    assert f"pages landed      {len(PAGES)}" in result.stdout
    assert "timeout 1" in result.stdout and "robots 1" in result.stdout


def test_a_bad_sources_file_is_named_with_its_line(tmp_path: Path, db: str) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = "X"\nfeeds = ["https://x.example/feed"]\nrate = -2\n', encoding="utf-8")
    result = khabar_cli(["fetch", "--sources", str(bad), "--db", db], None)
    assert result.returncode == 2
    assert "sources.toml, line 4: source 'X'.rate" in result.stderr


def test_private_addresses_are_refused_unless_allowed(site: Site) -> None:
    from khabar.web.http import Failure, Fetcher
    from khabar.web.sources import FetchSettings

    url, hosts = site.url("/news/gold-price.html"), frozenset({"127.0.0.1"})
    refused = Fetcher(FetchSettings(allow_private=False)).get(url, hosts, 100.0)
    assert isinstance(refused, Failure) and refused.reason == "private_address"
    assert site.hits["/news/gold-price.html"] == 0 and site.hits["/robots.txt"] == 0
    allowed = Fetcher(FetchSettings(allow_private=True)).get(url, hosts, 100.0)
    assert not isinstance(allowed, Failure) and allowed.status == 200
    assert site.hits["/news/gold-price.html"] == 1


def test_the_user_agent_names_khabar_and_its_contact(site: Site) -> None:
    from khabar.web.http import Fetcher
    from khabar.web.sources import FetchSettings

    seen: list[str] = []
    site.server.expect_request("/ua").respond_with_handler(
        lambda request: (seen.append(request.headers["User-Agent"]), Response("<html>ok</html>"))[1]
    )
    Fetcher(FetchSettings(allow_private=True, contact="https://example.org/us")).get(
        site.url("/ua"), frozenset({"127.0.0.1"}), 100.0
    )
    assert seen and seen[0].startswith("khabar/") and "+https://example.org/us" in seen[0]
