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
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload
from zoneinfo import ZoneInfo

from khabar import __version__, config

if TYPE_CHECKING:
    from khabar.flows.server import TemporaryServer

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
        "author, agency, published_at or published or date). A sub-folder's name is taken as the outlet. Documents already in "
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
        "is opened for each query and closed after it, so runs can write in between; the connection cannot read or "
        "write any other file. Without QUERY, a prompt reads statements, each ended by a semicolon and as many "
        "lines long as it needs (.quit or Ctrl-D to leave). DESCRIBE TABLE shows each column's comment.",
    )
    sql.add_argument("query", nargs="?", metavar="QUERY", help="the SQL to run")
    sql.add_argument("--db", help=db_help)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    sql.set_defaults(handler=_sql)

    search = commands.add_parser(
        "search",
        help="ranked full-text search, blind to Hindi spelling variants; one line per story",
        description="Search titles, ledes and bodies, ranked by BM25. The query and the text are folded "
        "alike: nukta, chandrabindu/anusvara, Devanagari digits, zero-width characters and case make no "
        "difference (पहुँच finds पहुंच, कोविड-१९ finds कोविड-19). Put a phrase in double quotes to require it "
        "word for word; stories holding all the query's words as a phrase rank first (marked *). One line "
        "per story: its best score, first time (publication, else fetch; IST), its outlets in order, title.",
    )
    search.add_argument("query", nargs="+", metavar="QUERY", help='words, and "quoted phrases"')
    search.add_argument("--db", help=db_help)
    search.add_argument("--outlet", help="only articles of this outlet")
    search.add_argument("--agency", help="only articles credited to this agency (IANS, HS, PTI, UNI, ANI, AGENCY)")
    search.add_argument(
        "--since", type=date.fromisoformat, metavar="DATE", help="only articles published (else fetched) on or after"
    )
    search.add_argument("--limit", type=int, default=20, metavar="N", help="stories to list (default 20)")
    search.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    search.set_defaults(handler=_search)

    show = commands.add_parser(
        "show",
        help="a story's copies in spread order, each against the canonical one paragraph by paragraph",
        description="Show a story (or the story of an article): its copies ordered by publication time "
        "(else fetch time) with outlet, time (IST), relation, similarity and shared ratio; the canonical "
        "copy in full; and each other copy against it paragraph by paragraph: = kept, ~ edited (changed "
        "words marked [-removed-] {+inserted+}, or coloured on a terminal), + added, - dropped. Paragraphs "
        "and words are compared folded, so a respelling alone is no change. ID may be the first 6+ hex "
        "digits of a story or article id. --format html writes a page that needs no network.",
    )
    show.add_argument("id", metavar="ID", help="story or article id, or an unambiguous prefix")
    show.add_argument("--db", help=db_help)
    show.add_argument("--format", choices=("text", "html"), default="text", help="output format")
    show.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="terminal colours for text (default: when printing to a terminal)",
    )
    show.set_defaults(handler=_show)

    export = commands.add_parser(
        "export",
        help="every table and view of the contract as files, for pandas, polars or R",
        description="Write each table of the warehouse (documents, articles, removed_blocks, story_members, "
        "sightings, story_merges, runs, and the stories view) as one file in DIR, from one read-only snapshot, "
        "without Prefect: the same export as the export-parquet deployment. Each file is written beside its "
        "target and renamed over it. Read the files, not the warehouse, from notebooks: a notebook holding "
        "the warehouse open blocks every run (docs/research.md has pandas, polars and R recipes).",
    )
    export.add_argument("--db", help=db_help)
    export.add_argument("--format", choices=("parquet", "csv", "jsonl"), default="parquet", help="file format")
    export.add_argument("--out", default="warehouse/export", metavar="DIR", help="folder (default warehouse/export)")
    export.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="DATE",
        help="only articles published (else fetched) from this day on (midnight in India), what belongs to "
        "them, and runs, merges and sightings since",
    )
    export.add_argument("--tables", help="comma-separated tables (default: all)")
    export.set_defaults(handler=_export)

    report = commands.add_parser(
        "report",
        help="a static HTML site of stories, spread timelines, versions and outlet charts (opens offline)",
        description="Write a static site to DIR: index.html lists the stories (most copied first, then the "
        "fastest to spread; filter by agency and outlet), one page per story with its spread timeline and its "
        "copies side by side as `khabar show` compares them, and outlets.html with each outlet's share of agency "
        "copy and the boilerplate cleaning removed from it. Charts are inline SVG; nothing is fetched.",
    )
    report.add_argument("--db", help=db_help)
    report.add_argument("--out", default="warehouse/report", metavar="DIR", help="folder (default warehouse/report)")
    report.add_argument(
        "--since", type=date.fromisoformat, metavar="DATE", help="only stories and articles from this day (India) on"
    )
    report.add_argument("--limit", type=int, default=500, metavar="N", help="stories to list and page (default 500)")
    report.set_defaults(handler=_report)
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

    server = commands.add_parser(
        "server",
        help="the local Prefect server kept between commands: status, or stop it now",
        description="Commands run without PREFECT_API_URL share a local Prefect server, kept KHABAR_KEEP_SERVER "
        "seconds (default 900) after the last one ends. `status` says whether one runs and when it stops; "
        "`stop` stops it now, unless a command is running on it.",
    )
    server.add_argument("action", choices=("status", "stop"), nargs="?", default="status")
    server.set_defaults(handler=_server)
    return parser


