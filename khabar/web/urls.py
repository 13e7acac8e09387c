"""URL normalization: the same article is one URL, whatever tracking parameters or fragments it carries."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "ref", "ref_src", "ref_url", "referrer", "cmp", "cmpid", "ito", "utm",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadURL(ValueError):
    """Not an absolute http(s) URL."""


def normalize_url(url: str, base: str | None = None) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters, sorted query.

    Relative URLs are resolved against `base`. Raises BadURL for anything but absolute http(s).
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise BadURL(f"{url!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadURL(f"{url!r}: only http and https URLs are fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BadURL(f"{url!r}: no host")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def host_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    """Whether the URL's host is one of `allowed_hosts` or a sub-domain of a "*.example.com" entry."""
    host = host_of(url)
    if host in allowed_hosts:
        return True
    return any(entry.startswith("*.") and (host == entry[2:] or host.endswith(entry[1:])) for entry in allowed_hosts)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith(("utm_", "pk_", "mtm_")) or key in TRACKING_PARAMS
