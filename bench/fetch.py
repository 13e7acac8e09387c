"""Fetch throughput against a local site with the politeness limits lifted.

python -m bench.fetch [--pages 2000] [--workers 8] [--seed 7] [--workdir bench/out]

Generated dumps become HTML pages served by `python -m http.server` in its own process on 127.0.0.1,
listed by a sitemap index. Three measurements: the downloads alone (discovery, HTTP, landing), the
parse of the landed pages alone on one core, and the whole `khabar fetch` command (with Prefect, the
load and story grouping), whose fixed start-up cost is measured separately and printed beside it, and
from its log lines when the last download batch landed, the last parse batch ended and the load ended.
Set KHABAR_TASK_RUNNER=process to parse on every core. The local server shares the machine's cores.
"""

from __future__ import annotations

import argparse
import html
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import dumps_for
from bench.ingest import fixed_overhead, run_khabar
from khabar.inputs.discover import read_inputs
from khabar.inputs.landing import inbox_refs
from khabar.text.parse import parse_batch
from khabar.web import crawl
from khabar.web.http import Fetcher
from khabar.web.sources import load_sources

HERE = Path(__file__).resolve().parent
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PER_SITEMAP = 1000
_LOG_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \| \w+\s+\| (.*)$")
_MARKERS = {
    "start": "Beginning flow run",
    "downloaded": "landed ",
    "parsed": "inputs, ",
    "loaded": "Task run 'load-warehouse",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fetch", description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8, help="download threads (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    dumps, _ = dumps_for(args.pages, args.seed, workdir)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="fetch-") as tmp:
        root = Path(tmp)
        port = _free_port()
        count = build_site(dumps, root / "site", f"http://127.0.0.1:{port}")
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root / "site")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port)
            sources = root / "sources.toml"
            sources.write_text(_sources(port, args.workers, count), encoding="utf-8")
            lines = measure(sources, root, count, workdir)
        finally:
            server.terminate()
            server.wait()
    print(f"\n{count:,} pages from 127.0.0.1, {args.workers} download threads, on this machine:")
    print("\n".join(lines))
    return 0


def measure(sources: Path, root: Path, count: int, workdir: Path) -> list[str]:
    config = load_sources(sources)
    started = time.perf_counter()
    fetcher = Fetcher(config.fetch)
    found = crawl.discover(config, fetcher, crawl.History())
    records = crawl.download(found.targets, config, fetcher, str(root / "landing-a"))
    fetcher.close()
    download = time.perf_counter() - started
    landed = sum(r.outcome == "landed" for r in records)

    refs = inbox_refs(root / "landing-a")
    started = time.perf_counter()
    outcomes = parse_batch(read_inputs(refs, config.fetch.max_bytes))
    parse = time.perf_counter() - started
    parsed = sum(o.article is not None for o in outcomes)

    fixed = fixed_overhead(workdir)
    whole = run_khabar(
        ["fetch", "-v", "--sources", str(sources), "--db", str(root / "w.duckdb"), "--landing", str(root / "landing-b")]
    )
    if whole.returncode != 0:
        print(f"!! khabar fetch exited {whole.returncode}:\n{whole.stderr}", flush=True)
    net = max(whole.wall - fixed.wall, 1e-9)
    return [
        f"  download only    {download:6.1f} s  {landed / download:8,.0f} pages/s  ({landed:,} landed of {len(records):,})",
        f"  parse only       {parse:6.1f} s  {len(refs) / parse:8,.0f} pages/s  (one core; {parsed:,} articles)",
        f"  khabar fetch     {whole.wall:6.1f} s  {count / whole.wall:8,.0f} pages/s"
        f"  (excl. {fixed.wall:.1f} s fixed start-up: {count / net:,.0f} pages/s), peak RSS {whole.peak_rss_mib:,.0f} MiB",
        *timeline(whole.output),
    ]


def timeline(output: str) -> list[str]:
    """When, inside the flow run, the last download batch landed, the last parse batch finished, and the load
    ended: parsing keeps up when it ends about one batch after the downloads."""
    stamps: dict[str, float] = {}
    for line in output.splitlines():
        match = _LOG_LINE.match(line)
        if not match:
            continue
        hours, minutes, seconds, rest = int(match[1]), int(match[2]), float(match[3]), match[4]
        at = hours * 3600 + minutes * 60 + seconds
        for key, marker in _MARKERS.items():
            if marker in rest and (key != "start" or key not in stamps):
                stamps[key] = at
    if len(stamps) < len(_MARKERS):
        return ["  (timeline: the run's log lines were not all found)"]
    at = {key: value - stamps["start"] for key, value in stamps.items()}
    return [
        f"  in the flow run: last download batch landed at {at['downloaded']:.1f} s, last parse batch done at "
        f"{at['parsed']:.1f} s ({at['parsed'] - at['downloaded']:.1f} s after), load and stories done at "
        f"{at['loaded']:.1f} s"
    ]


def build_site(dumps: Path, site: Path, base: str) -> int:
    """Each dump as an HTML page, and a sitemap index over sitemaps of PER_SITEMAP pages. Returns the count."""
    (site / "a").mkdir(parents=True)
    (site / "sitemaps").mkdir()
    urls = []
    for number, dump in enumerate(sorted(dumps.rglob("*.txt"))):
        lines = [line for line in dump.read_text(encoding="utf-8").splitlines() if line.strip()]
        body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
        page = (
            f'<!DOCTYPE html><html lang="hi"><head><meta charset="utf-8"><title>{html.escape(lines[0])}</title>'
            f"</head><body><nav><a href='/'>होम</a></nav><article><h1>{html.escape(lines[0])}</h1>{body}</article>"
            "<footer>© khabar bench</footer></body></html>"
        )
        (site / "a" / f"{number:06d}.html").write_text(page, encoding="utf-8")
        urls.append(f"{base}/a/{number:06d}.html")
    children = []
    for start in range(0, len(urls), PER_SITEMAP):
        name = f"sitemaps/{start // PER_SITEMAP:04d}.xml"
        entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls[start : start + PER_SITEMAP])
        (site / name).write_text(f'<urlset xmlns="{NS}">{entries}</urlset>', encoding="utf-8")
        children.append(f"<sitemap><loc>{base}/{name}</loc></sitemap>")
    (site / "sitemap.xml").write_text(
        f'<sitemapindex xmlns="{NS}">{"".join(children)}</sitemapindex>', encoding="utf-8"
    )
    return len(urls)


def _sources(port: int, workers: int, pages: int) -> str:
    return f"""[fetch]
allow_private = true
workers = {workers}
max_pages = {pages}
retries = 0

[[source]]
name = "Bench Outlet"
sitemaps = ["http://127.0.0.1:{port}/sitemap.xml"]
rate = 1000000
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the local site did not start")


if __name__ == "__main__":
    raise SystemExit(main())
