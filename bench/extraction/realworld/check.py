"""Check the real-world extraction gold set in this folder.

For every doc in gold.json: the file exists under docs/, its sha256 matches (when given),
and every `keep` and `drop` snippet occurs in the document's visible text. Prints counts per
outlet, agency and split, and the split rule checks. Exit status 1 on any failure.

Visible text:
  * .html / .htm (optionally .gz): lxml.html, <script>/<style>/<noscript>/<template> removed,
    text_content() (entities decoded by the parser), whitespace collapsed to one space.
  * .txt: the text, whitespace collapsed.
  * .jsonl: every string value of every record joined by spaces, whitespace collapsed.
Snippets are whitespace-collapsed the same way before matching.

Run: /work/main/.venv/bin/python bench/extraction/realworld/check.py
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

import lxml.html

HERE = Path(__file__).resolve().parent
WS = re.compile(r"\s+")
REQUIRED = (
    "outlet",
    "agency",
    "dateline_place",
    "dateline_month_day",
    "dateline_year",
    "title",
    "keep",
    "drop",
    "split",
    "source",
)
AGENCIES = {"IANS", "HS", "PTI", "UNI", "ANI", "AGENCY", None}


def collapse(s: str) -> str:
    return WS.sub(" ", s).strip()


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def visible_text(path: Path) -> str:
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    raw = read_bytes(path)
    if name.endswith((".html", ".htm")):
        tree = lxml.html.document_fromstring(raw)
        for el in tree.xpath("//script|//style|//noscript|//template"):
            el.drop_tree()
        return collapse(tree.text_content())
    text = raw.decode("utf-8")
    if name.endswith(".jsonl"):
        parts = []
        for line in text.splitlines():
            if line.strip():
                parts.extend(strings(json.loads(line)))
        return collapse(" ".join(parts))
    return collapse(text)


def main() -> int:
    gold = json.loads((HERE / "gold.json").read_text(encoding="utf-8"))
    docs = gold["docs"]
    failures = []
    per = {k: collections.Counter() for k in ("outlet", "agency", "split")}
    outlets_by_split = collections.defaultdict(set)
    agencies_by_split = collections.defaultdict(set)
    for name, g in sorted(docs.items()):
        missing = [k for k in REQUIRED if k not in g]
        if missing:
            failures.append(f"{name}: missing fields {missing}")
            continue
        if g["agency"] not in AGENCIES:
            failures.append(f"{name}: unknown agency {g['agency']!r}")
        if g["split"] not in ("tune", "holdout"):
            failures.append(f"{name}: bad split {g['split']!r}")
        path = HERE / "docs" / name
        if not path.exists():
            failures.append(f"{name}: file missing")
            continue
        want = g.get("sha256")
        if want and hashlib.sha256(path.read_bytes()).hexdigest() != want:
            failures.append(f"{name}: sha256 differs from gold")
        if path.stat().st_size > 300 * 1024:
            failures.append(f"{name}: file over 300 KB")
        text = visible_text(path)
        for kind in ("keep", "drop"):
            for snip in g[kind]:
                if collapse(snip) not in text:
                    failures.append(f"{name}: {kind} snippet not found: {snip!r}")
        if not 3 <= len(g["keep"]) <= 6:
            failures.append(f"{name}: {len(g['keep'])} keep snippets (want 3-6)")
        if not 2 <= len(g["drop"]) <= 10:
            failures.append(f"{name}: {len(g['drop'])} drop snippets (want 2-10)")
        for k in per:
            per[k][str(g[k])] += 1
        outlets_by_split[g["split"]].add(g["outlet"])
        agencies_by_split[g["split"]].add(g["agency"])

    print(f"docs: {len(docs)}")
    for k, c in per.items():
        print(f"per {k}: " + ", ".join(f"{v}={n}" for v, n in sorted(c.items())))
    tune_o, hold_o = outlets_by_split["tune"], outlets_by_split["holdout"]
    print(f"outlets only in holdout: {sorted(hold_o - tune_o)}")
    print(f"agency conventions in holdout: {sorted(str(a) for a in agencies_by_split['holdout'])}")
    n_hold = per["split"].get("holdout", 0)
    if docs and n_hold * 3 < len(docs):
        print(f"NOTE: holdout has {n_hold} of {len(docs)} docs (target: at least a third)")
    if failures:
        print(f"\n{len(failures)} problem(s):")
        for f in failures:
            print("  " + f)
        return 1
    print("all keep/drop snippets found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
