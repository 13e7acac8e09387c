"""The sources file's validation, URL normalization, and reading feeds and sitemaps: no network."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from khabar.web.feeds import FeedError, feed_links, read_sitemap
from khabar.web.sources import SourcesError, load_sources
from khabar.web.urls import BadURL, host_allowed, normalize_url

ROOT = Path(__file__).resolve().parent.parent
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def test_the_example_sources_file_is_valid() -> None:
    config = load_sources(ROOT / "examples" / "sources.toml")
    assert [s.name for s in config.sources] == ["Amar Ujala", "Hindusthan Samachar", "Dainik Bhaskar"]
    amar = config.sources[0]
    assert amar.rate == 0.5 and "*.amarujala.com" in amar.allowed_hosts
    assert amar.is_article("https://www.amarujala.com/india-news/rain-alert-2025-07-12-123.html")
    assert not amar.is_article("https://www.amarujala.com/india-news")
    assert config.sources[1].allowed_hosts == {"www.hindusthansamachar.in"}  # from its URLs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[source]]\nname = "A"\nfeed = ["https://a.example/rss"]\n',
            "line 3: feed: unknown key in [[source]] #1 (did you mean 'feeds'?)",
        ),
        (
            '[[source]]\nname = "A"\nfeeds = ["ftp://a.example/rss"]\n',
            "line 3: source 'A'.feeds: 'ftp://a.example/rss': only http and https",
        ),
        ('[[source]]\nfeeds = ["https://a.example/rss"]\n', "line 1: source #1.name: every source needs a name"),
        ('[[source]]\nname = "A"\n', "line 1: source 'A': give at least one of feeds, sitemaps or urls"),
        (
            '[[source]]\nname = "A"\nurls = ["https://b.example/x"]\nallowed_hosts = ["a.example"]\n',
            "line 3: source 'A'.urls: https://b.example/x is not on an allowed host",
        ),
        (
            '[[source]]\nname = "A"\nurls = ["https://a.example/x"]\narticle_pattern = "(["\n',
            "line 4: source 'A'.article_pattern",
        ),
        (
            '[fetch]\nretries = "3"\n[[source]]\nname = "A"\nurls = ["https://a.example/x"]\n',
            "line 2: fetch.retries: must be int",
        ),
        (
            '[fetch]\ntimeout = 3\n[[source]]\nname = "A"\nurls = ["https://a.example/x"]\n',
            "line 2: timeout: unknown key in [fetch]",
        ),
        ('[[source]]\nname = "A"\nurls = "https://a.example/x\n', "not valid TOML: "),
        ("", "add at least one [[source]] table"),
        (
            '[[source]]\nname = "A"\nurls = ["https://a.example/x"]\n[[source]]\nname = "A"\nurls = ["https://a.example/y"]\n',
            "two sources are called 'A'",
        ),
    ],
)
def test_a_bad_sources_file_names_the_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesError) as error:
        load_sources(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_a_missing_sources_file_points_at_the_example(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match=r"examples/sources\.toml"):
        load_sources(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.com:443/a/b.html?utm_source=x&utm_medium=y#top", "https://www.example.com/a/b.html"),
        ("http://example.com:8080/a?b=2&a=1&fbclid=z", "http://example.com:8080/a?a=1&b=2"),
        ("http://example.com", "http://example.com/"),
        ("https://example.com/खबर/१२.html", "https://example.com/खबर/१२.html"),
    ],
)
def test_urls_are_normalized(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_relative_and_bad_urls() -> None:
    assert normalize_url("../c.html?x=1", base="https://h.example/a/b/") == "https://h.example/a/c.html?x=1"
    for bad in ("javascript:alert(1)", "mailto:x@y", "file:///etc/passwd", "http://", "http://h:99999/"):
        with pytest.raises(BadURL):
            normalize_url(bad)


def test_allowed_hosts_with_wildcards() -> None:
    allowed = frozenset({"news.example", "*.papers.example"})
    assert host_allowed("https://news.example/x", allowed)
    assert host_allowed("https://hindi.papers.example/x", allowed)
    assert host_allowed("https://papers.example/x", allowed)
    assert not host_allowed("https://evilnews.example/x", allowed)
    assert not host_allowed("https://papers.example.evil/x", allowed)


def test_feed_links_from_rss_and_atom() -> None:
    rss = b'<rss version="2.0"><channel><item><link>https://a.example/1</link></item><item><title>no link</title></item></channel></rss>'
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://a.example/2"/></entry></feed>'
    assert feed_links(rss) == ["https://a.example/1"]
    assert feed_links(atom) == ["https://a.example/2"]
    with pytest.raises(FeedError):
        feed_links(b"<html><body>not a feed</body></html>\x00")


def test_sitemaps_plain_gzipped_and_index() -> None:
    urlset = f'<urlset xmlns="{NS}"><url><loc> https://a.example/1 </loc></url><url><loc>https://a.example/2</loc></url></urlset>'.encode()
    index = (
        f'<sitemapindex xmlns="{NS}"><sitemap><loc>https://a.example/s.xml.gz</loc></sitemap></sitemapindex>'.encode()
    )
    assert read_sitemap(urlset, 10_000).locations == ("https://a.example/1", "https://a.example/2")
    assert read_sitemap(gzip.compress(urlset), 10_000).locations == ("https://a.example/1", "https://a.example/2")
    assert read_sitemap(index, 10_000).is_index
    with pytest.raises(FeedError, match="unpacks to more than"):
        read_sitemap(gzip.compress(urlset + b" " * 20_000), 10_000)
    with pytest.raises(FeedError, match="not a sitemap"):
        read_sitemap(b"<html><body/></html>", 10_000)
