"""One polite, defensive HTTP client: robots.txt, per-host rates, retries, size caps, safe redirects."""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
from protego import Protego

from khabar import __version__
from khabar.text.decode import charset_of
from khabar.web.sources import FetchSettings
from khabar.web.urls import BadURL, host_allowed, normalize_url

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 when a conditional GET found nothing new
    headers: dict[str, str]  # lower-case names
    body: bytes
    fetched_at: datetime
    attempts: int
    seconds: float

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        return charset_of(self.headers.get("content-type", ""))


@dataclass(frozen=True, slots=True)
class Failure:
    url: str
    final_url: str
    reason: str  # http_error, timeout, connection_error, too_large, not_html, robots, foreign_host, ...
    detail: str
    fetched_at: datetime
    attempts: int = 0
    seconds: float = 0.0
    status: int | None = None

    @property
    def retryable(self) -> bool:
        """Worth trying again in a later run."""
        return self.reason in ("timeout", "connection_error", "robots_unavailable") or (
            self.reason == "http_error" and self.status is not None and (self.status == 429 or self.status >= 500)
        )


@dataclass(frozen=True, slots=True)
class Validators:
    """From an earlier response, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


class _Refused(Exception):
    def __init__(self, reason: str, detail: str, status: int | None = None, final_url: str | None = None) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.status, self.final_url = reason, detail, status, final_url


class _Retry(Exception):
    def __init__(self, refusal: _Refused, wait: float | None = None) -> None:
        super().__init__(refusal.detail)
        self.refusal, self.wait = refusal, wait


@dataclass
class _HostGate:
    """Per-host spacing of requests, shared by all download threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    next_free: dict[str, float] = field(default_factory=dict)

    def wait(self, host: str, interval: float) -> None:
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_free.get(host, now))
            self.next_free[host] = slot + interval
        if slot > now:
            time.sleep(slot - now)


