"""Why khabar parses HTML with lxml and not BeautifulSoup: parse speed on the 181 Zyte benchmark pages.

    .venv/bin/pip install beautifulsoup4     # into the venv only, for this measurement; khabar does not depend on it
    .venv/bin/python -m bench.html_parsers [--repeat 3]

The pages are read from ../shared/benchmarks/article-extraction/html/*.html.gz and decoded before the clock
(as bench.extraction decodes them). Each parser turns every page's text into a tree; a pass is timed over all
pages, one core, and the best of --repeat passes counts. Parsers: trafilatura's `load_html` (what
`khabar/text/html.py` calls, lxml underneath), `lxml.html.document_fromstring`, and BeautifulSoup with the
`html.parser` and `lxml` tree builders. Figures move with the machine's load: compare them within one run.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import lxml.html
from trafilatura import load_html

from bench.extraction.data import ZYTE, _gunzip


def parsers() -> dict[str, Callable[[str], Any]]:
    found: dict[str, Callable[[str], Any]] = {
        "trafilatura load_html (khabar)": load_html,
        "lxml.html document_fromstring": lxml.html.document_fromstring,
    }
    try:
        from bs4 import BeautifulSoup
    except ImportError:
        print("beautifulsoup4 is not installed: `.venv/bin/pip install beautifulsoup4` to time it too")
        return found
    found["BeautifulSoup html.parser"] = lambda html: BeautifulSoup(html, "html.parser")
    found["BeautifulSoup lxml"] = lambda html: BeautifulSoup(html, "lxml")
    return found


def best_pass(parse: Callable[[str], Any], pages: list[str], repeat: int) -> float:
    """Seconds of the fastest pass over all pages."""
    parse(pages[0])  # warm-up: imports, caches
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for page in pages:
            parse(page)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per parser; the best counts")
    args = parser.parse_args()
    pages = [_gunzip(path) for path in sorted((ZYTE / "html").glob("*.html.gz"))]
    mib = sum(len(page.encode("utf-8")) for page in pages) / (1 << 20)
    print(f"{len(pages)} Zyte pages, {mib:.1f} MiB of HTML, best of {args.repeat} passes, one core")
    baseline = None
    for name, parse in parsers().items():
        seconds = best_pass(parse, pages, args.repeat)
        baseline = baseline or seconds
        print(
            f"{name:<32} {seconds:6.2f} s  {len(pages) / seconds:7.1f} pages/s  "
            f"{1000 * seconds / len(pages):6.1f} ms/page  {seconds / baseline:5.1f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
