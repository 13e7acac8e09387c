"""Bounded fetching: a server on 127.0.0.1 that drips its answer a byte at a time cannot hold a request past
request_timeout, and a run out of time defers its remaining pages to the next run."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from khabar.warehouse import query
from khabar.web import crawl
from khabar.web.http import Failure, Fetcher, Response
from khabar.web.sources import FetchSettings, Source, SourcesConfig

DRIP = 0.1  # seconds between bytes: far below read_timeout, so no single read ever times out
SERVE_FOR = 30.0  # the server stops dripping by itself after this long
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
PAGE = b"<html><head><title>t</title></head><body><p>" + "शब्द ".encode() * 40 + b"</p></body></html>"


class DrippingServer:
    """Answers /drip-headers a header byte at a time, /drip-body a body byte at a time, /fast at once."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.dripped: dict[str, float] = {}  # path -> seconds it kept sending before the client hung up
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._stop.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            path = request.split(b" ")[1].decode()
            if path == "/robots.txt":
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            elif path.startswith("/fast"):
                conn.sendall(HEAD + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE)
            elif path == "/drip-headers":
                self._drip(conn, path, HEAD + b"X-Slow: " + b"a" * 10_000)
            elif path == "/drip-body":
                conn.sendall(HEAD + b"\r\n")
                self._drip(conn, path, PAGE * 100)

    def _drip(self, conn: socket.socket, path: str, data: bytes) -> None:
        started = time.monotonic()
        try:
            for byte in data:
                if self._stop.is_set() or time.monotonic() - started > SERVE_FOR:
                    break
                conn.sendall(bytes([byte]))
                time.sleep(DRIP)
        except OSError:
            pass  # the client hung up
        self.dripped[path] = time.monotonic() - started


@pytest.fixture
def server() -> Iterator[DrippingServer]:
    found = DrippingServer()
    yield found
    found.close()


SETTINGS = FetchSettings(read_timeout=1.0, request_timeout=2.0, retries=0, allow_private=True, backoff=0.1)
HOSTS = frozenset({"127.0.0.1"})


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body"])
def test_a_dripping_server_cannot_hold_a_request_past_its_deadline(server: DrippingServer, path: str) -> None:
    fetcher = Fetcher(SETTINGS)
    try:
        started = time.monotonic()
        result = fetcher.get(server.url(path), HOSTS, rate=100.0, html_only=True)
        took = time.monotonic() - started
    finally:
        fetcher.close()
    assert isinstance(result, Failure), result
    assert result.reason == "timeout" and "request_timeout" in result.detail, result
    assert result.retryable  # a later run tries the page again
    assert 1.5 < took < 4.0, took  # request_timeout 2 s, not the 30 s the server would go on for
    for _ in range(40):  # the connection was cut: the server's next byte fails
        if path in server.dripped:
            break
        time.sleep(0.1)
    assert server.dripped[path] < 5.0


def test_a_fast_page_after_a_timed_out_one_is_fetched_whole(server: DrippingServer) -> None:
    fetcher = Fetcher(SETTINGS)
    try:
        assert isinstance(fetcher.get(server.url("/drip-body"), HOSTS, 100.0), Failure)
        result = fetcher.get(server.url("/fast"), HOSTS, 100.0, html_only=True)
        time.sleep(2.5)  # past the first request's deadline: the watchdog must not cut a later request
        again = fetcher.get(server.url("/fast"), HOSTS, 100.0, html_only=True)
    finally:
        fetcher.close()
    assert isinstance(result, Response) and result.body == PAGE
    assert isinstance(again, Response) and again.body == PAGE


def test_a_run_out_of_time_defers_its_remaining_pages(server: DrippingServer, tmp_path: Path) -> None:
    """Three pages, one worker, a time budget that ends during the first (dripping) page: the other two are not
    started, and are recorded as deferred, which later runs fetch without counting them as tries."""
    settings = FetchSettings(read_timeout=1.0, request_timeout=2.0, retries=0, allow_private=True, workers=1)
    urls = (server.url("/drip-body"), server.url("/fast/1"), server.url("/fast/2"))
    source = Source("drip", urls=urls, allowed_hosts=HOSTS, rate=100.0)
    config = SourcesConfig("inline", settings, (source,))
    targets = [crawl.Target(url, "drip") for url in source.urls]
    fetcher = Fetcher(settings, stop_at=time.time() + 1.0)
    try:
        started = time.monotonic()
        records = crawl.download(targets, config, fetcher, str(tmp_path / "landing"))
        took = time.monotonic() - started
    finally:
        fetcher.close()
    assert took < 4.0, took
    by_url = {r.url: r for r in records}
    assert by_url[server.url("/drip-body")].reason == "timeout"
    deferred = [by_url[server.url("/fast/1")], by_url[server.url("/fast/2")]]
    assert all(r.reason == crawl.DEFERRED and r.retryable and r.attempts == 0 for r in deferred)
    assert crawl.failed_page_docs(records) and all(
        doc.ref.source_uri != server.url("/fast/1") for doc in crawl.failed_page_docs(records)
    )


def test_deferred_pages_stay_in_the_retry_queue_without_counting_as_tries(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from khabar.warehouse.db import writer

    db = str(tmp_path / "w.duckdb")
    url = "https://example.org/news/a.html"
    with writer(db, "test") as con:
        now = datetime.now(UTC)
        for n in range(5):  # deferred by five runs in a row
            record = crawl.deferred([crawl.Target(url, "s")], "out of time")[0]
            con.execute(
                "INSERT INTO fetches (url, final_url, source, kind, outcome, reason, detail, attempts, seconds, "
                "retryable, fetched_at, run_id) VALUES (?, ?, ?, 'page', 'failed', ?, ?, 0, 0, true, ?, ?)",
                [record.url, record.final_url, record.source, record.reason, record.detail, now, f"run{n}"],
            )
    assert query.retry_queue(db, max_tries=3) == [(url, "s")]
    assert query.settled_urls(db, [url], max_tries=3) == set()
