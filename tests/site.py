"""A small news site on 127.0.0.1 for the fetch tests: a feed, a sitemap index with a gzipped child,
article pages made from the golden HTML fixtures, and one page per fault."""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
PAGES = {  # path -> golden fixture
    "/news/gold-price.html": "g29_dainikbhaskar_gold_price.html",
    "/news/rbi-policy.html": "g30_ndtvindia_ians_rbi_policy.html",
    "/news/grap3.html": "g31_news18_ani_delhi_grap3.html",
    "/news/deepotsav.html": "g32_hindusthansamachar_ayodhya_deepotsav.html",
    "/news/ranji.html": "g33_amarujala_ranji_kanpur.html",  # 500 once, then 200
    "/news/chess.html": "g34_zeenews_divya_chess.html",  # 429 with Retry-After once, then 200
    "/news/loneliness.html": "g35_jagran_agency_who_loneliness.html",  # reached by a redirect
    "/news/tb-report.html": "g36_ians_portal_tb_report.html",  # UTF-16LE, charset only in the header
}
FAULTS = {  # path -> the reason khabar must record
    "/news/slow.html": "timeout",
    "/news/huge.html": "too_large",
    "/news/loop-a.html": "too_many_redirects",
    "/news/report.pdf": "not_html",
    "/private/secret.html": "robots",
    "http://foreign.example/news/elsewhere.html": "foreign_host",
}
RETRY_AFTER = 1  # seconds


class Site:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.conditional: Counter[str] = Counter()  # requests that carried If-None-Match
        self._lock = threading.Lock()
        self._route("/robots.txt", lambda r: Response("User-agent: *\nDisallow: /private/\n", mimetype="text/plain"))
        self._route("/feed.xml", self._versioned(self._feed(), "application/rss+xml"))
        self._route("/sitemap.xml", self._versioned(self._index(), "application/xml"))
        self._route("/sitemap-news.xml.gz", self._versioned(gzip.compress(self._urlset()), "application/x-gzip"))
        special = {"/news/ranji.html", "/news/chess.html", "/news/tb-report.html"}
        for path, name in PAGES.items():
            if path not in special:
                self._route(path, self._page(name))
        self._route("/news/ranji.html", self._fail_once(500, {}, self._page(PAGES["/news/ranji.html"])))
        self._route(
            "/news/chess.html",
            self._fail_once(429, {"Retry-After": str(RETRY_AFTER)}, self._page(PAGES["/news/chess.html"])),
        )
        self._route("/news/tb-report.html", self._utf16(PAGES["/news/tb-report.html"]))
        self._route("/news/moved.html", lambda r: _redirect("/news/loneliness.html"))
        self._route("/news/slow.html", self._slow)
        self._route("/news/huge.html", lambda r: Response(_chunks(300_000), mimetype="text/html"))  # no Content-Length
        self._route("/news/loop-a.html", lambda r: _redirect("/news/loop-b.html"))
        self._route("/news/loop-b.html", lambda r: _redirect("/news/loop-a.html"))
        self._route("/news/report.pdf", lambda r: Response(b"%PDF-1.4 not an article", mimetype="application/pdf"))
        self._route("/private/secret.html", self._page(PAGES["/news/rbi-policy.html"]))

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.server.url_for(path)

    def page_hits(self) -> Counter[str]:
        return Counter({path: n for path, n in self.hits.items() if path.startswith(("/news/", "/private/"))})

    def _route(self, path: str, handler: Callable[[Request], Response]) -> None:
        def counted(request: Request) -> Response:
            with self._lock:
                self.hits[path] += 1
                self.times.setdefault(path, []).append(time.monotonic())
                if request.headers.get("If-None-Match"):
                    self.conditional[path] += 1
            return handler(request)

        self.server.expect_request(path).respond_with_handler(counted)

    def _feed(self) -> bytes:
        items = [
            "/news/gold-price.html",
            "/news/rbi-policy.html?utm_source=rss&utm_medium=feed",  # the same page as the sitemap's
            "/news/ranji.html",
            "/news/chess.html",
            "/news/tb-report.html",
            "/news/moved.html",
            *FAULTS,
        ]
        entries = "".join(f"<item><title>{i}</title><link>{self.url(i)}</link></item>" for i in items)
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'.encode()

    def _index(self) -> bytes:
        ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
        child = f"<sitemap><loc>{self.url('/sitemap-news.xml.gz')}</loc></sitemap>"
        return f'<?xml version="1.0"?><sitemapindex xmlns="{ns}">{child}</sitemapindex>'.encode()

    def _urlset(self) -> bytes:
        ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
        paths = ["/news/rbi-policy.html", "/news/grap3.html", "/news/deepotsav.html", "/news/rbi-policy.html#comments"]
        urls = "".join(f"<url><loc>{self.url(p)}</loc></url>" for p in paths)
        return f'<?xml version="1.0"?><urlset xmlns="{ns}">{urls}</urlset>'.encode()

    @staticmethod
    def _versioned(body: bytes, mimetype: str) -> Callable[[Request], Response]:
        etag = '"v1"'

        def handler(request: Request) -> Response:
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(body, mimetype=mimetype, headers={"ETag": etag})

        return handler

    @staticmethod
    def _page(name: str) -> Callable[[Request], Response]:
        body = (GOLDEN / name).read_bytes()
        return lambda request: Response(body, content_type="text/html; charset=utf-8")

    @staticmethod
    def _utf16(name: str) -> Callable[[Request], Response]:
        text = (GOLDEN / name).read_text(encoding="utf-8")
        body = re.sub(r"<meta charset=[^>]*>", "", text, flags=re.I).encode("utf-16-le")
        return lambda request: Response(body, content_type="text/html; charset=utf-16le")

    def _fail_once(
        self, status: int, headers: dict[str, str], then: Callable[[Request], Response]
    ) -> Callable[[Request], Response]:
        failed: list[bool] = []

        def handler(request: Request) -> Response:
            if not failed:
                failed.append(True)
                return Response("busy", status=status, headers=headers)
            return then(request)

        return handler

    @staticmethod
    def _slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("<html>late</html>", mimetype="text/html")


def _chunks(size: int) -> Iterator[bytes]:
    yield b"<html><body>"
    for _ in range(size // 10_000):
        yield b"x" * 10_000


def _redirect(location: str) -> Response:
    return Response(status=302, headers={"Location": location})


def sources_toml(site: Site, **fetch: object) -> str:
    settings = {
        "contact": '"https://example.org/khabar-tests"',
        "read_timeout": "0.5",
        "retries": "2",
        "backoff": "0.05",
        "max_bytes": "200000",
        "max_retry_after": "5",
        "allow_private": "true",
        "workers": "4",
        **{k: str(v) for k, v in fetch.items()},
    }
    lines = ["[fetch]", *(f"{k} = {v}" for k, v in settings.items()), "", "[[source]]", 'name = "Test Outlet"']
    lines += [
        f'feeds = ["{site.url("/feed.xml")}"]',
        f'sitemaps = ["{site.url("/sitemap.xml")}"]',
        "rate = 1000",
        'article_pattern = "/(news|private)/"',
    ]
    return "\n".join(lines) + "\n"
