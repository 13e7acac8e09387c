"""The `khabar` command."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from khabar import __version__, config

DESCRIPTION = """\
khabar: a scheduled ETL pipeline for Hindi news. It cleans raw article dumps, groups republished
wire copy into stories, and lands the result in a DuckDB warehouse you query with SQL.

The warehouse is --db, else $KHABAR_DB, else warehouse/khabar.duckdb. It can also be a DuckLake catalog,
named as DuckDB names it (ducklake:/path/catalog.ducklake, ducklake:postgres:dbname=… host=…): see docs/team.md."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("khabar: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="khabar", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"khabar {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    db_help = "warehouse file or DuckLake catalog (default: $KHABAR_DB, else warehouse/khabar.duckdb)"
    run = commands.add_parser(
        "run",
        help="ingest the bundled sample dumps into the warehouse and print a summary",
        description="Ingest the bundled sample dumps (data/samples) through the Prefect flow into the "
        "warehouse, then print a summary. Needs no Prefect server: without PREFECT_API_URL the flow "
        "runs on a temporary local one; with it, the run shows in that server's UI.",
    )
    run.add_argument("--db", help=db_help)
    run.add_argument("-v", "--verbose", action="store_true", help="show the flow's log lines")
    run.set_defaults(handler=_run)

    ingest = commands.add_parser(
        "ingest",
        help="ingest dump files and folders (.txt, .html/.htm, .jsonl)",
        description="Ingest files and folders, recursively: .txt text dumps, .html/.htm pages and .jsonl "
        "records (one JSON object per line with a text or html field, and optional url, outlet, title, "
        "author, agency, published_at). A sub-folder's name is taken as the outlet. Documents already in "
        "the warehouse are skipped. Exits 0 when the run completed, even if documents were rejected.",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="a file or a folder")
    ingest.add_argument("--db", help=db_help)
    ingest.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help=f"reject inputs larger than this as too_large (default: $KHABAR_MAX_BYTES, else {config.DEFAULT_MAX_BYTES})",
    )
    ingest.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"files per batch task (default: $KHABAR_BATCH_SIZE, else {config.DEFAULT_BATCH_SIZE})",
    )
    ingest.add_argument("-v", "--verbose", action="store_true", help="show the flow's log lines")
    ingest.set_defaults(handler=_ingest)

    fetch = commands.add_parser(
        "fetch",
        help="fetch new article pages of the configured sources, land them raw, and ingest them",
        description="Read the sources file (TOML; examples/sources.toml is a commented example), discover "
        "article URLs from its feeds, sitemaps and URL lists, download the pages not fetched before "
        "(politely: robots.txt, per-host rates, retries), land the raw bytes and headers under the landing "
        "folder, and ingest them. Failed pages are recorded with their reason; the run goes on.",
    )
    fetch.add_argument("--sources", help="sources file (default: $KHABAR_SOURCES, else sources.toml)")
    fetch.add_argument("--db", help=db_help)
    fetch.add_argument(
        "--landing", help="where raw pages land (default: $KHABAR_LANDING_DIR, else landing/ beside the warehouse)"
    )
    fetch.add_argument("-v", "--verbose", action="store_true", help="show the flow's log lines")
    fetch.set_defaults(handler=_fetch)

    sql = commands.add_parser(
        "sql",
        help="query the warehouse read-only",
        description="Run SQL against the warehouse on a read-only connection and print the result. The file "
        "is opened for each query and closed after it, so runs can write in between. Without QUERY, "
        "an interactive prompt reads one query per line (.quit or Ctrl-D to leave).",
    )
    sql.add_argument("query", nargs="?", metavar="QUERY", help="the SQL to run")
    sql.add_argument("--db", help=db_help)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    sql.set_defaults(handler=_sql)

    migrate = commands.add_parser(
        "migrate",
        help="copy the warehouse file into a DuckLake catalog (--to ducklake:…)",
        description="Copy every table of the warehouse file (--db) into a new DuckLake catalog, in one "
        "transaction, and check the row counts. The catalog is named as DuckDB names it: "
        "ducklake:/path/catalog.ducklake (a DuckDB file as the catalog, its Parquet files in "
        "catalog.ducklake.files/ beside it) or ducklake:postgres:dbname=khabar host=… (then KHABAR_DATA_PATH "
        "says where the Parquet files go). The warehouse file is left as it was; point KHABAR_DB at the "
        "catalog afterwards.",
    )
    migrate.add_argument("--to", required=True, metavar="DUCKLAKE", help="the DuckLake catalog to copy into")
    migrate.add_argument("--db", help=db_help)
    migrate.set_defaults(handler=_migrate)

    serve = commands.add_parser(
        "serve",
        help="serve the deployments to the Prefect server, so schedules run and the UI can start runs",
        description="Register the deployments of deployments/prefect.yaml with the Prefect server at "
        "PREFECT_API_URL and run their flow runs on this machine until stopped (Ctrl-C): scheduled runs, "
        "and runs started from the UI or `prefect deployment run`. The warehouse and the KHABAR_* settings "
        "of this shell become the deployments' default parameters.",
    )
    serve.add_argument("--db", help=db_help)
    serve.add_argument(
        "--definitions", type=Path, help="deployment definitions (default: deployments/prefect.yaml)", metavar="FILE"
    )
    serve.add_argument("-v", "--verbose", action="store_true", help="show the runs' log lines")
    serve.set_defaults(handler=_serve)
    return parser


