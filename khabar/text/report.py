"""`khabar report`: a static site to look at, that opens offline (no scripts or styles from the network;
charts are inline SVG drawn here)."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from khabar.text.versions import Copy, page, versions_html, when

_E = html.escape
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
RELATION_COLOUR = {"canonical": "#222", "exact": "#4e79a7", "near": "#f28e2b"}
_CSS = """
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid #eee; vertical-align: top; }
nav a { margin-right: 1em; } svg text { font: 11px sans-serif; }
"""


def story_page_name(story_id: str) -> str:
    return f"stories/{story_id}.html"


def site(
    stories: Sequence[tuple[str, Sequence[Copy]]],
    shares: Sequence[tuple[str, str, int]],
    boilerplate: Sequence[tuple[str, str, int, int, str]],
    generated: datetime,
) -> dict[str, str]:
    """Every page of the site by its path: index.html, outlets.html and one page per story."""
    pages = {"index.html": _index(stories, generated), "outlets.html": _outlets(shares, boilerplate)}
    for story_id, copies in stories:
        body = _nav("../") + _timeline(copies) + versions_html(story_id, copies)
        pages[story_page_name(story_id)] = page(_title(story_id, copies), body, _CSS)
    return pages


def _nav(up: str = "") -> str:
    return f'<nav><a href="{up}index.html">stories</a><a href="{up}outlets.html">outlets and agencies</a></nav>'


def _title(story_id: str, copies: Sequence[Copy]) -> str:
    canonical = next((c for c in copies if c.relation == "canonical"), copies[0])
    return canonical.title or story_id[:12]


def _index(stories: Sequence[tuple[str, Sequence[Copy]]], generated: datetime) -> str:
    agencies = sorted({c.agency for _, copies in stories for c in copies if c.agency})
    outlets = sorted({c.outlet for _, copies in stories for c in copies if c.outlet})
    rows = []
    for story_id, copies in stories:
        canonical = next((c for c in copies if c.relation == "canonical"), copies[0])
        times = [c.time for c in copies if c.time]
        span = (max(times) - min(times)).total_seconds() / 60 if len(times) > 1 else None
        names = list(dict.fromkeys(c.outlet for c in copies if c.outlet))
        rows.append(
            f'<tr data-agency="{_E(canonical.agency or "")}" data-outlets="{_E(json.dumps(names, ensure_ascii=False))}">'
            f'<td><a href="{story_page_name(story_id)}">{_E(_title(story_id, copies))}</a></td>'
            f"<td>{_E(canonical.agency or '')}</td><td>{len(copies)}</td><td>{len(names)}</td>"
            f"<td>{_E(when(min(times)) if times else '')}</td><td>{'' if span is None else f'{span:,.0f}'}</td>"
            f"<td>{_E(', '.join(names))}</td></tr>"
        )
    body = f"""{_nav()}
