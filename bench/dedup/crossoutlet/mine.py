"""Mine candidate cross-outlet republications from the shared Hindi news corpus (2020), for labelling by hand.

The corpus is read in place and never copied into the repository. Files of the held-back days (see `HELD_OUT`)
are never opened: `corpus_files` skips them by the date parsed from the file name, before any read, and every
command goes through it.

    python -m bench.dedup.crossoutlet.mine scan OUT_DIR [--corpus ROOT]       # articles.jsonl, hits.jsonl, pairs.jsonl
    python -m bench.dedup.crossoutlet.mine show OUT_DIR ARTICLE_ID [...]      # print articles of a scan
    python -m bench.dedup.crossoutlet.mine build LABELS.json [--corpus ROOT]  # labels -> gold.json beside this file

OUT_DIR holds corpus text: keep it outside the repository (e.g. under /tmp). How the set was made: `scan`, read
the candidate pairs (pairs.jsonl, `show`), fix each labelled article's span by hand where the splitter below got
it wrong, write LABELS.json ({"articles": {id: {"file", "start", "end"}}, "stories": [[id, ...]],
"not_same_story": [[id, id]], "notes": {...}}) and `build` it; gold.json holds everything LABELS.json had.

Article boundaries (the corpus is scraped page text, one file per outlet and day, articles run together; the
splitter only proposes candidates, the gold spans were checked by reading):

* a line is a *heading* when it has 2..25 words and does not end like a statement (। . : quotes | ॥; a headline
  may end in ? or !); page furniture ("Edited By ...", "facebooktwitteremail", "हाइलाइट्स", ...) is not one;
* a line of 1..3 words right under a heading, or a known place name, is a dateline, not a heading
  (Navbharat Times sets "नई दिल्ली" on a line of its own under the headline);
* a heading and the lines under it, up to the next heading, form a *section*; a heading with nothing under it
  (a title over a sub-title) leads the section after it;
* a section opens a new article when it is the first in the file, or its first line opens with a dateline
  ("लखनऊ, जेएनएन ।", "रांची : ", "मुंबई, चार अप्रैल (भाषा)"), or a line of spaces only (" ", "\\xa0") lies within
  two lines of its heading, or (Dainik Hindustan, Dainik Jagran, Navbharat Times) it has 3+ lines of 10+ words;
* Amar Ujala frames its headlines with those space-only lines and runs long sections under sub-headings, so
  there the 3+ lines rule is off; Prabhat Khabar prefixes headlines with a place or desk ("देश / ", "पटना / ")
  and puts related-story links as headline-like lines inside articles, so there only the first section, such a
  kicker or a dateline opens an article;
* any other section is a sub-heading and joins the article before it; an article runs from the first character
  of its first heading to the last non-space character of its last line.

Offsets are str (code point) offsets into the file decoded as UTF-8 (the files have no BOM and LF line ends).
Paragraphs are the non-blank lines of an article below its heading. Matching text: NFC, every run of characters
that are not letters, marks or digits becomes one space (so punctuation is dropped), lower-cased. Words are
`regex` tokens ``[\\p{L}\\p{M}\\p{N}]+``; shingles are word 5-grams.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import regex

HERE = Path(__file__).resolve().parent
REPO = Path(__file__).resolve().parents[3]  # bench/dedup/crossoutlet/mine.py -> the repository
CORPUS = REPO.parent / "shared" / "corpora" / "hindi-news-2020"  # shared/ sits beside the repository
# Held back for an independent check: never read, scanned, labelled or tuned on.
HELD_OUT = frozenset(
    date(2020, m, d) for m, d in ((3, 8), (3, 9), (3, 10), (3, 19), (3, 25), (3, 26), (4, 14), (4, 22), (4, 23), (5, 2))
)
OUTLET_CODE = {
    "Amar Ujala": "AU",
    "Dainik Hindustan": "DH",
    "Dainik Jagran": "DJ",
    "Navbharat Times": "NT",
    "Prabhat Khabar": "PK",
}
MONTHS = {"MAR": 3, "APR": 4, "ARP": 4, "MAY": 5}  # some April files are spelt "ARP"
FILE_DATE = regex.compile(r"^(AU|DH|DJ|NT|PK)-2020-(MAR|APR|ARP|MAY)-(\d{1,2})\.txt$")

MAX_TITLE_WORDS, MIN_SECTION_PROSE, MIN_PROSE_WORDS = 25, 3, 10
MIN_PARA_WORDS, SHINGLE, MIN_PARA_JACCARD, MIN_PARA_CONTAINMENT = 12, 5, 0.7, 0.5
MIN_SENT_WORDS, MIN_SENT_CONTAINMENT = 10, 0.6
SENTENCE_END = ("।", ".", '"', "'", "”", "’", "|", "॥", ":")  # a headline may end in ? or !
FURNITURE = regex.compile(
    r"^(Edited By|Written by|facebooktwitteremail|NBT|हाइलाइट्स|टॉप कॉमेंट|सभी कॉमेंट्स|Updated:|Published by|"
    r"Posted By|पढ़ें:|यह भी पढ़ें|ये भी पढ़ें|और पढ़ें)",
    regex.IGNORECASE,
)
DATELINE = regex.compile(
    r"^\s*[\p{L}\p{M}]+(?:[ -][\p{L}\p{M}]+){0,2}\s*"  # place, up to three words
    r"(?:,\s*[^\s।:,()]+(?: [^\s।:,()]+){0,3}\s*)?"  # ", जेएनएन" / ", एजेंसी" / ", चार अप्रैल"
    r"(?:\(\s*[^()]{1,20}\)\s*[।:]?|[।:])"  # "(भाषा)" or "।" or ":"
)
# places that Navbharat Times sets as a dateline line of their own under the headline
PLACES = frozenset(
    (
        "नई दिल्ली",
        "नयी दिल्ली",
        "लखनऊ",
        "पटना",
        "रांची",
        "मुंबई",
        "कोलकाता",
        "जयपुर",
        "भोपाल",
        "इंदौर",
        "देहरादून",
        "चंडीगढ़",
        "आगरा",
        "कानपुर",
        "मेरठ",
        "वाराणसी",
        "प्रयागराज",
        "गोरखपुर",
        "नोएडा",
        "गुवाहाटी",
        "बेंगलुरु",
        "बेंगलुरू",
        "हैदराबाद",
        "चेन्नै",
        "चेन्नई",
        "जम्मू",
        "श्रीनगर",
        "शिमला",
        "गाजियाबाद",
        "अहमदाबाद",
        "पुणे",
        "नागपुर",
        "वॉशिंगटन",
        "वाशिंगटन",
        "पेइचिंग",
        "बीजिंग",
        "इस्लामाबाद",
        "काठमांडू",
        "लंदन",
        "जिनेवा",
        "रोम",
        "तेहरान",
        "वुहान",
        "गुड़गांव",
        "गुरुग्राम",
        "फरीदाबाद",
        "न्यू यॉर्क",
        "न्यूयॉर्क",
        "बर्लिन",
        "सोल",
        "सियोल",
        "टोक्यो",
        "तोक्यो",
    )
)
KICKER = regex.compile(r"^[\p{L}\p{M}]+(?: [\p{L}\p{M}]+)?\s*/\s")  # Prabhat Khabar: "देश / ", "पटना / "
SENTENCE = regex.compile(r"[^।.?!|\n]+")
TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
NOT_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")


def file_date(name: str) -> date | None:
    match = FILE_DATE.match(name)
    return date(2020, MONTHS[match[2]], int(match[3])) if match else None


def corpus_files(root: Path) -> Iterator[tuple[str, str, date, Path]]:
    """(outlet folder, "<outlet folder>/<month folder>/<file>", day, path) of every allowed day's file."""
    if not root.is_dir():
        raise FileNotFoundError(f"corpus not found at {root}")
    for path in sorted(root.glob("*/*/*.txt")):
        day = file_date(path.name)
        outlet = path.parent.parent.name
        if day is None or outlet not in OUTLET_CODE or day in HELD_OUT:
            continue  # held-back days are skipped here, before the file is opened
        yield outlet, path.relative_to(root).as_posix(), day, path