def _run(args: argparse.Namespace) -> int:
    if not config.SAMPLES_DIR.is_dir():
        print(f"khabar: the bundled samples are missing ({config.SAMPLES_DIR})", file=sys.stderr)
        return 2
    return _ingest_paths([_given(_display_path(config.SAMPLES_DIR))], _given(args.db), None, None, args.verbose)


def _ingest(args: argparse.Namespace) -> int:
    return _ingest_paths(
        [_given(p) for p in args.paths], _given(args.db), args.max_bytes, args.batch_size, args.verbose
    )


@overload
def _given(path: str) -> str: ...
@overload
def _given(path: None) -> None: ...
def _given(path: str | None) -> str | None:
    """A path typed on the command line is read in the shell's working directory; flows read relative paths
    in KHABAR_HOME, so when that is set the path goes to them absolute."""
    if path is None or not config.home_is_set() or path.startswith("ducklake:"):
        return path
    return os.path.abspath(path)


def _ingest_paths(
    paths: list[str], db: str | None, max_bytes: int | None, batch_size: int | None, verbose: bool
) -> int:
    from khabar.inputs.discover import InputError, shown

    db = config.db_path(db)
    for path in paths:
        if not os.path.exists(path):
            print(f"khabar: no such file or folder: {shown(path)}", file=sys.stderr)
            return 2
    paths = [shown(path) for path in paths]  # a name that is not UTF-8 travels escaped (caf\xe9): runs are JSON
    started = time.monotonic()
    early = _prefect_environment(verbose, start_server=True)
    from khabar.flows.params import BatchOptions, DedupOptions
    from khabar.flows.runners import prefect_api

    try:
        batch = BatchOptions.from_env()
        batch = batch.model_copy(
            update={"max_bytes": max_bytes or batch.max_bytes, "batch_size": batch_size or batch.batch_size}
        )
        with prefect_api(early):
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

    db = config.db_path(_given(args.db))
    sources = config.resolve(_given(args.sources) or config.sources_path())
    try:
        load_sources(sources)  # a bad file is reported here, before Prefect starts
    except SourcesError as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2
    started = time.monotonic()
    early = _prefect_environment(args.verbose, start_server=True)
    from khabar.flows.params import BatchOptions, DedupOptions
    from khabar.flows.runners import prefect_api

    try:
        with prefect_api(early):
            from khabar.flows.fetch import FetchReport, fetch_and_ingest

            report = fetch_and_ingest(
                sources=sources,
                db=db,
                landing_dir=_given(args.landing) or config.landing_dir(db),
                batch=BatchOptions.from_env(),
                dedup=DedupOptions.from_env(),
            )
    except Exception as error:
        print(f"khabar: the run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if not isinstance(report, FetchReport):  # not configured: the sources file went away since it was read
        print(f"khabar: {report.message}", file=sys.stderr)
        return 2
    failures = ", ".join(f"{reason} {count}" for reason, count in sorted(report.failures.items()))
    fetched = [
        ("feeds, sitemaps", f"{report.listed} read, {report.not_modified} unchanged"),
        ("pages to fetch", str(report.to_fetch)),
        ("pages landed", f"{report.landed} in {report.landing_dir}"),
        ("fetch failures", f"{sum(report.failures.values())}" + (f" ({failures})" if failures else "")),
        ("pages deferred", f"{report.deferred} (left for the next run: fetch.time_budget or max_pages)"),
    ]
    print(_summary(report.load, db, time.monotonic() - started, fetched))
    return 0


def _summary(report: Any, db: str, seconds: float, first: list[tuple[str, str]] | None = None) -> str:
    rejected = str(report.docs_rejected)
    if report.rejects:
        rejected += " (" + ", ".join(f"{reason} {count}" for reason, count in report.rejects.items()) + ")"
    rows = [
        *(first or []),
        *(
            [("unchanged files", f"{report.files_unchanged} (not read again: as when a run read them)")]
            if report.files_unchanged
            else []
        ),
        ("documents seen", str(report.docs_seen)),
        ("new", str(report.docs_new)),
        ("rejected", rejected),
        ("articles loaded", str(report.articles_loaded)),
        ("stories", report.story_change()),
        ("exact duplicates", str(report.exact_duplicates)),
        ("near-duplicates", str(report.near_duplicates)),
        *([("commits", f"{report.chunks} chunks, each complete (KHABAR_LOAD_CHUNK)")] if report.chunks > 1 else []),
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


def _server(args: argparse.Namespace) -> int:
    from khabar.flows.server import kept_state, stop_kept

    state, idle = config.server_state_dir(), config.keep_server_seconds()
    found = stop_kept(state) if args.action == "stop" else kept_state(state, idle)
    if found is None:
        print("khabar server: no kept Prefect server is running")
        return 0
    if found.in_use:
        print(f"khabar server: {found.url} (pid {found.pid}) is in use by a running command", end="")
        print("; it was not stopped" if args.action == "stop" else "")
        return 1 if args.action == "stop" else 0
    if args.action == "stop":
        print(f"khabar server: stopped {found.url} (pid {found.pid})")
    else:
        print(f"khabar server: {found.url} (pid {found.pid}), unused; it stops in {found.idle_left:.0f} s")
    return 0


def _serve(args: argparse.Namespace) -> int:
    _prefect_environment(args.verbose)
    from prefect import serve
    from prefect.settings import get_current_settings

    from khabar.flows.deployments import (
        default_definitions,
        missing_configuration,
        read_definitions,
        runner_deployments,
    )
    from khabar.flows.params import BatchOptions, DedupOptions
    from khabar.tasks.limits import ensure_writer_limit, writer_limit

    api = get_current_settings().api.url
    if not api:
        print(
            "khabar serve: no Prefect server configured. Start one (`prefect server start`) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return 2
    definitions = args.definitions or default_definitions()
    db = config.display_db(config.db_path(args.db))
    settings = {
        "db": db,
        "batch": BatchOptions.from_env().model_dump(mode="json"),
        "dedup": DedupOptions.from_env().model_dump(mode="json"),
    }
    deployments = runner_deployments(read_definitions(definitions), settings)
    print(f"khabar serve: {len(deployments)} deployments of {definitions} on {api}; warehouse {settings['db']}")
    for deployment in deployments:
        missing = missing_configuration(deployment.parameters)
        if missing:
            print(f"khabar serve: {deployment.name} is not scheduled: {missing}; it runs when started by hand")
    if not config.is_lake(db):
        ensure_writer_limit(writer_limit(db))
    block = config.notify_block()
    if block:
        from khabar.flows.alerts import ensure_failure_automation

        try:
            automation = ensure_failure_automation(block)
        except ValueError as error:
            print(f"khabar serve: {error}", file=sys.stderr)
            return 2
        print(f"khabar serve: automation {automation.name!r} notifies {block} when a run fails")
    else:
        print("khabar serve: no alerts on failed runs; set KHABAR_NOTIFY_BLOCK to a notification block to get them")
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
    """Read statements up to their semicolon, over as many lines as they take, and run each."""
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"khabar sql on {db} (read-only). End each statement with ; (.quit to leave).")
    pending, failed = "", False
    while True:
        try:
            line = input(("khabar> " if not pending.strip() else "   ...> ") if interactive else "")
        except EOFError:
            if pending.strip():  # the last statement may go without its semicolon
                failed |= _query(db, pending, fmt) != 0
            return 1 if failed and not interactive else 0
        if not pending.strip() and line.strip() in (".quit", ".exit", "\\q"):
            return 1 if failed and not interactive else 0
        statements, pending = split_statements(pending + line + "\n")
        for statement in statements:
            failed |= _query(db, statement, fmt) != 0


def split_statements(text: str) -> tuple[list[str], str]:
    """The complete statements of `text` (each up to a semicolon outside quotes and comments, without it)
    and what is left after the last one."""
    statements, start, i, n = [], 0, 0, len(text)
    while i < n:
        char = text[i]
        if char in "'\"":
            close = text.find(char, i + 1)
            while close != -1 and text.startswith(char * 2, close):  # '' and "" escape the quote
                close = text.find(char, close + 2)
            if close == -1:
                break
            i = close + 1
            continue
        if text.startswith("--", i):
            newline = text.find("\n", i)
            if newline == -1:
                break
            i = newline + 1
            continue
        if text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close == -1:
                break
            i = close + 2
            continue
        if char == ";":
            if text[start:i].strip():
                statements.append(text[start:i].strip())
            start = i + 1
        i += 1
    return statements, text[start:] if text[start:].strip() else ""


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
    json_columns = [kind == "JSON" for kind in result.types]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")  # LF: $(khabar sql --format csv …) carries no \r
        writer.writerow(result.columns)
        writer.writerows([_csv_value(value) for value in row] for row in result.rows)
    else:
        for row in result.rows:
            record = {
                column: json.loads(value) if is_json and isinstance(value, str) else value
                for column, value, is_json in zip(result.columns, row, json_columns, strict=True)
            }
            print(json.dumps(record, ensure_ascii=False, default=_json_default))
    return 0


def _csv_value(value: object) -> object:
    """Lists, structs and maps as JSON text, not Python's repr."""
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return value


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


IST = ZoneInfo("Asia/Kolkata")


def _show(args: argparse.Namespace) -> int:
    from khabar.text.versions import render_html, render_text
    from khabar.warehouse.db import WarehouseMissing
    from khabar.warehouse.query import NotFound, story_copies

    try:
        story_id, copies = story_copies(config.db_path(args.db), args.id)
    except (WarehouseMissing, NotFound) as error:
        print(f"khabar show: {error}", file=sys.stderr)
        return 2
    if args.format == "html":
        sys.stdout.write(render_html(story_id, copies))
    else:
        colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        sys.stdout.write(render_text(story_id, copies, colour=colour))
    return 0


def _report(args: argparse.Namespace) -> int:
    from khabar.text.report import site
    from khabar.warehouse.db import WarehouseMissing
    from khabar.warehouse.query import report_data

    started = time.monotonic()
    try:
        data = report_data(config.db_path(args.db), since=args.since, limit=max(args.limit, 1))
    except WarehouseMissing as error:
        print(f"khabar report: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    pages = site(data.stories, data.shares, data.boilerplate, datetime.now(IST))
    for name, text in pages.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    print(
        f"khabar report: {len(pages)} pages ({len(data.stories)} stories) in {out.resolve()} "
        f"({time.monotonic() - started:.1f} s); open {out.resolve() / 'index.html'}"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from khabar.warehouse.db import WarehouseMissing
    from khabar.warehouse.export import EXPORTABLE, export_tables

    tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else list(EXPORTABLE)
    started = time.monotonic()
    try:
        exported = export_tables(config.db_path(args.db), Path(args.out), tables, fmt=args.format, since=args.since)
    except (WarehouseMissing, ValueError) as error:
        print(f"khabar export: {error}", file=sys.stderr)
        return 2
    print(f"khabar export: {len(exported)} files in {Path(args.out).resolve()} ({time.monotonic() - started:.1f} s)")
    for item in exported:
        print(f"  {item.table:<15} {item.rows:>9} rows  {item.bytes / 1024:>9.1f} KiB  {Path(item.path).name}")
    return 0


def _search(args: argparse.Namespace) -> int:
    from khabar.text.search import parse_query
    from khabar.warehouse.db import WarehouseMissing
    from khabar.warehouse.search import SearchFilters, SearchUnavailable, search

    query = parse_query(" ".join(args.query))
    if query.empty:
        print("khabar search: the query has no words", file=sys.stderr)
        return 2
    filters = SearchFilters(outlet=args.outlet, agency=args.agency, since=args.since, limit=max(args.limit, 1))
    started = time.monotonic()
    try:
        hits = search(config.db_path(args.db), query, filters)
    except (WarehouseMissing, SearchUnavailable) as error:
        print(f"khabar search: {error}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    records = [
        {
            "story_id": hit.story_id,
            "title": hit.title,
            "score": round(hit.score, 4),
            "phrase": hit.phrase,
            "article_id": hit.article_id,
            "matches": hit.matches,
            "n_articles": hit.n_articles,
            "outlets": list(hit.outlets),
            "first_time": hit.first_time.isoformat() if hit.first_time else None,
            "agency": hit.agency,
        }
        for hit in hits
    ]
    if args.format == "json":
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(records[0] if records else ["story_id"])
        writer.writerows([_csv_value(value) for value in record.values()] for record in records)
    else:
        print(f"{len(hits)} stories for «{query.terms}» in {seconds * 1000:.0f} ms (* the words as a phrase)")
        if hits:
            print(f"{'score':>7}  {'first (IST)':<16}  {'copies':>6}  {'story':<12}  {'outlets':<32}  title")
        for hit in hits:
            first = hit.first_time.astimezone(IST).strftime("%Y-%m-%d %H:%M") if hit.first_time else "?"
            shown = ", ".join(hit.outlets[:3]) + (f" +{len(hit.outlets) - 3}" if len(hit.outlets) > 3 else "")
            print(
                f"{hit.score:>6.2f}{'*' if hit.phrase else ' '}  {first:<16}  {hit.n_articles:>6}  "
                f"{hit.story_id[:12]:<12}  {shown or '-':<32}  {hit.title or ''}"
            )
    return 0


def _prefect_environment(verbose: bool, start_server: bool = False) -> TemporaryServer | None:
    """Quiet, offline-friendly Prefect defaults; the user's own settings win. With `start_server` and no
    PREFECT_API_URL, a temporary Prefect server starts now, before Prefect is imported, so that the two overlap."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(Path(__file__).with_name("logging.yml")))
    # Prefect gives its temporary server 20 s to answer, which a busy machine misses (measured: bench/startup.py).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if verbose:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"
    if not start_server:
        return None
    from khabar.flows.server import early_server

    return early_server()


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