class Fetcher:
    """GETs for one run. Thread-safe: downloads of different hosts run side by side."""

    def __init__(self, settings: FetchSettings, *, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.user_agent = f"khabar/{__version__} (+{settings.contact})"
        self.session.headers["User-Agent"] = self.user_agent
        self.session.max_redirects = settings.max_redirects
        self._gate = _HostGate()
        self._robots: dict[str, Protego | str | None] = {}
        self._robots_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)  # one per origin
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(10, settings.workers))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._addresses: dict[str, str | None] = {}
        self._random = random.Random()

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        url: str,
        allowed_hosts: frozenset[str],
        rate: float,
        *,
        html_only: bool = False,
        validators: Validators | None = None,
    ) -> Response | Failure:
        """GET `url`, retrying what is worth retrying. Never raises for a network or HTTP problem."""
        started, attempts = time.monotonic(), 0
        while True:
            attempts += 1
            try:
                response = self._attempt(url, allowed_hosts, rate, html_only, validators)
                return Response(*response, datetime.now(UTC), attempts, time.monotonic() - started)
            except _Retry as retry:
                if attempts > self.settings.retries or (retry.wait or 0) > self.settings.max_retry_after:
                    refusal = retry.refusal
                    if (retry.wait or 0) > self.settings.max_retry_after:
                        refusal.detail += f"; Retry-After {retry.wait:.0f} s is over the limit"
                    return self._failure(url, refusal, attempts, started)
                time.sleep(retry.wait if retry.wait is not None else self._backoff(attempts))
            except _Refused as refusal:
                return self._failure(url, refusal, attempts, started)

    def _attempt(
        self, url: str, allowed_hosts: frozenset[str], rate: float, html_only: bool, validators: Validators | None
    ) -> tuple[str, str, int, dict[str, str], bytes]:
        current, seen = url, {url}
        for _ in range(self.settings.max_redirects + 1):
            self._check(current, allowed_hosts)
            self._check_robots(current, rate)
            response = self._send(current, rate, validators)
            with response:
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    try:
                        target = normalize_url(urljoin(current, response.headers["location"]))
                    except BadURL as error:
                        raise _Refused("bad_url", f"redirect to {error}", response.status_code, current) from None
                    if target in seen:
                        raise _Refused("too_many_redirects", f"redirect loop back to {target}", None, target)
                    seen.add(target)
                    current = target
                    continue
                headers = {k.lower(): v for k, v in response.headers.items()}
                status = response.status_code
                if status == 304:
                    return url, current, status, headers, b""
                if status == 429 or status >= 500:
                    refusal = _Refused("http_error", f"HTTP {status}", status, current)
                    raise _Retry(refusal, _retry_after(headers.get("retry-after")))
                if status >= 400:
                    raise _Refused("http_error", f"HTTP {status}", status, current)
                media = headers.get("content-type", "").split(";")[0].strip().lower()
                if html_only and media and media not in HTML_TYPES:
                    raise _Refused("not_html", f"content-type {media}", status, current)
                return url, current, status, headers, self._read(response, current)
        raise _Refused("too_many_redirects", f"more than {self.settings.max_redirects} redirects", None, current)

    def _send(self, url: str, rate: float, validators: Validators | None) -> requests.Response:
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        self._gate.wait(urlsplit(url).netloc, self._interval(url, rate))
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            return self.session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.Timeout as error:
            raise _Retry(_Refused("timeout", f"no answer in time: {type(error).__name__}", None, url)) from None
        except requests.RequestException as error:
            raise _Retry(_Refused("connection_error", f"{type(error).__name__}: {error}"[:300], None, url)) from None

    def _read(self, response: requests.Response, url: str, limit: int | None = None) -> bytes:
        limit = limit or self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Refused("too_large", f"Content-Length {declared} is over the limit of {limit}", 200, url)
        deadline = time.monotonic() + self.settings.read_timeout
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise _Refused("too_large", f"more than {limit} bytes", response.status_code, url)
                if time.monotonic() > deadline:
                    raise _Retry(_Refused("timeout", f"body not read in {self.settings.read_timeout} s", None, url))
                chunks.append(chunk)
        except requests.RequestException as error:
            raise _Retry(
                _Refused("timeout" if "timed out" in str(error) else "connection_error", str(error)[:300])
            ) from None
        return b"".join(chunks)

    def _check(self, url: str, allowed_hosts: frozenset[str]) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise _Refused("bad_url", f"{parts.scheme}: only http and https are fetched", None, url)
        if not host_allowed(url, allowed_hosts):
            raise _Refused("foreign_host", f"{parts.hostname} is not an allowed host of this source", None, url)
        if not self.settings.allow_private:
            problem = self._address_problem(parts.hostname or "")
            if problem:
                raise _Refused("private_address", problem, None, url)

    def _address_problem(self, host: str) -> str | None:
        # Checked before connecting; a DNS answer that changes in between is not caught (DNS rebinding).
        if host not in self._addresses:
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            except OSError:
                return None  # the request itself then fails as a connection error
            addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
            private = sorted(str(a) for a in addresses if not a.is_global)
            self._addresses[host] = (
                f"{host} resolves to {', '.join(private)}, not a public address" if private else None
            )
        return self._addresses[host]

    def _check_robots(self, url: str, rate: float) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_locks[origin]:  # one robots.txt request per origin; other hosts go on
            if origin not in self._robots:
                self._robots[origin] = self._fetch_robots(origin, rate)
        rules = self._robots[origin]
        if isinstance(rules, str):
            raise _Refused("robots_unavailable", rules, None, url)
        if rules is not None and not rules.can_fetch(url, self.user_agent):
            raise _Refused("robots", f"robots.txt of {parts.netloc} disallows it", None, url)

    def _fetch_robots(self, origin: str, rate: float) -> Protego | str | None:
        """Rules, None to allow all (no robots.txt), or why robots.txt could not be read (then nothing is fetched)."""
        url = f"{origin}/robots.txt"
        for attempt in range(1, self.settings.retries + 2):
            try:
                response = self._send(url, rate, None)
            except _Retry as retry:
                if attempt > self.settings.retries:
                    return f"robots.txt unreadable: {retry.refusal.detail}"
                time.sleep(self._backoff(attempt))
                continue
            with response:
                if response.status_code >= 500 or response.status_code == 429:
                    if attempt > self.settings.retries:
                        return f"robots.txt answered HTTP {response.status_code}"
                    time.sleep(self._backoff(attempt))
                    continue
                if response.status_code >= 300:  # missing (4xx) or moved: no rules apply
                    return None
                try:
                    body = self._read(response, url, _ROBOTS_MAX_BYTES)
                except (_Refused, _Retry):
                    return None
                return Protego.parse(body.decode("utf-8", errors="replace"))
        return "robots.txt unreadable"

    def _interval(self, url: str, rate: float) -> float:
        interval = 1.0 / rate
        rules = self._robots.get(f"{urlsplit(url).scheme}://{urlsplit(url).netloc}")
        if isinstance(rules, Protego):
            delay = rules.crawl_delay(self.user_agent)
            if delay:
                interval = max(interval, float(delay))
        return interval

    def _backoff(self, attempt: int) -> float:
        return float(self.settings.backoff * 2 ** (attempt - 1) * (0.5 + self._random.random()))

    def _failure(self, url: str, refusal: _Refused, attempts: int, started: float) -> Failure:
        return Failure(
            url,
            refusal.final_url or url,
            refusal.reason,
            refusal.detail,
            datetime.now(UTC),
            attempts,
            time.monotonic() - started,
            refusal.status,
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