def normalize(text: str) -> str:
    return " ".join(NOT_WORD.sub(" ", unicodedata.normalize("NFC", text)).lower().split())


def words(text: str) -> list[str]:
    return TOKEN.findall(normalize(text))


def shingles(tokens: list[str], k: int = SHINGLE) -> set[tuple[str, ...]]:
    if len(tokens) < k:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def containment(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Share of a's shingles that are in b."""
    return len(a & b) / len(a) if a else 0.0


@dataclass(frozen=True)
class Hit:
    """Paragraph `pa` of article `a` found again in article `b` (`pb`: its closest paragraph there, -1 if none)."""

    a: str
    pa: int
    b: str
    pb: int
    jaccard: float  # with paragraph pb
    containment: float  # share of the paragraph's 5-grams in b's body
    sentences: int  # sentences of 10+ words of the paragraph with 60%+ of their 5-grams in b's body


@dataclass
class Article:
    id: str
    outlet: str
    file: str
    day: date
    start: int
    end: int
    title: str
    text: str
    paras: list[tuple[int, int]] = field(default_factory=list)  # offsets in the file of each paragraph line

    @property
    def body(self) -> str:
        return self.text[len(self.title) :] if self.text.startswith(self.title) else self.text


def _line_kind(line: str, previous: str) -> str:
    """blank, heading or text; `previous` is the kind of the nearest non-blank line above."""
    stripped = line.strip()
    if not stripped:
        return "blank"
    n = len(stripped.split())
    if n <= 3 and (previous == "heading" or stripped.replace("\u200d", "") in PLACES):
        return "text"  # Navbharat Times's dateline on a line of its own, under the headline ("नई दिल्ली")
    if 2 <= n <= MAX_TITLE_WORDS and not stripped.endswith(SENTENCE_END) and not FURNITURE.match(stripped):
        return "heading"
    return "text"


def split_articles(text: str, outlet: str, file: str, day: date) -> list[Article]:
    """Cut one corpus file into articles (see the module docstring for the convention)."""
    lines: list[tuple[int, int, str]] = []  # start, end (exclusive, before "\n"), raw line
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw), raw))
        pos += len(raw) + 1
    kinds: list[str] = []
    previous = "blank"
    for _, _, raw in lines:
        kinds.append(_line_kind(raw, previous))
        previous = kinds[-1] if kinds[-1] != "blank" else previous
    # sections: (heading line index or None, [line indices below it])
    sections: list[tuple[int | None, list[int]]] = []
    for i, kind in enumerate(kinds):
        if kind == "heading":
            sections.append((i, []))
        elif kind == "text":
            if not sections:
                sections.append((None, []))
            sections[-1][1].append(i)
    groups: list[list[tuple[int | None, list[int]]]] = []
    pending: list[tuple[int | None, list[int]]] = []  # headings with nothing under them: they lead the next section

    def space_marked(head: int | None) -> bool:  # Amar Ujala sets headlines between lines of spaces only
        return head is not None and any(
            lines[i][2] != "" and not lines[i][2].strip() for i in range(max(0, head - 2), min(len(lines), head + 3))
        )

    for head, body in sections:
        if not body:
            pending.append((head, body))
            continue
        heads = [h for h, _ in pending] + [head]
        prose = [i for i in body if len(lines[i][2].split()) >= MIN_PROSE_WORDS]
        first_prose = lines[body[0]][2]
        match = DATELINE.match(first_prose)
        dateline = bool(match and len(match[0]) <= 40) or first_prose.strip().replace("\u200d", "") in PLACES
        marked = any(space_marked(h) for h in heads)
        if outlet == "Amar Ujala":
            opens = not groups or marked or dateline
        elif outlet == "Prabhat Khabar":
            kicker = any(h is not None and KICKER.match(lines[h][2].strip()) for h in heads)
            opens = not groups or kicker or dateline
        else:
            opens = not groups or len(prose) >= MIN_SECTION_PROSE or dateline or marked
        if opens or not groups:
            groups.append([*pending, (head, body)])
        else:
            groups[-1].extend([*pending, (head, body)])
        pending = []
    if pending:
        if groups:
            groups[-1].extend(pending)
        else:
            groups.append(pending)
    code = OUTLET_CODE[outlet]
    articles: list[Article] = []
    for n, group in enumerate(groups):
        idx = [i for head, body in group for i in ([head] if head is not None else []) + body]
        if not idx:
            continue
        first, last = min(idx), max(idx)
        start = lines[first][0] + (len(lines[first][2]) - len(lines[first][2].lstrip()))
        end = lines[last][0] + len(lines[last][2].rstrip())
        head = group[0][0]
        title = lines[head][2].strip() if head is not None else ""
        paras = [(lines[i][0], lines[i][1]) for i in range(first, last + 1) if i != head and kinds[i] != "blank"]
        articles.append(
            Article(f"{code}-{day.isoformat()}-{n:03d}", outlet, file, day, start, end, title, text[start:end], paras)
        )
    return articles