def _run(args: argparse.Namespace) -> int:
    if not config.SAMPLES_DIR.is_dir():
        print(f"khabar: the bundled samples are missing ({config.SAMPLES_DIR})", file=sys.stderr)
        return 2
    return _ingest_paths([_display_path(config.SAMPLES_DIR)], args.db, None, None, args.verbose)


def _ingest(args: argparse.Namespace) -> int:
    return _ingest_paths(args.paths, args.db, args.max_bytes, args.batch_size, args.verbose)


def _ingest_paths(
    paths: list[str], db: str | None, max_bytes: int | None, batch_size: int | None, verbose: bool
) -> int:
    from khabar.inputs.discover import InputError

    db = config.db_path(db)
    for path in paths:
        if not os.path.exists(path):
            print(f"khabar: no such file or folder: {path}", file=sys.stderr)
            return 2
    _prefect_environment(verbose)
    from khabar.flows.params import BatchOptions, DedupOptions
    from khabar.flows.runners import prefect_api

    started = time.monotonic()
    try:
        batch = BatchOptions.from_env()
        batch = batch.model_copy(
            update={"max_bytes": max_bytes or batch.max_bytes, "batch_size": batch_size or batch.batch_size}
        )
        with prefect_api():
            from khabar.flows.ingest import ingest_dumps

            report = ingest_dumps(paths=paths, db=db, batch=batch, dedup=DedupOptions.from_env())
    except InputError as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"khabar: the run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(_summary(report, db, time.monotonic() - started))
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from khabar.web.sources import SourcesError, load_sources

    db, sources = config.db_path(args.db), config.sources_path(args.sources)
    try:
        load_sources(sources)  # a bad file is reported here, before Prefect starts
    except SourcesError as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2
    _prefect_environment(args.verbose)
    from khabar.flows.params import BatchOptions, DedupOptions
    from khabar.flows.runners import prefect_api

    started = time.monotonic()
    try:
        with prefect_api():
            from khabar.flows.fetch import fetch_and_ingest

            report = fetch_and_ingest(
                sources=sources,
                db=db,
                landing_dir=args.landing or config.landing_dir(db),
                batch=BatchOptions.from_env(),
                dedup=DedupOptions.from_env(),
            )
    except Exception as error:
        print(f"khabar: the run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    failures = ", ".join(f"{reason} {count}" for reason, count in sorted(report.failures.items()))
    fetched = [
        ("feeds, sitemaps", f"{report.listed} read, {report.not_modified} unchanged"),
        ("pages to fetch", str(report.to_fetch)),
        ("pages landed", f"{report.landed} in {report.landing_dir}"),
        ("fetch failures", f"{sum(report.failures.values())}" + (f" ({failures})" if failures else "")),
    ]
    print(_summary(report.load, db, time.monotonic() - started, fetched))
    return 0


def _summary(report: Any, db: str, seconds: float, first: list[tuple[str, str]] | None = None) -> str:
    rejected = str(report.docs_rejected)
    if report.rejects:
        rejected += " (" + ", ".join(f"{reason} {count}" for reason, count in report.rejects.items()) + ")"
    rows = [
        *(first or []),
        ("documents seen", str(report.docs_seen)),
        ("new", str(report.docs_new)),
        ("rejected", rejected),
        ("articles loaded", str(report.articles_loaded)),
        ("stories", f"{report.stories_new} new, {report.stories_total} in the warehouse"),
        ("exact duplicates", str(report.exact_duplicates)),
        ("near-duplicates", str(report.near_duplicates)),
        ("warehouse", config.display_db(db)),
    ]
    lines = [f"khabar: run completed in {seconds:.1f} s"]
    lines += [f"  {label:<17} {value}" for label, value in rows]
    return "\n".join(lines)


def _migrate(args: argparse.Namespace) -> int:
    from khabar.warehouse.db import LakeUnavailable, WarehouseMissing
    from khabar.warehouse.lake_copy import CopyError, copy_to_lake

    db = config.db_path(args.db)
    started = time.monotonic()
    try:
        copied = copy_to_lake(db, args.to)
    except (CopyError, WarehouseMissing, LakeUnavailable) as error:
        print(f"khabar migrate: {error}", file=sys.stderr)
        return 2
    print(f"khabar migrate: {config.display_db(db)} copied into {args.to} in {time.monotonic() - started:.1f} s")
    for table in copied:
        print(f"  {table.table:<18} {table.rows} rows")
    return 0


def _serve(args: argparse.Namespace) -> int:
    _prefect_environment(args.verbose)
    from prefect import serve
    from prefect.settings import get_current_settings

    from khabar.flows.deployments import default_definitions, read_definitions, runner_deployments
    from khabar.flows.params import BatchOptions, DedupOptions

    api = get_current_settings().api.url
    if not api:
        print(
            "khabar serve: no Prefect server configured. Start one (`prefect server start`) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return 2
    definitions = args.definitions or default_definitions()
    settings = {
        "db": config.display_db(config.db_path(args.db)),
        "batch": BatchOptions.from_env().model_dump(mode="json"),
        "dedup": DedupOptions.from_env().model_dump(mode="json"),
    }
    deployments = runner_deployments(read_definitions(definitions), settings)
    print(f"khabar serve: {len(deployments)} deployments of {definitions} on {api}; warehouse {settings['db']}")
    serve(*deployments)
    return 0


def _sql(args: argparse.Namespace) -> int:
    from khabar.warehouse.db import WarehouseMissing

    db = config.db_path(args.db)
    try:
        if args.query:
            return _query(db, args.query, args.format)
        return _prompt(db, args.format)
    except WarehouseMissing as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2


def _prompt(db: str, fmt: str) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"khabar sql on {db} (read-only). One query per line; .quit to leave.")
    while True:
        try:
            line = input("khabar> " if interactive else "")
        except EOFError:
            return 0
        line = line.strip()
        if line in (".quit", ".exit", "\\q"):
            return 0
        if line:
            _query(db, line, fmt)


def _query(db: str, query: str, fmt: str) -> int:
    from khabar.warehouse.query import SqlError, run_sql

    log = lambda message: print(f"khabar sql: {message}", file=sys.stderr)  # noqa: E731
    try:
        if fmt == "table":
            run_sql(db, query, show=(shutil.get_terminal_size((120, 40)).columns, config.sql_max_rows()), log=log)
            return 0
        result = run_sql(db, query, log=log)
    except SqlError as error:
        print(f"khabar sql: {error}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    else:
        for row in result.rows:
            print(json.dumps(dict(zip(result.columns, row, strict=True)), ensure_ascii=False, default=str))
    return 0


def _prefect_environment(verbose: bool) -> None:
    """Quiet, offline-friendly Prefect defaults; the user's own settings win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(Path(__file__).with_name("logging.yml")))
    if verbose:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
