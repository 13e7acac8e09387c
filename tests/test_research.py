"""The researcher's tools on warehouses made by `khabar ingest`: sql, search."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from khabar.cli import main, split_statements
from khabar.text.search import parse_query, search_key
from tests.conftest import khabar_cli

PRECOMPOSED_QA = "\u0958"  # क़ as one code point (NFC decomposes it)
COMBINING_QA = "\u0915\u093c"  # क + nukta

# Distinct stories, each spelling its key words its own way. Folder = outlet.
DUMPS = {
    "alpha/vaccine.txt": """स्वास्थ्य विभाग ने टीकाकरण अभियान शुरू किया

नई दिल्ली, 12 मार्च (आईएएनएस)। राज्य के स्वास्थ्य विभाग ने सोमवार को कोविड-19 के खिलाफ टीकाकरण अभियान शुरू किया। पहले दिन हजारों लोग केंद्रों तक पहुंचे और अधिकारियों ने व्यवस्था की समीक्षा की।

मंत्री ने कहा कि गांवों तक टीका पहुंच सके इसके लिए विशेष दल बनाए गए हैं। उन्होंने लोगों से अफवाहों पर ध्यान न देने की अपील की।
""",
    "gamma/flood.txt": """बाढ़ प्रभावित जिलों में राहत सामग्री भेजी गई

पटना, 14 मार्च। बिहार के बाढ़ प्रभावित जिलों में राहत दल नावों से पहुँच रहे हैं। अभियान के तहत प्रशासन ने भोजन और दवाइयां बांटीं और कई गांवों में टीकाकरण भी हुआ।

जिलाधिकारी ने बताया कि अभियान में सेना की मदद ली गई है। टीकाकरण के लिए अलग शिविर लगाए गए और अभियान अगले सप्ताह तक चलेगा। बच्चों का टीकाकरण प्राथमिकता पर है।
""",
    "delta/cricket.txt": """कोविड नियमों के बीच क्रिकेट सीरीज का कार्यक्रम घोषित

मुंबई, 15 मार्च। भारतीय क्रिकेट बोर्ड ने कोविड-१९ के नियमों का पालन करते हुए आगामी सीरीज का कार्यक्रम घोषित कर दिया है। खिलाड़ियों को सात दिन पृथक रहना होगा।

बोर्ड के सचिव ने कहा कि दर्शकों को स्टेडियम में आने की अनुमति अभी नहीं दी गई है और टिकटों की बिक्री बाद में शुरू होगी।
""",
    "alpha/court.txt": f"""उच्च न्यायालय ने नए {PRECOMPOSED_QA}ानून पर रोक लगाई

प्रयागराज, 16 मार्च। उच्च न्यायालय ने राज्य सरकार के नए भूमि {PRECOMPOSED_QA}ानून के अमल पर अंतरिम रोक लगा दी है। याचिकाकर्ताओं ने दलील दी थी कि किसानों से राय नहीं ली गई।

अदालत ने सरकार से चार सप्ताह में जवाब मांगा है और अगली सुनवाई अप्रैल में तय की गई है।
""",
    "gamma/parliament.txt": f"""संसद में श्रम {COMBINING_QA}ानून पर लंबी बहस

नई दिल्ली, 17 मार्च। संसद में सोमवार को श्रम {COMBINING_QA}ानून में संशोधन के विधेयक पर लंबी बहस हुई। विपक्ष ने मजदूरों के अधिकार कमजोर होने का आरोप लगाया।

सरकार की ओर से मंत्री ने जवाब दिया कि संशोधन से उद्योगों में रोजगार बढ़ेगा और विवाद जल्दी निपटेंगे।
""",
    "delta/school.txt": """स्कूलों में डिजिटल शि\u200dक्षा का विस्तार होगा

भोपाल, 18 मार्च। राज्य सरकार ने सरकारी स्कूलों में डिजिटल शि\u200dक्षा के विस्तार की योजना मंजूर की है। हर जिले में स्मार्ट कक्षाएं बनेंगी और शिक्षकों को प्रशिक्षण मिलेगा।

