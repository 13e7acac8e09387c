"""One polite, defensive HTTP client: robots.txt, per-host rates, retries, size caps, safe redirects."""

from __future__ import annotations

import contextlib
import heapq
import ipaddress
import itertools
import random
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection
from protego import Protego

from khabar import __version__
from khabar.text.decode import charset_of
from khabar.web.sources import FetchSettings
from khabar.web.urls import BadURL, host_allowed, normalize_url

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ROBOTS_MAX_BYTES = 512 * 1024
_AGAIN = "again"  # robots.txt: try once more


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


class _Armed:
    """One request's deadline on one connection."""

    __slots__ = ("active", "conn", "deadline", "fired", "sock")

    def __init__(self, conn: urllib3.connection.HTTPConnection, deadline: float) -> None:
        self.conn, self.deadline, self.fired, self.active = conn, deadline, False, True
        # The socket, once the request is sent: a connection that will close drops it before the body is read.
        self.sock: socket.socket | None = None


class _Watchdog:
    """Ends requests that outlive their deadline by shutting their connection's socket, which wakes the read
    blocked on it. A per-read timeout never trips on a server that drips a byte a second, in the headers or in the
    body; this bounds the whole request. One thread for the process, started on first use."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Armed]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, conn: urllib3.connection.HTTPConnection, deadline: float) -> _Armed:
        armed = _Armed(conn, deadline)
        conn._khabar_armed = armed  # type: ignore[attr-defined]  # the connection's current request
        with self._cond:
            heapq.heappush(self._heap, (deadline, next(self._order), armed))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="khabar-request-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
        return armed

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, armed = heapq.heappop(self._heap)
                if not armed.active or getattr(armed.conn, "_khabar_armed", None) is not armed:
                    continue  # finished in time, or the connection serves another request now
                sock = armed.sock or armed.conn.sock
                if sock is None:  # still connecting (bounded by connect_timeout): look again shortly
                    heapq.heappush(self._heap, (time.monotonic() + 0.05, next(self._order), armed))
                    continue
                armed.fired = True
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: SSLSocket's would unwrap


_WATCHDOG = _Watchdog()
_REQUEST = threading.local()  # the request this thread is making: its time limit, deadline, and what it armed


@contextlib.contextmanager
def _request_clock(limit: float) -> Iterator[None]:
    """A request of at most `limit` seconds, counted from when it is sent (after the host's rate wait) to its
    last byte read, redirects included. Nests: robots.txt read in the middle of a page's request has its own."""
    outer = (getattr(_REQUEST, "limit", None), getattr(_REQUEST, "deadline", None), getattr(_REQUEST, "armed", []))
    _REQUEST.limit, _REQUEST.deadline, _REQUEST.armed = limit, None, []
    try:
        yield
    finally:
        for armed in _REQUEST.armed:
            armed.active = False
        _REQUEST.limit, _REQUEST.deadline, _REQUEST.armed = outer


def _deadline() -> float | None:
    """The current request's deadline (time.monotonic()), set when it first sends."""
    limit = getattr(_REQUEST, "limit", None)
    if limit is None:
        return None
    if _REQUEST.deadline is None:
        _REQUEST.deadline = time.monotonic() + limit
    return float(_REQUEST.deadline)


def _timed_out() -> bool:
    return any(armed.fired for armed in getattr(_REQUEST, "armed", ()))


def _arm_current(conn: urllib3.connection.HTTPConnection) -> None:
    deadline = _deadline()
    if deadline is not None:
        _REQUEST.armed.append(_WATCHDOG.arm(conn, deadline))


def _keep_socket(conn: urllib3.connection.HTTPConnection) -> None:
    armed = getattr(conn, "_khabar_armed", None)
    if armed is not None and armed.active:
        armed.sock = conn.sock


class _DeadlineHTTPConnection(urllib3.connection.HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _arm_current(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _keep_socket(self)
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPSConnection(urllib3.connection.HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _arm_current(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _keep_socket(self)
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """Connections whose requests the watchdog can end at the request's total deadline."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


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

    def __init__(
        self, settings: FetchSettings, *, session: requests.Session | None = None, stop_at: float | None = None
    ) -> None:
        self.settings = settings
        self.stop_at = stop_at  # time.time() when the run's time budget is spent: no new request after it
        self.session = session or requests.Session()
        self.user_agent = f"khabar/{__version__} (+{settings.contact})"
        self.session.headers["User-Agent"] = self.user_agent
        self.session.max_redirects = settings.max_redirects
        self._gate = _HostGate()
        self._robots: dict[str, Protego | str | None] = {}
        self._robots_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)  # one per origin
        adapter = _DeadlineAdapter(pool_maxsize=max(10, settings.workers))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._addresses: dict[str, str | None] = {}
        self._random = random.Random()

    def close(self) -> None:
        self.session.close()

    def out_of_time(self, wait: float = 0.0) -> bool:
        """The run's time budget is spent, or would be after waiting `wait` seconds."""
        return self.stop_at is not None and time.time() + wait >= self.stop_at

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
                wait = retry.wait if retry.wait is not None else self._backoff(attempts)
                if attempts > self.settings.retries or (retry.wait or 0) > self.settings.max_retry_after:
                    refusal = retry.refusal
                    if (retry.wait or 0) > self.settings.max_retry_after:
                        refusal.detail += f"; Retry-After {retry.wait:.0f} s is over the limit"
                    return self._failure(url, refusal, attempts, started)
                if self.out_of_time(wait):
                    retry.refusal.detail += "; no retry: the run's time budget is spent"
                    return self._failure(url, retry.refusal, attempts, started)
                time.sleep(wait)
            except _Refused as refusal:
                return self._failure(url, refusal, attempts, started)

    def _attempt(
        self, url: str, allowed_hosts: frozenset[str], rate: float, html_only: bool, validators: Validators | None
    ) -> tuple[str, str, int, dict[str, str], bytes]:
        """One try, redirects included, within request_timeout from when it is sent to its last byte."""
        with _request_clock(self.settings.request_timeout):
            return self._hops(url, allowed_hosts, rate, html_only, validators)

    def _hops(
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
        except requests.RequestException as error:
            if _timed_out():
                raise _Retry(self._too_slow(url)) from None
            if isinstance(error, requests.Timeout):
                raise _Retry(_Refused("timeout", f"no answer in time: {type(error).__name__}", None, url)) from None
            raise _Retry(_Refused("connection_error", f"{type(error).__name__}: {error}"[:300], None, url)) from None

    def _too_slow(self, url: str) -> _Refused:
        return _Refused(
            "timeout", f"no complete answer in {self.settings.request_timeout:g} s (request_timeout)", None, url
        )

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
                if _timed_out():
                    raise _Retry(self._too_slow(url))
                if time.monotonic() > deadline:
                    raise _Retry(_Refused("timeout", f"body not read in {self.settings.read_timeout} s", None, url))
                chunks.append(chunk)
        except (requests.RequestException, OSError) as error:
            if _timed_out():
                raise _Retry(self._too_slow(url)) from None
            raise _Retry(
                _Refused("timeout" if "timed out" in str(error) else "connection_error", str(error)[:300])
            ) from None
        if _timed_out():  # the watchdog ended a body without a length: what came is not the whole page
            raise _Retry(self._too_slow(url))
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
            with _request_clock(self.settings.request_timeout):
                try:
                    response = self._send(url, rate, None)
                except _Retry as retry:
                    if attempt > self.settings.retries:
                        return f"robots.txt unreadable: {retry.refusal.detail}"
                    time.sleep(self._backoff(attempt))
                    continue
                rules = self._robots_answer(response, url, attempt)
            if rules is _AGAIN:
                time.sleep(self._backoff(attempt))
                continue
            return rules
        return "robots.txt unreadable"

    def _robots_answer(self, response: requests.Response, url: str, attempt: int) -> Protego | str | None:
        """Rules from a robots.txt response, None to allow all, why it is unreadable, or _AGAIN."""
        with response:
            if response.status_code >= 500 or response.status_code == 429:
                if attempt > self.settings.retries:
                    return f"robots.txt answered HTTP {response.status_code}"
                return _AGAIN
            if response.status_code >= 300:  # missing (4xx) or moved: no rules apply
                return None
            try:
                body = self._read(response, url, _ROBOTS_MAX_BYTES)
            except (_Refused, _Retry):
                return None
            return Protego.parse(body.decode("utf-8", errors="replace"))

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
