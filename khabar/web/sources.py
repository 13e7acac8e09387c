"""The sources file: which outlets to fetch, from where, and how politely. TOML, validated up front."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from khabar import config
from khabar.web.urls import BadURL, host_allowed, host_of, normalize_url


class SourcesError(ValueError):
    """The sources file is missing or wrong; the message names the file, line and key."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    contact: str = "https://github.com/khabar-news/khabar"  # goes into the User-Agent
    connect_timeout: float = 5.0  # seconds
    read_timeout: float = 20.0  # seconds without a byte, and the limit for reading a whole body
    request_timeout: float = 60.0  # seconds for one request, all told: connect, headers, body, however slow
    max_bytes: int = 5 * 1024 * 1024  # a response over this is cut off and refused as too_large
    max_redirects: int = 5
    retries: int = 3  # after the first try, on connection errors, timeouts, 429 and 5xx
    backoff: float = 1.0  # seconds before the first retry; doubles each time, with jitter
    max_retry_after: float = 120.0  # a longer Retry-After gives up on the URL for this run
    allow_private: bool = False  # fetch from private, loopback and link-local addresses
    workers: int = 8  # downloads at once (across hosts; each host keeps its own rate)
    max_pages: int = 5000  # article pages per run at most; the rest wait for the next run
    time_budget: float = 1200.0  # seconds a run spends fetching pages; pages not reached wait for the next run


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    rate: float = 1.0  # requests per second to each host
    article_pattern: str | None = None  # a regex an article URL must match (re.search)

    def is_article(self, url: str) -> bool:
        return self.article_pattern is None or re.search(self.article_pattern, url) is not None


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    path: str
    fetch: FetchSettings
    sources: tuple[Source, ...]


def load_sources(path: str | Path) -> SourcesConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{path}: no such sources file (examples/sources.toml is a commented example)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesError(f"{path}: cannot read it: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"{path}: not valid TOML: {error}") from None
    return _Validator(str(path), text).config(data)


class _Validator:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def config(self, data: dict[str, Any]) -> SourcesConfig:
        self._known(data, {"fetch", "source"}, "the top level", 0)
        fetch = self._fetch(data.get("fetch", {}))
        raw_sources = data.get("source", [])
        if not isinstance(raw_sources, list) or not raw_sources:
            raise self._error(0, "source", "add at least one [[source]] table")
        starts = [n for n, line in enumerate(self.lines) if line.strip().startswith("[[source]]")]
        sources = [self._source(raw, number, starts) for number, raw in enumerate(raw_sources)]
        names = [s.name for s in sources]
        for name in names:
            if names.count(name) > 1:
                raise self._error(0, "name", f"two sources are called {name!r}; names must be unique")
        return SourcesConfig(self.path, fetch, tuple(sources))

    def _fetch(self, raw: Any) -> FetchSettings:
        start = next((n for n, line in enumerate(self.lines) if line.strip() == "[fetch]"), 0)
        if not isinstance(raw, dict):
            raise self._error(start, "fetch", "must be a table: [fetch]")
        defaults = FetchSettings()
        self._known(raw, {f.name for f in fields(FetchSettings)}, "[fetch]", start)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            expected = type(getattr(defaults, key))
            ok = isinstance(value, expected) or (expected is float and isinstance(value, int))
            if isinstance(value, bool) and expected is not bool:
                ok = False
            if not ok:
                raise self._error(self._line(start, key), f"fetch.{key}", f"must be {expected.__name__}, got {value!r}")
            if expected in (int, float) and value < 0:
                raise self._error(self._line(start, key), f"fetch.{key}", f"must not be negative, got {value!r}")
            values[key] = float(value) if expected is float else value
        if config.fetch_allow_private():
            values["allow_private"] = True
        return FetchSettings(**values)

    def _source(self, raw: Any, number: int, starts: list[int]) -> Source:
        start = starts[number] if number < len(starts) else 0
        where = f"source #{number + 1}"
        if not isinstance(raw, dict):
            raise self._error(start, where, "must be a table: [[source]]")
        self._known(raw, {f.name for f in fields(Source)}, f"[[source]] #{number + 1}", start)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self._error(start, f"{where}.name", "every source needs a name (the outlet)")
        where = f"source {name!r}"
        lists = {key: self._urls(raw, key, where, start) for key in ("feeds", "sitemaps", "urls")}
        if not any(lists.values()):
            raise self._error(start, where, "give at least one of feeds, sitemaps or urls")
        hosts = raw.get("allowed_hosts")
        if hosts is None:
            allowed = frozenset(host_of(url) for urls in lists.values() for url in urls)
        elif isinstance(hosts, list) and hosts and all(isinstance(h, str) and h for h in hosts):
            allowed = frozenset(h.lower() for h in hosts)
        else:
            raise self._error(
                self._line(start, "allowed_hosts"), f"{where}.allowed_hosts", "must be a list of host names"
            )
        rate = raw.get("rate", 1.0)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise self._error(
                self._line(start, "rate"), f"{where}.rate", f"must be requests per second > 0, got {rate!r}"
            )
        pattern = raw.get("article_pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                raise self._error(
                    self._line(start, "article_pattern"), f"{where}.article_pattern", str(error)
                ) from None
        source = Source(name.strip(), lists["feeds"], lists["sitemaps"], lists["urls"], allowed, float(rate), pattern)
        for key, urls in lists.items():
            for url in urls:
                if not host_allowed(url, allowed):
                    raise self._error(self._line(start, key), f"{where}.{key}", f"{url} is not on an allowed host")
        return source

    def _urls(self, raw: dict[str, Any], key: str, where: str, start: int) -> tuple[str, ...]:
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._error(self._line(start, key), f"{where}.{key}", "must be a list of URLs")
        try:
            return tuple(dict.fromkeys(normalize_url(v) for v in value))
        except BadURL as error:
            raise self._error(self._line(start, key), f"{where}.{key}", str(error)) from None

    def _known(self, raw: dict[str, Any], allowed: set[str], where: str, start: int) -> None:
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(sorted(allowed))}"
                raise self._error(self._line(start, key), key, f"unknown key in {where}{hint}")

    def _line(self, start: int, key: str) -> int:
        """The line of `key = ...` in the table that begins at line index `start`."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, len(self.lines)):
            if number > start and self.lines[number].lstrip().startswith("["):
                break
            if pattern.match(self.lines[number]):
                return number
        return start

    def _error(self, line: int, key: str, message: str) -> SourcesError:
        return SourcesError(f"{self.path}, line {line + 1}: {key}: {message}")