शिक्षा मंत्री ने कहा कि दूरदराज के बच्चों तक पढ़ाई पहुंचाना सरकार का लक्ष्य है और इसके लिए बजट बढ़ाया गया है।
""",
}
# A second outlet's lightly edited copy of the vaccine story: one story, two outlets.
DUMPS["beta/vaccine-copy.txt"] = DUMPS["alpha/vaccine.txt"].replace("हजारों", "सैकड़ों")
RAIL = [
    "रेलवे ने नई वंदे भारत ट्रेन चलाने की घोषणा की",
    "लखनऊ, 20 मार्च। रेलवे बोर्ड ने लखनऊ और वाराणसी के बीच नई वंदे भारत ट्रेन चलाने की घोषणा की है। यह ट्रेन सप्ताह में छह दिन चलेगी और यात्रा का समय दो घंटे कम हो जाएगा।",
    "अधिकारियों के अनुसार ट्रेन में आठ डिब्बे होंगे और सभी में स्वचालित दरवाजे लगाए गए हैं। किराया अभी तय नहीं हुआ है लेकिन यह शताब्दी से थोड़ा अधिक रहेगा।",
    "स्टेशनों पर प्लेटफार्म की लंबाई बढ़ाने का काम पूरा कर लिया गया है। सुरक्षा जांच के बाद परिचालन की तारीख घोषित की जाएगी और टिकट आनलाइन मिलेंगे।",
    "यात्री संघ ने फैसले का स्वागत किया है और मांग की है कि ट्रेन को गोरखपुर तक बढ़ाया जाए। सांसदों ने भी रेल मंत्री को पत्र लिखकर यही मांग रखी है।",
    "रेलवे ने बताया कि अगले वर्ष तक प्रदेश में ऐसी पांच और ट्रेनें शुरू करने की योजना है जिनके लिए नए रैक मंगाए जा रहे हैं।",
]
RAIL_INTRO = "उत्तर प्रदेश के यात्रियों के लिए यह अच्छी खबर है क्योंकि पूर्वांचल के लोग लंबे समय से इस ट्रेन की प्रतीक्षा कर रहे थे।"
DUMPS["alpha/rail.txt"] = "\n\n".join(RAIL) + "\n"
# Another outlet's copy: one word changed, a paragraph of its own, the last paragraph dropped.
DUMPS["gamma/rail-copy.txt"] = (
    "\n\n".join([RAIL[0], RAIL[1].replace("छह", "पांच"), RAIL[2], RAIL_INTRO, *RAIL[3:5]]) + "\n"
)


@pytest.fixture(scope="module")
def warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("research")
    for name, text in DUMPS.items():
        path = root / "dumps" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    db = str(root / "w.duckdb")
    result = khabar_cli(["ingest", str(root / "dumps"), "--db", db], prefect_api)
    assert result.returncode == 0, result.stderr
    return db


def titles_of(db: str, ids: list[str]) -> list[str]:
    con = duckdb.connect(db, read_only=True)
    try:
        found = dict(con.execute("SELECT story_id, title FROM stories").fetchall())
    finally:
        con.close()
    return [found[i] for i in ids]


def search_json(db: str, *args: str) -> list[dict[str, object]]:
    result = khabar_cli(["search", "--db", db, "--format", "json", *args], None)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


# --- khabar sql -------------------------------------------------------------------------------------------


def test_split_statements_ends_at_semicolons_outside_quotes_and_comments() -> None:
    assert split_statements("SELECT 1;") == (["SELECT 1"], "")
    assert split_statements("SELECT 1\nFROM t") == ([], "SELECT 1\nFROM t")
    assert split_statements("SELECT ';' AS a; SELECT \"x;\" FROM t;") == (
        ["SELECT ';' AS a", 'SELECT "x;" FROM t'],
        "",
    )
    assert split_statements("SELECT 'it''s;'; -- a; comment\nSELECT 2") == (
        ["SELECT 'it''s;'"],
        " -- a; comment\nSELECT 2",
    )
    assert split_statements("SELECT /* ; */ 3;") == (["SELECT /* ; */ 3"], "")
    assert split_statements("SELECT 'open;\n") == ([], "SELECT 'open;\n")


def test_prompt_runs_a_multi_line_statement_once(warehouse: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "khabar.cli", "sql", "--db", warehouse, "--format", "json"],
        input="SELECT count(*) AS n\nFROM articles\nWHERE outlet = 'alpha';\nSELECT 1 AS a; SELECT 'x;y' AS b;\n"
        "SELECT 2 AS c\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"n": 3}, {"a": 1}, {"b": "x;y"}, {"c": 2}]


def test_prompt_exits_non_zero_when_a_piped_statement_fails(warehouse: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "khabar.cli", "sql", "--db", warehouse, "--format", "csv"],
        input="SELECT nope FROM articles;\nSELECT 1 AS one;\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "nope" in result.stderr and result.stdout == "one\n1\n"


def test_csv_lines_end_with_lf_and_lists_are_json(warehouse: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "khabar.cli",
            "sql",
            "--db",
            warehouse,
            "--format",
            "csv",
            "SELECT n_articles, outlets FROM stories ORDER BY n_articles DESC, outlets LIMIT 2",
        ],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"\r" not in result.stdout
    lines = result.stdout.decode().split("\n")
    assert lines[0] == "n_articles,outlets"
    assert lines[1] == '2,"[""alpha"", ""beta""]"'
    assert lines[-1] == ""


def test_json_keeps_lists_and_json_values_as_json(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT outlets FROM stories WHERE n_articles = 2 ORDER BY outlets"
    assert main(["sql", "--db", warehouse, "--format", "json", query]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"outlets": ["alpha", "beta"]},
        {"outlets": ["alpha", "gamma"]},
    ]
    assert main(["sql", "--db", warehouse, "--format", "json", "SELECT params FROM runs"]) == 0
    params = json.loads(capsys.readouterr().out)["params"]
    assert isinstance(params, dict) and params["db"] == warehouse


@pytest.mark.parametrize(
    "statement",
    [
        "COPY articles TO '{out}'",
        "ATTACH '{out}' AS other",
        "SELECT * FROM read_csv('{out}')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SET enable_external_access = true",
    ],
)
def test_sql_cannot_touch_other_files(
    warehouse: str, statement: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "leak.csv"
    if "read_csv" in statement:
        out.write_text("a,b\n1,2\n")
    assert main(["sql", "--db", warehouse, statement.format(out=out, warehouse=warehouse)]) == 1
    error = capsys.readouterr().err
    assert "disabled by config" in error or "Cannot change configuration" in error
    assert not out.exists() or out.read_text() == "a,b\n1,2\n"


def test_every_table_view_and_column_has_a_comment(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        uncommented = con.execute(
            """
            SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' AND comment IS NULL
            UNION ALL
            SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' AND comment IS NULL
            UNION ALL
            SELECT table_name || '.' || column_name FROM duckdb_columns()
            WHERE NOT internal AND schema_name = 'main' AND comment IS NULL
            """
        ).fetchall()
        n_columns = con.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()[0][0]
    finally:
        con.close()
    assert uncommented == [] and n_columns > 80
    assert main(["sql", "--db", warehouse, "--format", "csv", "DESCRIBE articles"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].endswith(",comment")
    assert any(row.startswith("body,VARCHAR") and "paragraphs separated by one blank line" in row for row in rows)


def test_stock_duckdb_cli_reads_the_comments(warehouse: str) -> None:
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli
    result = subprocess.run(
        [
            cli,
            "-readonly",
            "-list",
            "-noheader",
            warehouse,
            "-c",
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'story_members' AND column_name = 'relation'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "canonical, exact (same normalized body) or near"


# --- khabar search ----------------------------------------------------------------------------------------


def test_query_folding_matches_the_index() -> None:
    assert search_key("पहुँच") == search_key("पहुंच") == "पहुंच"
    assert search_key("कोविड-१९") == search_key("कोविड-19") == "कोविड 19"
    assert search_key(PRECOMPOSED_QA + "ानून") == search_key(COMBINING_QA + "ानून") == "कानून"
    assert search_key("शि\u200dक्षा") == "शिक्षा"
    query = parse_query('"टीकाकरण  अभियान" पहुँच')
    assert query.phrases == ("टीकाकरण अभियान",) and query.terms == "टीकाकरण अभियान पहुंच"


@pytest.mark.parametrize(
    ("spellings", "expected_titles"),
    [
        (["पहुंच", "पहुँच"], {"स्वास्थ्य विभाग ने टीकाकरण अभियान शुरू किया", "बाढ़ प्रभावित जिलों में राहत सामग्री भेजी गई"}),
        (
            ["कोविड-19", "कोविड-१९", "कोविड १९"],
            {"स्वास्थ्य विभाग ने टीकाकरण अभियान शुरू किया", "कोविड नियमों के बीच क्रिकेट सीरीज का कार्यक्रम घोषित"},
        ),
        (
            [PRECOMPOSED_QA + "ानून", COMBINING_QA + "ानून", "कानून"],
            {"उच्च न्यायालय ने नए क़ानून पर रोक लगाई", "संसद में श्रम क़ानून पर लंबी बहस"},
        ),
        (["शिक्षा", "शि\u200dक्षा", "शि\u200cक्षा"], {"स्कूलों में डिजिटल शिक्षा का विस्तार होगा"}),
    ],
)
def test_search_finds_every_spelling_variant(warehouse: str, spellings: list[str], expected_titles: set[str]) -> None:
    for spelling in spellings:
        hits = search_json(warehouse, spelling)
        found = {search_key(str(hit["title"])) for hit in hits}
        assert found == {search_key(title) for title in expected_titles}, spelling


def test_an_exact_phrase_ranks_first_and_quotes_require_it(warehouse: str) -> None:
    hits = search_json(warehouse, "टीकाकरण अभियान")
    titles = [hit["title"] for hit in hits]
    assert titles[0] == "स्वास्थ्य विभाग ने टीकाकरण अभियान शुरू किया" and hits[0]["phrase"] is True
    flood = titles.index("बाढ़ प्रभावित जिलों में राहत सामग्री भेजी गई")
    assert hits[flood]["phrase"] is False
    # BM25 alone prefers the story that repeats both words: the phrase is what put the other first.
    assert float(str(hits[flood]["score"])) > float(str(hits[0]["score"]))
    quoted = search_json(warehouse, '"टीकाकरण अभियान"')
    assert [hit["title"] for hit in quoted] == [titles[0]]


def test_search_groups_copies_into_one_line_per_story(warehouse: str) -> None:
    hits = search_json(warehouse, "टीका")
    vaccine = [hit for hit in hits if hit["n_articles"] == 2 and "टीकाकरण" in str(hit["title"])]
    assert len(vaccine) == 1 and vaccine[0]["matches"] == 2
    assert sorted(vaccine[0]["outlets"]) == ["alpha", "beta"]  # type: ignore[arg-type]
    assert vaccine[0]["first_time"] is not None


def test_search_filters_and_formats(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert [hit["title"] for hit in search_json(warehouse, "पहुंच", "--outlet", "gamma")] == [
        "बाढ़ प्रभावित जिलों में राहत सामग्री भेजी गई"
    ]
    assert [hit["agency"] for hit in search_json(warehouse, "पहुंच", "--agency", "IANS")] == ["IANS"]
    assert search_json(warehouse, "पहुंच", "--since", "2100-01-01") == []
    assert len(search_json(warehouse, "पहुंच", "--limit", "1")) == 1
    assert main(["search", "--db", warehouse, "--format", "csv", "कानून"]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[0].startswith("story_id,title,score,phrase") and len(lines) == 4 and lines[-1] == ""
    assert main(["search", "--db", warehouse, "कानून"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("2 stories for «कानून»") and len(table) == 4


def test_search_sql_is_available_in_khabar_sql(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    query = (
        "SELECT count(*) AS n FROM (SELECT fts_main_article_search.match_bm25(article_id, 'कानून') AS s "
        "FROM article_search) WHERE s IS NOT NULL"
    )
    assert main(["sql", "--db", warehouse, "--format", "csv", query]) == 0
    assert capsys.readouterr().out == "n\n2\n"


# --- khabar export ----------------------------------------------------------------------------------------


def table_counts(db: str) -> dict[str, int]:
    from khabar.warehouse.export import EXPORTABLE

    con = duckdb.connect(db, read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in EXPORTABLE}
    finally:
        con.close()


@pytest.mark.parametrize(("fmt", "reader"), [("parquet", "read_parquet"), ("csv", "read_csv"), ("jsonl", "read_json")])
def test_export_round_trips_row_counts(warehouse: str, tmp_path: Path, fmt: str, reader: str) -> None:
    out = tmp_path / fmt
    result = khabar_cli(["export", "--db", warehouse, "--format", fmt, "--out", str(out)], None)
    assert result.returncode == 0, result.stderr
    expected = table_counts(warehouse)
    assert expected["articles"] == 9 and expected["stories"] == 7
    con = duckdb.connect()
    try:
        for table, rows in expected.items():
            path = out / f"{table}.{fmt}"
            assert f"{table} " in result.stdout and path.exists()
            if rows:
                assert con.execute(f"SELECT count(*) FROM {reader}(?)", [str(path)]).fetchall()[0][0] == rows, table
        bodies = con.execute(f"SELECT body FROM {reader}(?) ORDER BY body", [str(out / f"articles.{fmt}")]).fetchall()
    finally:
        con.close()
    stored = duckdb.connect(warehouse, read_only=True)
    try:
        assert bodies == stored.execute("SELECT body FROM articles ORDER BY body").fetchall()  # text survives whole
    finally:
        stored.close()
    assert not list(out.glob(".*partial"))


def test_export_csv_is_lf_and_json_lines_keep_lists(warehouse: str, tmp_path: Path) -> None:
    assert main(["export", "--db", warehouse, "--format", "csv", "--out", str(tmp_path), "--tables", "articles"]) == 0
    raw = (tmp_path / "articles.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    assert main(["export", "--db", warehouse, "--format", "jsonl", "--out", str(tmp_path), "--tables", "stories"]) == 0
    stories = [json.loads(line) for line in (tmp_path / "stories.jsonl").read_text().splitlines()]
    assert len(stories) == 7 and ["alpha", "beta"] in [s["outlets"] for s in stories if s["n_articles"] == 2]


def test_export_since_keeps_what_belongs_to_recent_articles(
    warehouse: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--db", warehouse, "--out", str(tmp_path / "all"), "--since", "2000-01-01"]) == 0
    assert main(["export", "--db", warehouse, "--out", str(tmp_path / "none"), "--since", "2999-01-01"]) == 0
    con = duckdb.connect()
    try:
        count = lambda folder, table: con.execute(  # noqa: E731
            "SELECT count(*) FROM read_parquet(?)", [str(tmp_path / folder / f"{table}.parquet")]
        ).fetchall()[0][0]
        assert {t: count("all", t) for t in ("articles", "story_members", "stories", "documents")} == {
            "articles": 9,
            "story_members": 9,
            "stories": 7,
            "documents": 9,
        }
        assert {t: count("none", t) for t in ("articles", "story_members", "stories", "removed_blocks", "runs")} == {
            "articles": 0,
            "story_members": 0,
            "stories": 0,
            "removed_blocks": 0,
            "runs": 0,
        }
    finally:
        con.close()
    assert main(["export", "--db", warehouse, "--out", str(tmp_path), "--tables", "secrets"]) == 2
    assert "cannot export secrets" in capsys.readouterr().err


# --- khabar show ------------------------------------------------------------------------------------------


def test_show_marks_kept_edited_added_and_dropped_paragraphs(
    warehouse: str, capsys: pytest.CaptureFixture[str]
) -> None:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        [(story_id, copy_id)] = con.execute(
            "SELECT m.story_id, m.article_id FROM story_members m JOIN articles a USING (article_id) "
            "WHERE a.outlet = 'gamma' AND a.title LIKE 'रेलवे%'"
        ).fetchall()
    finally:
        con.close()
    assert story_id != copy_id  # the copy joined the canonical's story
    assert main(["show", "--db", warehouse, copy_id[:10]]) == 0  # an article's prefix shows its story
    text = capsys.readouterr().out
    assert text.startswith(f"story {story_id}\n  {RAIL[0]}\n  2 copies, 2 outlets")
    copy_part = text[text.index("2. gamma") :]
    assert "3 kept, 1 edited, 1 added, 1 dropped" in copy_part
    lines = copy_part.splitlines()
    assert lines[2:] == [
        " ~ ¶1 " + RAIL[1].replace("छह", "[-छह-] {+पांच+}"),
        " = ¶2 kept",
        f" + new {RAIL_INTRO}",
        " = ¶3 kept",
        " = ¶4 kept",
        f" - ¶5 {RAIL[5]}",
    ]
    assert "\x1b[" not in text  # not a terminal: plain markers
    assert main(["show", "--db", warehouse, story_id, "--color", "always"]) == 0
    coloured = capsys.readouterr().out
    assert "\x1b[9;31mछह\x1b[0m \x1b[32mपांच\x1b[0m" in coloured and "[-" not in coloured


def test_show_as_html_needs_no_network(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    from html.parser import HTMLParser

    con = duckdb.connect(warehouse, read_only=True)
    try:
        [(story_id,)] = con.execute("SELECT story_id FROM stories WHERE title LIKE 'रेलवे%'").fetchall()
    finally:
        con.close()
    assert main(["show", "--db", warehouse, story_id, "--format", "html"]) == 0
    page = capsys.readouterr().out

    class Classes(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []
            self.urls: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.seen += [f"{tag}.{value}" for name, value in attrs if name == "class"] + [tag]
            self.urls += [str(value) for name, value in attrs if name in ("href", "src")]

    parser = Classes()
    parser.feed(page)
    assert parser.urls == [] and "http" not in page.split("</style>")[0]
    assert parser.seen.count("p.added") == 1 and parser.seen.count("p.dropped") == 1
    assert parser.seen.count("p.edited") == 1 and "<del>छह</del> <ins>पांच</ins>" in page


def test_show_of_an_unknown_or_ambiguous_id_says_so(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--db", warehouse, "ffffffffff"]) == 2
    assert "no story or article" in capsys.readouterr().err
    assert main(["show", "--db", warehouse, "nope"]) == 2
    assert "not an id" in capsys.readouterr().err


def test_a_warehouse_from_before_search_gets_its_index_at_the_next_load(
    warehouse: str, prefect_api: str, tmp_path: Path
) -> None:
    old = tmp_path / "old.duckdb"
    shutil.copy(warehouse, old)
    con = duckdb.connect(str(old))
    try:
        con.execute("DROP SCHEMA fts_main_article_search CASCADE")
        con.execute("DELETE FROM article_search")
    finally:
        con.close()
    assert khabar_cli(["search", "--db", str(old), "कानून"], None).returncode == 2
    (tmp_path / "new" / "delta").mkdir(parents=True)
    (tmp_path / "new" / "delta" / "court.txt").write_text(DUMPS["alpha/court.txt"].replace("प्रयागराज", "लखनऊ"))
    result = khabar_cli(["ingest", str(tmp_path / "new"), "--db", str(old)], prefect_api)
    assert result.returncode == 0, result.stderr
    hits = search_json(str(old), "कानून")
    assert len(hits) == 2 and sum(int(str(hit["n_articles"])) for hit in hits) == 3


def test_a_load_adds_its_articles_to_the_index_as_a_rebuild_would(
    warehouse: str, prefect_api: str, tmp_path: Path
) -> None:
    from khabar.warehouse.search import _INDEX, INDEX_SCHEMA, load_fts

    grown = tmp_path / "grown.duckdb"
    shutil.copy(warehouse, grown)
    (tmp_path / "new" / "epsilon").mkdir(parents=True)
    (tmp_path / "new" / "epsilon" / "school.txt").write_text(DUMPS["delta/school.txt"].replace("भोपाल", "इंदौर"))
    (tmp_path / "new" / "epsilon" / "empty-title.txt").write_text("\n\n" + DUMPS["gamma/flood.txt"].split("\n\n", 1)[1])
    result = khabar_cli(["ingest", str(tmp_path / "new"), "--db", str(grown), "-v"], prefect_api)
    assert result.returncode == 0, result.stderr
    assert "articles added to the index" in result.stdout + result.stderr
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(grown, rebuilt)
    con = duckdb.connect(str(rebuilt))
    try:
        assert load_fts(con)
        con.execute(_INDEX)
    finally:
        con.close()

    def index(db: Path) -> tuple[object, ...]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert load_fts(con)
            terms = [t for (t,) in con.execute(f"SELECT term FROM {INDEX_SCHEMA}.dict ORDER BY term").fetchall()]
            scores = con.execute(
                f"SELECT q, article_id, round({INDEX_SCHEMA}.match_bm25(article_id, q), 9) AS s "
                "FROM article_search, unnest(?::VARCHAR[]) t(q) WHERE s IS NOT NULL ORDER BY ALL",
                [terms[::7]],
            ).fetchall()
            stats = con.execute(f"SELECT num_docs, round(avgdl, 9) FROM {INDEX_SCHEMA}.stats").fetchall()
            docs = con.execute(f"SELECT name, len FROM {INDEX_SCHEMA}.docs ORDER BY name").fetchall()
            return terms, scores, stats, docs
        finally:
            con.close()

    added, whole = index(grown), index(rebuilt)
    assert added == whole and len(added[3]) == 11  # type: ignore[arg-type]
    assert "epsilon" in search_json(str(grown), "इंदौर")[0]["outlets"]  # type: ignore[operator]


def test_a_backlog_indexed_a_slice_at_a_time_is_indexed_as_at_once(
    warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles the index lacks are added in slices (`_INDEXED_AT_ONCE`): one article at a time gives the words, counts
    and lengths that all at once gives (their term ids are numbered slice by slice)."""
    from khabar.warehouse import search

    def regrown(at_once: int) -> tuple[int, list[list[tuple[object, ...]]]]:
        db = tmp_path / f"at-{at_once}.duckdb"
        shutil.copy(warehouse, db)
        con = duckdb.connect(str(db))
        try:
            assert search.load_fts(con)
            s = search.INDEX_SCHEMA
            for table in ("terms", "docs", "dict"):  # emptied: every article is missing from it
                con.execute(f"DELETE FROM {s}.{table}")
            monkeypatch.setattr(search, "_INDEXED_AT_ONCE", at_once)
            added = search._add_to_index(con)
            queries = (
                f"SELECT term, df FROM {s}.dict",
                f"SELECT t.docid, t.fieldid, d.term FROM {s}.terms t JOIN {s}.dict d USING (termid)",
                f"SELECT * FROM {s}.docs",
                f"SELECT * FROM {s}.stats",
            )
            return added, [con.execute(q + " ORDER BY ALL").fetchall() for q in queries]
        finally:
            con.close()

    one_by_one, at_once = regrown(1), regrown(10_000)
    assert one_by_one == at_once and one_by_one[0] > 5 and len(at_once[1][1]) > 100