def load_articles(root: Path) -> list[Article]:
    out: list[Article] = []
    for outlet, file, day, path in corpus_files(root):
        text = path.read_bytes().decode("utf-8")
        out.extend(split_articles(text, outlet, file, day))
    return out


def body_shingles(article: Article) -> set[tuple[str, ...]]:
    return shingles(words(article.body))


def scan(root: Path, out: Path) -> None:
    """Paragraphs of one article found again in an article of another outlet (or another day), and the pairs.

    A paragraph (12+ words) *hits* another article when its word 5-gram Jaccard with one of that article's
    paragraphs is at least 0.7, or when at least `MIN_PARA_CONTAINMENT` of its 5-grams are in that article's
    body: the second catches agency copy that an outlet re-wrapped into other paragraphs or lightly edited.
    """
    out.mkdir(parents=True, exist_ok=True)
    articles = load_articles(root)
    texts = {file: path.read_bytes().decode("utf-8") for _, file, _, path in corpus_files(root)}
    by_id = {a.id: a for a in articles}
    body_sh = {a.id: body_shingles(a) for a in articles}
    paras: list[tuple[str, int, set[tuple[str, ...]]]] = []  # article id, para index, shingles
    for a in articles:
        for k, (s, e) in enumerate(a.paras):
            toks = words(texts[a.file][s:e])
            if len(toks) >= MIN_PARA_WORDS:
                paras.append((a.id, k, shingles(toks)))
    para_index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    art_index: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for p, (_, _, sh) in enumerate(paras):
        for g in sh:
            para_index[g].append(p)
    for aid, sh in body_sh.items():
        for g in sh:
            art_index[g].append(aid)

    def eligible(x: Article, y: Article) -> bool:
        return x.id != y.id and not (x.outlet == y.outlet and x.day == y.day)

    hits: list[Hit] = []
    for aid, k, sh in paras:
        a = by_id[aid]
        per_art: Counter[str] = Counter(b for g in sh for b in art_index[g])
        per_para: Counter[int] = Counter(q for g in sh for q in para_index[g])
        best_j: dict[str, tuple[float, int]] = {}
        for q, c in per_para.items():
            b = paras[q][0]
            j = c / (len(sh) + len(paras[q][2]) - c)
            if j > best_j.get(b, (0.0, -1))[0]:
                best_j[b] = (j, paras[q][1])
        # sentences of the paragraph: agency copy is often re-wrapped, trimmed or re-topped sentence by sentence
        s0, e0 = a.paras[k]
        sentences = [
            shingles(w) for w in map(words, SENTENCE.findall(texts[a.file][s0:e0])) if len(w) >= MIN_SENT_WORDS
        ]
        for b, c in per_art.items():
            if not eligible(a, by_id[b]):
                continue
            cont = c / len(sh)
            j, pb = best_j.get(b, (0.0, -1))
            sent = sum(containment(x, body_sh[b]) >= MIN_SENT_CONTAINMENT for x in sentences)
            if j >= MIN_PARA_JACCARD or cont >= MIN_PARA_CONTAINMENT or sent:
                hits.append(Hit(aid, k, b, pb, round(j, 4), round(cont, 4), sent))
    # how many articles each paragraph reaches (boilerplate and background paragraphs spread wide)
    reach: Counter[tuple[str, int]] = Counter((h.a, h.pa) for h in hits)
    with (out / "hits.jsonl").open("w", encoding="utf-8") as f:
        for h in hits:
            f.write(json.dumps(asdict(h)) + "\n")
    pair_hits: dict[tuple[str, str], list[Hit]] = defaultdict(list)
    for h in hits:
        x, y = sorted((h.a, h.b))
        pair_hits[(x, y)].append(h)
    rows: list[dict[str, object]] = []
    for (x, y), hs in sorted(pair_hits.items(), key=lambda kv: -jaccard(body_sh[kv[0][0]], body_sh[kv[0][1]])):
        sx, sy = body_sh[x], body_sh[y]
        rows.append(
            {
                "a": x,
                "b": y,
                "outlets": [by_id[x].outlet, by_id[y].outlet],
                "body_jaccard": round(jaccard(sx, sy), 4),
                "containment_a_in_b": round(containment(sx, sy), 4),
                "containment_b_in_a": round(containment(sy, sx), 4),
                "best_para_jaccard": max(h.jaccard for h in hs),
                "best_para_containment": max(h.containment for h in hs),
                "shared_sentences": sum(h.sentences for h in hs),
                "hit_paras_a": len({h.pa for h in hs if h.a == x}),
                "hit_paras_b": len({h.pa for h in hs if h.a == y}),
                "max_reach": max(reach[(h.a, h.pa)] for h in hs),
                "words_a": len(words(by_id[x].body)),
                "words_b": len(words(by_id[y].body)),
                "title_a": by_id[x].title,
                "title_b": by_id[y].title,
            }
        )
    with (out / "pairs.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with (out / "articles.jsonl").open("w", encoding="utf-8") as f:
        for a in articles:
            row = {"id": a.id, "outlet": a.outlet, "file": a.file, "date": a.day.isoformat(), "start": a.start}
            row |= {"end": a.end, "title": a.title, "paras": len(a.paras)}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    cross = sum(1 for x, y in pair_hits if by_id[x].outlet != by_id[y].outlet)
    print(
        f"{len(articles)} articles, {len(paras)} paragraphs of {MIN_PARA_WORDS}+ words, {len(hits)} paragraph hits, "
        f"{len(rows)} article pairs ({cross} across outlets) -> {out}"
    )


def _paragraphs(text: str) -> list[set[tuple[str, ...]]]:
    """Shingles of each line of `text` (title excluded by the caller) with 12+ words."""
    return [shingles(w) for w in (words(line) for line in text.split("\n")) if len(w) >= MIN_PARA_WORDS]


def pair_metrics(x: str, y: str, texts: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Whole-body 5-gram Jaccard and containments, and the best shared paragraph, of two (title, text) articles.

    `best_para_jaccard`: the highest Jaccard of a paragraph of one with a paragraph of the other;
    `best_para_containment`: the highest share of one article's paragraph found in the other's body (either way),
    which stays high when an outlet re-wraps or trims the copy.
    """
    (tx, bx), (ty, by) = texts[x], texts[y]
    bx, by = _strip_title(bx, tx), _strip_title(by, ty)
    sx, sy = shingles(words(bx)), shingles(words(by))
    px, py = _paragraphs(bx), _paragraphs(by)
    best_j = max((jaccard(a, b) for a in px for b in py), default=0.0)
    best_c = max([containment(a, sy) for a in px] + [containment(b, sx) for b in py], default=0.0)
    return {
        "body_jaccard": round(jaccard(sx, sy), 3),
        f"containment_{x}": round(containment(sx, sy), 3),
        f"containment_{y}": round(containment(sy, sx), 3),
        "best_para_jaccard": round(best_j, 3),
        "best_para_containment": round(best_c, 3),
    }


def _strip_title(text: str, title: str) -> str:
    return text[len(title) :] if title and text.startswith(title) else text


def _title(piece: str) -> str:
    """The slice's first line when it reads as a headline (2..25 words, not ending in । . | ॥ but maybe ...)."""
    first = piece.split("\n", 1)[0].strip()
    statement = first.endswith(("।", "|", "॥")) or (first.endswith(".") and not first.endswith(".."))
    return first if 2 <= len(first.split()) <= MAX_TITLE_WORDS and not statement else ""


ABOUT = (
    "Cross-outlet story grouping gold set cut from the shared corpus hindi-news-2020 (5 Hindi outlets, Mar-May 2020). "
    "Each article is a slice [start, end) of one corpus file, in str (Unicode code point) offsets of the file decoded "
    "as UTF-8 (no BOM, LF newlines, no other normalization); sha256 is of that slice encoded as UTF-8. 'file' is "
    "'<outlet folder>/<month folder>/<file name>' under the corpus root (some April files are spelt ARP). "
    "stories: every article is in exactly one story (singletons allowed); articles in one story are the same "
    "agency/wire copy republished (verbatim, re-topped, trimmed, or embedded). not_same_story: hard negatives that "
    "share text (a background paragraph, a quote, statistics boilerplate, a press release used for another story) "
    "or report the same event in each outlet's own words. pair_metrics: word 5-gram similarities of every "
    "labelled pair. The held-back days (2020-03-08/09/10/19/25/26, 04-14/22/23, 05-02) were never opened. "
    "Made with bench/dedup/crossoutlet/mine.py (scan, then reading); see README.md there."
)


def build(labels_path: Path, root: Path, out: Path = HERE / "gold.json") -> None:
    """Labels (article spans, stories, not-same pairs, notes) -> gold.json, with sha256, titles and pair metrics."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    allowed = {file: path for _, file, _, path in corpus_files(root)}
    cache: dict[str, str] = {}
    arts: dict[str, dict[str, object]] = {}
    texts: dict[str, tuple[str, str]] = {}
    for aid, spec in labels["articles"].items():
        file = spec["file"]
        if file not in allowed:
            raise ValueError(f"{aid}: {file} is not an allowed corpus file")
        if file not in cache:
            cache[file] = allowed[file].read_bytes().decode("utf-8")
        piece = cache[file][spec["start"] : spec["end"]]
        if not piece or piece != piece.strip():
            raise ValueError(f"{aid}: the slice must start and end on non-space characters")
        day = file_date(file.rsplit("/", 1)[1])
        assert day is not None
        title = _title(piece)
        arts[aid] = {
            "file": file,
            "start": spec["start"],
            "end": spec["end"],
            "sha256": hashlib.sha256(piece.encode("utf-8")).hexdigest(),
            "outlet": file.split("/", 1)[0],
            "date": day.isoformat(),
            "title": title,
        }
        texts[aid] = (title, piece)
    stories: list[list[str]] = [list(s) for s in labels["stories"]]
    seen = Counter(a for s in stories for a in s)
    if [a for a, c in seen.items() if c > 1] or set(seen) - set(arts):
        raise ValueError(
            f"articles in several stories: {[a for a, c in seen.items() if c > 1]}; unknown: {set(seen) - set(arts)}"
        )
    stories += [[aid] for aid in arts if aid not in seen]  # a 'different' partner is a story of its own
    story_of = {a: i for i, s in enumerate(stories) for a in s}
    for x, y in labels["not_same_story"]:
        if story_of[x] == story_of[y]:
            raise ValueError(f"{x} and {y} are marked both same story and not same story")

    def kind(x: str, y: str) -> str:
        if arts[x]["outlet"] != arts[y]["outlet"]:
            return "cross_outlet"
        return "same_outlet_same_day" if arts[x]["date"] == arts[y]["date"] else "same_outlet_other_day"

    metrics: dict[str, dict[str, object]] = {}
    for s in stories:
        for i, x in enumerate(s):
            for y in s[i + 1 :]:
                metrics[f"{x}|{y}"] = {"label": "same", "kind": kind(x, y), **pair_metrics(x, y, texts)}
    for x, y in labels["not_same_story"]:
        metrics[f"{x}|{y}"] = {"label": "different", "kind": kind(x, y), **pair_metrics(x, y, texts)}
    gold = {
        "about": ABOUT,
        "articles": arts,
        "stories": stories,
        "not_same_story": labels["not_same_story"],
        "notes": labels.get("notes", {}),
        "pair_metrics": metrics,
    }
    out.write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{out.name}: {len(arts)} articles, {len(stories)} stories, {len(labels['not_same_story'])} not-same pairs")


def show(out: Path, ids: list[str], root: Path) -> None:
    index = {}
    with (out / "articles.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            index[row["id"]] = row
    for aid in ids:
        row = index[aid]
        text = (root / row["file"]).read_bytes().decode("utf-8")
        print(f"===== {aid} {row['file']} [{row['start']}:{row['end']}]")
        print(text[row["start"] : row["end"]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("scan", "show", "build"))
    parser.add_argument("args", nargs="+")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    ns = parser.parse_args(argv)
    if ns.command == "scan":
        scan(ns.corpus, Path(ns.args[0]))
    elif ns.command == "show":
        show(Path(ns.args[0]), ns.args[1:], ns.corpus)
    else:
        build(Path(ns.args[0]), ns.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
