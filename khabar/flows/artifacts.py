"""What a run shows in the Prefect UI: a markdown summary and a table of the stories it started."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from khabar.records import FetchRecord
from khabar.warehouse.load import LoadReport, RunRecord

if TYPE_CHECKING:
    from khabar.warehouse.export import Exported

STORIES_IN_SUMMARY = 15
FAILURES_SHOWN = 50


def publish_load(run: RunRecord, report: LoadReport, db: str) -> None:
    counts = [
        ("input files unchanged since read, not read again", report.files_unchanged),
        ("documents seen", report.docs_seen),
        ("new documents", report.docs_new),
        ("rejected", report.docs_rejected),
        ("articles loaded", report.articles_loaded),
        ("stories before the run", report.stories_before),
        ("new stories", report.stories_new),
        ("stories merged (bridged by a new copy)", report.stories_merged),
        ("stories linked as follow-ups", report.stories_linked),
        ("stories in the warehouse", report.stories_total),
        ("exact duplicates", report.exact_duplicates),
        ("near-duplicates", report.near_duplicates),
        ("chunks committed", report.chunks),
    ]
    lines = [f"# {run.flow_name}: completed", "", f"Warehouse `{db}`, khabar run `{run.run_id}`.", ""]
    lines += [report.story_change(), ""]
    lines += _table(("", "count"), counts)
    if report.rejects:
        lines += ["", "## Rejected, by reason", "", *_table(("reason", "documents"), list(report.rejects.items()))]
    if report.new_stories:
        shown = report.new_stories[:STORIES_IN_SUMMARY]
        lines += ["", f"## New stories ({len(shown)} of {report.stories_new}, the largest first)", ""]
        lines += _table(
            ("title", "articles", "outlets"),
            [(story.title or story.story_id, story.n_articles, ", ".join(story.outlets)) for story in shown],
        )
    create_markdown_artifact("\n".join(lines), key=_key(run, "summary"), description=f"{run.flow_name} run summary")
    rows = [
        {
            "story_id": story.story_id,
            "title": story.title,
            "agency": story.agency,
            "articles": story.n_articles,
            "outlets": ", ".join(story.outlets),
        }
        for story in report.new_stories
    ]
    listed = f"{len(rows)} of {report.stories_new}" if len(rows) < report.stories_new else str(len(rows))
    create_table_artifact(rows, key=_key(run, "new-stories"), description=f"New stories of this run ({listed})")


def publish_fetches(run: RunRecord, records: Sequence[FetchRecord]) -> None:
    """What the run fetched: feeds and sitemaps read, pages landed, and failures by reason."""
    outcomes = Counter((r.kind, r.outcome, r.reason or "") for r in records)
    rows = [(kind, outcome, reason, n) for (kind, outcome, reason), n in sorted(outcomes.items())]
    failed = [(r.url, r.reason, r.detail) for r in records if r.outcome == "failed"][:FAILURES_SHOWN]
    lines = [f"# {run.flow_name}: fetches", "", *_table(("kind", "outcome", "reason", "URLs"), rows)]
    if failed:
        lines += ["", f"## Failures (first {FAILURES_SHOWN})", "", *_table(("url", "reason", "detail"), failed)]
    create_markdown_artifact("\n".join(lines), key=_key(run, "fetches"), description="URLs fetched by this run")


def publish_failure(run: RunRecord, error: BaseException) -> None:
    text = f"# {run.flow_name}: failed\n\nkhabar run `{run.run_id}`: nothing was loaded.\n\n```\n{type(error).__name__}: {error}\n```"
    create_markdown_artifact(text, key=_key(run, "summary"), description=f"{run.flow_name} run summary")


def publish_export(exported: list[Exported], out_dir: str) -> None:
    rows = [(item.table, f"{item.rows:,}", f"{item.bytes / 1024:,.0f} KiB", f"`{item.path}`") for item in exported]
    text = "\n".join([f"# Parquet export to `{out_dir}`", "", *_table(("table", "rows", "size", "file"), rows)])
    create_markdown_artifact(text, key="export-parquet-summary", description="Tables exported")


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> list[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows),
    ]


def _key(run: RunRecord, what: str) -> str:
    """Artifact keys (lowercase letters, digits, dashes) group each flow's runs in the UI's artifact list."""
    return f"{run.flow_name}-{what}".lower().replace("_", "-")