# --- khabar report ----------------------------------------------------------------------------------------


def test_report_writes_a_site_that_opens_offline(warehouse: str, tmp_path: Path) -> None:
    from html.parser import HTMLParser

    out = tmp_path / "site"
    result = khabar_cli(["report", "--db", warehouse, "--out", str(out)], None)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(warehouse, read_only=True)
    try:
        story_ids = {s for (s,) in con.execute("SELECT story_id FROM stories").fetchall()}
    finally:
        con.close()
    pages = sorted(out.rglob("*.html"))
    assert {p.stem for p in (out / "stories").glob("*.html")} == story_ids  # one page per story
    assert {p.name for p in pages} >= {"index.html", "outlets.html"}

    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []
            self.external: list[str] = []
            self.tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            for name, value in attrs:
                if name in ("href", "src") and value:
                    (self.external if "//" in value or value.startswith("http") else self.links).append(value)

    for path in pages:
        parser = Page()
        parser.feed(path.read_text(encoding="utf-8"))
        parser.close()
        assert parser.external == [], path
        for link in parser.links:  # every link leads to a page of the site
            assert (path.parent / link).resolve().is_file(), (path, link)
        if path.parent.name == "stories":
            assert "svg" in parser.tags and "circle" in parser.tags  # the spread timeline
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('href="stories/') == len(story_ids)
    assert "<option>IANS</option>" in index and "<option>gamma</option>" in index
    outlets = (out / "outlets.html").read_text(encoding="utf-8")
    assert (
        outlets.count("<rect") >= 5 and "alpha: IANS 1 of 3 (33%)" in outlets and "alpha: own 2 of 3 (67%)" in outlets
    )  # the share chart
    assert "<th>per article</th>" in outlets
    rail = next(p for p in (out / "stories").glob("*.html") if "रेलवे ने नई वंदे भारत" in p.read_text(encoding="utf-8"))
    text = rail.read_text(encoding="utf-8")
    assert 'class="added"' in text and 'class="dropped"' in text and "<del>छह</del> <ins>पांच</ins>" in text