<h1>Stories</h1>
<p class="meta">{len(stories)} stories, the most copied first, then the fastest to spread; made {_E(when(generated))}.</p>
<p><label>agency <select id="agency"><option value="">all</option>{_options(agencies)}</select></label>
<label>outlet <select id="outlet"><option value="">all</option>{_options(outlets)}</select></label></p>
<table id="stories"><thead><tr><th>title</th><th>agency</th><th>copies</th><th>outlets</th><th>first (IST)</th>
<th>spread, minutes</th><th>outlets in order</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table>
<script>
function filter() {{
  const agency = document.getElementById('agency').value, outlet = document.getElementById('outlet').value;
  for (const row of document.querySelectorAll('#stories tbody tr')) {{
    const ok = (!agency || row.dataset.agency === agency) && (!outlet || JSON.parse(row.dataset.outlets).includes(outlet));
    row.style.display = ok ? '' : 'none';
  }}
}}
document.getElementById('agency').onchange = filter; document.getElementById('outlet').onchange = filter;
</script>"""
    return page("khabar: stories", body, _CSS)


def _options(values: Sequence[str]) -> str:
    return "".join(f"<option>{_E(v)}</option>" for v in values)


def _timeline(copies: Sequence[Copy]) -> str:
    """Outlets against time: one row per outlet in the order they ran the story, a dot per copy."""
    dated = [c for c in copies if c.time]
    if not dated:
        return '<p class="meta">no copy has a known time</p>'
    rows = list(dict.fromkeys(c.outlet or "(unknown)" for c in sorted(dated, key=lambda c: c.time or 0)))
    start = min(c.time for c in dated if c.time)
    end = max(c.time for c in dated if c.time)
    span = max((end - start).total_seconds(), 1.0)
    left, width, step = 180, 560, 22
    height = step * len(rows) + 40
    parts = [f'<svg role="img" aria-label="spread timeline" width="{left + width + 20}" height="{height}">']
    for i, outlet in enumerate(rows):
        y = 20 + i * step
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{_E(outlet)}</text>')
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y}" y2="{y}" stroke="#eee"/>')
    for copy in dated:
        assert copy.time is not None
        x = left + width * (copy.time - start).total_seconds() / span
        y = 20 + rows.index(copy.outlet or "(unknown)") * step
        colour = RELATION_COLOUR.get(copy.relation, "#888")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{colour}"><title>{_E(copy.outlet or "")} · '
            f"{_E(when(copy.time))} · {_E(copy.relation)}</title></circle>"
        )
    axis = height - 12
    parts.append(f'<text x="{left}" y="{axis}">{_E(when(start))}</text>')
    parts.append(f'<text x="{left + width}" y="{axis}" text-anchor="end">{_E(when(end))}</text>')
    legend = " ".join(f'<tspan fill="{c}">● {r}</tspan>' for r, c in RELATION_COLOUR.items())
    parts.append(f'<text x="{left + width / 2}" y="{axis}" text-anchor="middle">{legend}</text></svg>')
    return '<h2>Spread</h2><div class="chart">' + "".join(parts) + "</div>"


def _outlets(shares: Sequence[tuple[str, str, int]], boilerplate: Sequence[tuple[str, str, int, int, str]]) -> str:
    by_outlet: dict[str, dict[str, int]] = defaultdict(dict)
    for outlet, agency, n in shares:
        by_outlet[outlet][agency] = n
    agencies = sorted({agency for _, agency, _ in shares}, key=lambda a: (a == "own", a))
    colour = {agency: PALETTE[i % len(PALETTE)] for i, agency in enumerate(agencies)}
    left, width, step = 180, 520, 24
    height = step * len(by_outlet) + 50
    parts = [f'<svg role="img" aria-label="agency share by outlet" width="{left + width + 20}" height="{height}">']
    for i, (outlet, counts) in enumerate(sorted(by_outlet.items())):
        y, x, total = 10 + i * step, float(left), sum(counts.values())
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{_E(outlet)}</text>')
        for agency in agencies:
            n = counts.get(agency, 0)
            if not n:
                continue
            w = width * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{step - 6}" fill="{colour[agency]}">'
                f"<title>{_E(outlet)}: {_E(agency)} {n} of {total} ({n / total:.0%})</title></rect>"
            )
            x += w
    legend_y = height - 14
    for i, agency in enumerate(agencies):
        x = left + i * 80
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{colour[agency]}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y}">{_E(agency)}</text>')
    parts.append("</svg>")
    rows = "".join(
        f"<tr><td>{_E(outlet)}</td><td>{_E(kind)}</td><td>{blocks}</td><td>{blocks / max(articles, 1):.2f}</td>"
        f"<td>{_E(example[:120])}</td></tr>"
        for outlet, kind, blocks, articles, example in boilerplate
    )
    body = f"""{_nav()}
<h1>Outlets and agencies</h1>
<h2>Whose copy each outlet runs</h2>
<p class="meta">Share of each outlet's articles by the agency credited; "own" credits none.</p>
<div class="chart">{"".join(parts)}</div>
<h2>What boilerplate each outlet adds</h2>
<p class="meta">Blocks cleaning removed (removed_blocks), by kind; per article of the outlet; the most frequent text.</p>
<table><thead><tr><th>outlet</th><th>kind</th><th>blocks</th><th>per article</th><th>most frequent</th></tr></thead>
<tbody>{rows}</tbody></table>"""
    return page("khabar: outlets and agencies", body, _CSS)
