"""The time model (docs/time-model.md) on real `khabar ingest` and `khabar fetch` runs: where published_at
comes from, how precise it is, the bounds, the year of a dateline that prints none, and tables of numbers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import regex
from pytest_httpserver import HTTPServer

from khabar.text.dates import dateline_date, machine_time, weekdays_named
from khabar.text.metadata import IST
from tests.conftest import SAMPLES, khabar_cli

# Paragraphs of made-up agency copy, one set per story, so that unrelated dumps stay apart.
WATER = [
    "केंद्र सरकार ने राज्यों के साथ बैठक में जल संरक्षण की नई योजना पर चर्चा की और अगले महीने से इसे लागू करने का फैसला किया।",
    "अधिकारियों ने बताया कि योजना के तहत हर जिले में तालाबों की मरम्मत की जाएगी और किसानों को सिंचाई के लिए सस्ती दरों पर पानी मिलेगा।",
]
SCHOOL = [
    "राज्य के शिक्षा विभाग ने सरकारी स्कूलों में शिक्षकों की भर्ती के लिए नई परीक्षा का कार्यक्रम घोषित किया और आवेदन की अंतिम तिथि बढ़ा दी।",
    "विभाग के प्रवक्ता ने कहा कि इस बार पचास हजार पदों पर भर्ती होगी और ग्रामीण क्षेत्रों के स्कूलों को प्राथमिकता दी जाएगी।",
]
RAIL = [
    "रेलवे ने त्योहारों के मौसम में यात्रियों की भीड़ को देखते हुए बीस नई विशेष रेलगाड़ियां चलाने की घोषणा की है।",
    "रेल अधिकारियों के अनुसार इन गाड़ियों में सामान्य डिब्बों की संख्या बढ़ाई गई है ताकि कम किराए पर यात्रा करने वालों को सुविधा मिले।",
]
DENGUE = [
    "जिला अस्पताल में डेंगू के मरीजों की संख्या बढ़ने के बाद स्वास्थ्य विभाग ने अलग वार्ड बनाने और जांच केंद्रों का समय बढ़ाने का आदेश दिया।",
    "मुख्य चिकित्सा अधिकारी ने लोगों से घरों के आसपास पानी जमा न होने देने और बुखार होने पर तुरंत जांच कराने की अपील की।",
]
FARMERS = [
    "किसान संगठनों ने फसलों के न्यूनतम समर्थन मूल्य की कानूनी गारंटी की मांग को लेकर राजधानी में बड़ी रैली निकालने का ऐलान किया।",
    "संगठन के नेताओं ने कहा कि सरकार के साथ तीन दौर की बातचीत बेनतीजा रही है और अब आंदोलन तेज किया जाएगा।",
]
ROADS = [
    "लोक निर्माण विभाग ने बारिश से खराब हुई ग्रामीण सड़कों की मरम्मत के लिए तीन सौ करोड़ रुपये की योजना को मंजूरी दी है।",
    "विभाग के मुख्य अभियंता ने बताया कि काम दो महीने में पूरा होगा और हर सड़क की गुणवत्ता की जांच अलग दल करेगा।",
]
COVID = [
    "राज्य में कोरोना संक्रमण के मामलों में पिछले सप्ताह तेजी से बढ़ोतरी हुई है और स्वास्थ्य विभाग ने हर दिन के नए आंकड़े जारी किए हैं।",
    "विशेषज्ञों का कहना है कि जांच की संख्या बढ़ने से भी मामलों में वृद्धि दिखाई दे रही है और लोगों को सावधानी बरतनी चाहिए।",
]
POWER = [
    "बिजली विभाग ने गर्मी में बढ़ती मांग को देखते हुए शहरों और गांवों में कटौती का नया कार्यक्रम जारी किया है।",
    "विभाग ने कहा कि अस्पतालों और पानी की आपूर्ति करने वाले केंद्रों को कटौती से बाहर रखा गया है और शिकायतों के लिए हेल्पलाइन शुरू की गई है।",
]
MARKET = [
    "शेयर बाजार में आज विदेशी निवेशकों की खरीदारी से प्रमुख सूचकांक में तेजी रही और बैंकिंग कंपनियों के शेयर सबसे ज्यादा चढ़े।",
    "बाजार विश्लेषकों के अनुसार महंगाई के ताजा आंकड़ों और ब्याज दरों में कटौती की उम्मीद से निवेशकों का भरोसा बढ़ा है।",
]
FLOOD = [
    "पहाड़ी इलाकों में लगातार बारिश के कारण नदियों का जलस्तर खतरे के निशान के ऊपर पहुंच गया है और निचले इलाकों को खाली कराया जा रहा है।",
    "आपदा प्रबंधन दल ने राहत शिविर बनाए हैं जहां प्रभावित परिवारों के लिए भोजन, दवाइयों और पीने के पानी की व्यवस्था की गई है।",
]
TRAFFIC = [
    "यातायात पुलिस ने शहर के व्यस्त चौराहों पर जाम से निपटने के लिए नए सिग्नल लगाने और भारी वाहनों का समय बदलने का फैसला किया है।",
    "पुलिस अधीक्षक ने बताया कि नियम तोड़ने वालों पर कैमरों से नजर रखी जाएगी और जुर्माना सीधे मोबाइल पर भेजा जाएगा।",
]


def _dump(title: str, lines: list[str]) -> str:
    return "\n\n".join([title, *lines]) + "\n"


def _rows(db: str, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def _ingest(prefect_api: str, db: str, *paths: Path) -> None:
    result = khabar_cli(["ingest", *map(str, paths), "--db", db], prefect_api)
    assert result.returncode == 0, result.stderr[-3000:]


def _year_sources(db: str) -> dict[str, str | None]:
    return {
        uri.rsplit("/", 1)[-1]: how for uri, how in _rows(db, "SELECT source_uri, dateline_year_source FROM articles")
    }


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    folder = tmp_path / "dumps"
    folder.mkdir()
    files = {
        # A dateline without a year beside a dated line of the dump: the year is the dated line's.
        "dated_line.txt": _dump(
            "जल संरक्षण की नई योजना पर केंद्र और राज्यों की बैठक",
            ["प्रकाशित: 14 मार्च 2024, 09:10 IST", f"नई दिल्ली, 14 मार्च (आईएएनएस)। {WATER[0]}", WATER[1]],
        ),
        # A 31 December dateline on a page dated 1 January is last year's.
        "new_year.txt": _dump(
            "शिक्षकों की भर्ती के लिए नई परीक्षा का कार्यक्रम घोषित",
            ["Published: January 1, 2025 08:00 IST", f"पटना, 31 दिसंबर (वार्ता) {SCHOOL[0]}", SCHOOL[1]],
        ),
        # No date anywhere, but the dateline's paragraph names Sunday: of the candidate years only 2025 has a
        # Sunday 13 July.
        "weekday.txt": _dump(
            "त्योहारों में बीस नई विशेष रेलगाड़ियां चलेंगी",
            [f"रांची, 13 जुलाई (हि.स.)। {RAIL[0][:-1]}, रेल मंत्रालय ने रविवार को यह जानकारी दी।", RAIL[1]],
        ),
        # Monday 13 July was in 2020 and in 2026: two candidates, so the year stays unknown.
        "weekday_ambiguous.txt": _dump(
            "डेंगू के मरीज बढ़े, अस्पताल में अलग वार्ड",
            [f"धनबाद, 13 जुलाई (हि.स.)। {DENGUE[0][:-1]}, यह आदेश सोमवार को जारी हुआ।", DENGUE[1]],
        ),
        # No evidence of any kind: day and month kept, year unknown, no publication time.
        "no_evidence.txt": _dump(
            "किसान संगठनों का राजधानी में रैली का ऐलान",
            [f"चंडीगढ़, 21 सितंबर (भाषा) {FARMERS[0]}", FARMERS[1]],
        ),
        # A table of dates and counts is not a timestamp, even where a count looks like a year; nor is a
        # lone row whose "year" (6797) no article can have.
        "table.txt": _dump(
            "कोरोना के मामलों में एक सप्ताह में तेज बढ़ोतरी",
            [
                f"मुंबई, 8 अप्रैल (भाषा) {COVID[0]}",
                "1 अप्रैल\t1834\n2 अप्रैल\t2069\n3 अप्रैल\t2019\n4 अप्रैल\t2024",
                COVID[1],
                "07 अप्रैल  6797",
                "राज्य सरकार ने सभी जिलों को अस्पतालों में बिस्तरों की संख्या बढ़ाने और ऑक्सीजन की आपूर्ति पर नजर रखने के निर्देश दिए हैं।",
            ],
        ),
        # A publication line dated after the fetch is not a publication time.
        "future_line.txt": _dump(
            "बिजली कटौती का नया कार्यक्रम जारी",
            ["Published: 12 July 2091 10:00 IST", f"लखनऊ, 12 जुलाई (भाषा) {POWER[0]}", POWER[1]],
        ),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    records = [
        {"url": "https://r.example/1", "published_at": "99999-01-01", "text": "\n\n".join(MARKET)},
        {"url": "https://r.example/2", "published_at": "1985-05-01", "text": "\n\n".join(FLOOD)},
        {"url": "https://r.example/3", "published_at": "2099-01-01T10:00:00+05:30", "text": "\n\n".join(TRAFFIC)},
        {"url": "https://r.example/4", "published_at": "2025-07-13", "text": "\n\n".join([*ROADS, MARKET[0]])},
        {"url": "https://r.example/5", "published_at": "2025-07-13T10:05:00", "text": "\n\n".join([*FLOOD, ROADS[1]])},
        {
            "url": "https://r.example/6",
            "published_at": "3025-01-01",
            "text": "\n\n".join(["प्रकाशित: 12 जुलाई 2025, 10:30 IST", *TRAFFIC, POWER[1]]),
        },
    ]
    (folder / "records.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return folder


def _articles(db: str) -> dict[str, tuple[Any, ...]]:
    rows = _rows(
        db,
        "SELECT source_uri, dateline_day, dateline_month, dateline_date, published_at, published_precision, "
        "published_source FROM articles",
    )
    return {uri.rsplit("/", 1)[-1]: tuple(rest) for uri, *rest in rows}


def test_publication_times_and_dateline_years_on_an_ingest_run(prefect_api: str, dumps: Path, db: str) -> None:
    _ingest(prefect_api, db, dumps)
    got = _articles(db)
    assert len(got) == 13

    # The dateline's year from the dump's dated line; the time is Indian, kept to the minute.
    assert got["dated_line.txt"] == (
        14,
        3,
        date(2024, 3, 14),
        _at("2024-03-14T09:10:00+05:30"),
        "datetime",
        "dump_text",
    )
    assert got["new_year.txt"][2] == date(2024, 12, 31)
    assert got["new_year.txt"][3:] == (_at("2025-01-01T08:00:00+05:30"), "datetime", "dump_text")

    # The weekday cue: a date, not a moment, on the dateline's word.
    assert got["weekday.txt"] == (13, 7, date(2025, 7, 13), _at("2025-07-13T00:00:00+05:30"), "date", "dateline")
    assert got["weekday_ambiguous.txt"] == (13, 7, None, None, None, None)
    assert got["no_evidence.txt"] == (21, 9, None, None, None, None)
    assert got["future_line.txt"] == (12, 7, None, None, None, None)

    year_from = _year_sources(db)
    assert (year_from["dated_line.txt"], year_from["weekday.txt"], year_from["no_evidence.txt"]) == (
        "published",
        "weekday",
        None,
    )

    # Records (keyed by the last part of their url). Out of bounds is unknown; a date alone is a date in India; a naive time is Indian time.
    assert got["1"][3:] == (None, None, None)  # "99999-01-01" is no year 9999
    assert got["2"][3:] == (None, None, None)  # 1985: before 1990
    assert got["3"][3:] == (None, None, None)  # 2099: after the fetch
    assert got["4"][3:] == (_at("2025-07-13T00:00:00+05:30"), "date", "record")
    assert got["5"][3:] == (_at("2025-07-13T10:05:00+05:30"), "datetime", "record")
    assert got["6"][3:] == (_at("2025-07-12T10:30:00+05:30"), "datetime", "dump_text")

    # Nothing is dated outside the bounds, whatever the source.
    [(early, late)] = _rows(db, "SELECT min(published_at), max(published_at) FROM articles")
    assert early >= datetime(1990, 1, 1, tzinfo=UTC) and late <= datetime.now(UTC)


def test_a_table_of_numbers_stays_in_the_body(prefect_api: str, dumps: Path, db: str) -> None:
    _ingest(prefect_api, db, dumps / "table.txt")
    [(article_id, body, published, dateline)] = _rows(
        db, "SELECT article_id, body, published_at, dateline_date FROM articles"
    )
    for row in ("1 अप्रैल 1834", "3 अप्रैल 2019", "4 अप्रैल 2024", "07 अप्रैल 6797"):  # spaces folded
        assert row in body.split("\n\n"), row
    assert published is None and dateline is None
    stamps = _rows(db, "SELECT text FROM removed_blocks WHERE article_id = ? AND kind = 'timestamp'", [article_id])
    assert stamps == []


def test_a_dateline_without_a_year_takes_its_storys(prefect_api: str, db: str, tmp_path: Path) -> None:
    """One outlet's copy is dated; another's, loaded by a later run, has only its dateline: it takes the
    story's year. A copy whose dateline names another day does not take it."""
    body = [f"वाशिंगटन, 12 जुलाई (आईएएनएस)। {FLOOD[0]}", FLOOD[1], TRAFFIC[0]]
    first, second = tmp_path / "run1" / "Outlet A", tmp_path / "run2" / "Outlet B"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    title = "पहाड़ों में बारिश से नदियां उफान पर"
    (first / "dated.txt").write_text(_dump(title, [*body, "Created On :   12 July 2025 11:19 AM IST"]), "utf-8")
    (second / "undated.txt").write_text(_dump(title, body), "utf-8")
    other_day = [f"वाशिंगटन, 11 जुलाई (आईएएनएस)। {FLOOD[0]}", FLOOD[1], TRAFFIC[0]]
    (second / "other_day.txt").write_text(_dump(title, other_day), "utf-8")
    # Its paragraph names Thursday: alone, that would make it 2018 (the one Thursday 12 July in the window);
    # the story's dated member comes first.
    thursday = [f"वाशिंगटन, 12 जुलाई (आईएएनएस)। {FLOOD[0][:-1]}, प्रशासन ने गुरुवार को यह चेतावनी दी।", *body[1:]]
    (second / "thursday.txt").write_text(_dump(title, thursday), "utf-8")

    _ingest(prefect_api, db, tmp_path / "run1")
    _ingest(prefect_api, db, tmp_path / "run2")
    got = _articles(db)
    assert got["dated.txt"][2:] == (date(2025, 7, 12), _at("2025-07-12T11:19:00+05:30"), "datetime", "dump_text")
    assert got["undated.txt"][2:] == (date(2025, 7, 12), _at("2025-07-12T00:00:00+05:30"), "date", "dateline")
    assert got["other_day.txt"][2:] == (None, None, None, None)
    assert got["thursday.txt"][2:] == (date(2025, 7, 12), _at("2025-07-12T00:00:00+05:30"), "date", "dateline")
    year_from = _year_sources(db)
    assert (year_from["dated.txt"], year_from["undated.txt"], year_from["thursday.txt"]) == (
        "published",
        "story",
        "story",
    )
    stories = dict(_rows(db, "SELECT source_uri, story_id FROM story_members JOIN articles USING (article_id)"))
    story = {Path(uri).name: story_id for uri, story_id in stories.items()}
    assert story["dated.txt"] == story["undated.txt"] == story["thursday.txt"]  # the year came through the story


def test_no_sample_carries_a_year_it_has_no_evidence_for(prefect_api: str, db: str, tmp_path: Path) -> None:
    """The bundled samples and a republication of each in another outlet's folder: every year an article
    carries is printed in its own document, or is the one candidate year its dateline's weekday fits."""
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES, root / "Origin")
    shutil.copytree(SAMPLES, root / "Reprint")
    for path in (root / "Reprint").iterdir():  # re-wrapped: another outlet's copy of the same text
        path.write_text(path.read_text(encoding="utf-8").replace("\n\n", "\n\n\n") + "\n", encoding="utf-8")
    _ingest(prefect_api, db, root)
    rows = _rows(
        db,
        "SELECT a.source_uri, a.body, a.dateline_date, a.published_at, a.published_source FROM articles a "
        "JOIN documents d USING (doc_id)",
    )
    assert len(rows) == 10
    years: dict[str, set[int]] = {}
    for uri, body, dateline, published, source in rows:
        raw = Path(uri).read_text(encoding="utf-8")
        found = {d.year for d in (dateline, published.astimezone(IST).date() if published else None) if d}
        years[Path(uri).name] = found
        for year in found:
            printed = regex.search(rf"(?<!\d){year}", raw) is not None  # "Jul 13, 20253 hours ago" is glued
            first = body.split("\n\n")[0]
            by_weekday = source == "dateline" and dateline is not None and dateline.weekday() in weekdays_named(first)
            assert printed or by_weekday, f"{uri}: {year} without evidence"
    # And each sample's year, as its evidence gives it.
    assert years["000_e840aa923773798b.txt"] == {2025}  # वाशिंगटन, 12 जुलाई … शनिवार को
    assert years["001_f1774d47c25524a3.txt"] == {2025}  # प्योंगयांग, 13 जुलाई … रविवार को
    assert years["002_ff795dba96db68e1.txt"] == {2025}  # Jul 13, 2025
    assert years["003_1e727c62d9b96920.txt"] == {2024}  # April 25, 2024
    assert years["004_cbc86d419f496ce4.txt"] == {2025}  # Created On : 12 July 2025 11:19 AM IST


# The fetch side: feeds and sitemaps state dates that khabar carries through the landing zone.
ARTICLE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"""


def _page(title: str, paragraphs: list[str], head: str = "") -> bytes:
    html = ARTICLE_PAGE.format(title=title, head=head, paragraphs="".join(f"<p>{p}</p>" for p in paragraphs))
    return html.encode()


class DatedSite:
    """A site whose pages state no date of their own, except one with JSON-LD: the feed and the sitemap do."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        pages = {
            "/news/rail.html": _page("विशेष रेलगाड़ियां", [f"रांची, 13 जुलाई। {RAIL[0]}", RAIL[1]]),
            "/news/dengue.html": _page("डेंगू वार्ड", [f"धनबाद, 12 जुलाई। {DENGUE[0]}", DENGUE[1]]),
            "/news/roads.html": _page("सड़कों की मरम्मत", [f"भोपाल, 11 जुलाई। {ROADS[0]}", ROADS[1]]),
            "/news/power.html": _page("बिजली कटौती", [f"लखनऊ, 9 जुलाई। {POWER[0]}", POWER[1]]),
            "/news/market.html": _page(
                "बाजार में तेजी",
                MARKET,
                '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "बाजार में तेजी", '
                '"datePublished": "2025-07-10T15:30:00+05:30"}</script>',
            ),
        }
        for path, body in pages.items():
            server.expect_request(path).respond_with_data(body, content_type="text/html; charset=utf-8")
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\n", content_type="text/plain")
        items = [
            ("/news/rail.html", "Sun, 13 Jul 2025 10:05:00 +0530"),
            ("/news/market.html", "Thu, 10 Jul 2025 09:00:00 +0530"),  # the page's JSON-LD is trusted more
            ("/news/power.html", "Mon, 09 Jul 2091 10:00:00 +0530"),  # after the fetch: ignored
        ]
        feed = "".join(
            f"<item><title>t</title><link>{self.url(p)}</link><pubDate>{d}</pubDate></item>" for p, d in items
        )
        server.expect_request("/feed.xml").respond_with_data(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{feed}</channel></rss>',
            content_type="application/rss+xml",
        )
        news = "http://www.google.com/schemas/sitemap-news/0.9"
        urls = (
            f"<url><loc>{self.url('/news/dengue.html')}</loc><lastmod>2025-07-14T08:00:00Z</lastmod>"
            f"<news:news><news:publication_date>2025-07-12</news:publication_date></news:news></url>"
            f"<url><loc>{self.url('/news/roads.html')}</loc><lastmod>2025-07-11T08:00:00Z</lastmod></url>"
            f"<url><loc>{self.url('/news/rail.html')}</loc><lastmod>2025-07-15</lastmod></url>"
        )
        server.expect_request("/sitemap.xml").respond_with_data(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="{news}">{urls}</urlset>',
            content_type="application/xml",
        )

    def url(self, path: str) -> str:
        return self.server.url_for(path)


@pytest.fixture
def dated_site() -> Iterator[DatedSite]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield DatedSite(server)
    finally:
        server.clear()
        server.stop()


def test_feed_and_sitemap_dates_reach_the_warehouse(
    prefect_api: str, dated_site: DatedSite, db: str, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        "[fetch]\n"
        'contact = "https://example.org/khabar-tests"\nread_timeout = 2\nretries = 0\nallow_private = true\n\n'
        "[[source]]\n"
        'name = "Dated Outlet"\n'
        f'feeds = ["{dated_site.url("/feed.xml")}"]\n'
        f'sitemaps = ["{dated_site.url("/sitemap.xml")}"]\n'
        'rate = 1000\narticle_pattern = "/news/"\n',
        encoding="utf-8",
    )
    landing = tmp_path / "landing"
    from khabar.flows.fetch import fetch_and_ingest

    fetch_and_ingest(sources=str(sources), db=db, landing_dir=str(landing))
    got = {
        uri.rsplit("/", 1)[-1]: tuple(rest)
        for uri, *rest in _rows(
            db, "SELECT source_uri, published_at, published_precision, published_source, dateline_date FROM articles"
        )
    }
    assert got["rail.html"] == (_at("2025-07-13T10:05:00+05:30"), "datetime", "feed", date(2025, 7, 13))
    assert got["dengue.html"] == (_at("2025-07-12T00:00:00+05:30"), "date", "sitemap", date(2025, 7, 12))
    assert got["roads.html"] == (_at("2025-07-11T08:00:00+00:00"), "datetime", "sitemap", date(2025, 7, 11))
    assert got["market.html"] == (_at("2025-07-10T15:30:00+05:30"), "datetime", "jsonld", None)
    assert got["power.html"] == (None, None, None, None)  # the feed's 2091 is past the fetch
    # The dates travel in the landing sidecar, so re-ingesting a landed day keeps them.
    sidecar = json.loads(next(landing.glob("*/*/*.html.json")).read_text(encoding="utf-8"))
    assert "listed_dates" in sidecar
    listed = [
        json.loads(p.read_text(encoding="utf-8"))["listed_dates"] for p in sorted(landing.glob("*/*/*.html.json"))
    ]
    assert sorted(d["source"] for dates in listed for d in dates) == [
        "feed",
        "feed",
        "feed",
        "sitemap",
        "sitemap",
        "sitemap",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-07-13", ("2025-07-13T00:00:00+05:30", "date")),
        ("2025-07", ("2025-07-01T00:00:00+05:30", "month")),
        ("2025-07-13T10:05:00", ("2025-07-13T10:05:00+05:30", "datetime")),
        ("2025-07-13T04:35:00Z", ("2025-07-13T10:05:00+05:30", "datetime")),
        ("Sun, 13 Jul 2025 10:05:00 +0530", ("2025-07-13T10:05:00+05:30", "datetime")),
        ("Sun, 13 Jul 2025", ("2025-07-13T00:00:00+05:30", "date")),
        ("July 12, 2025 11:19 AM", ("2025-07-12T11:19:00+05:30", "datetime")),
        ("99999-01-01", None),
        ("2025-13", None),
        ("12", None),  # no lenient parser filling in today's month and year
    ],
)
def test_machine_times(value: str, expected: tuple[str, str] | None) -> None:
    found = machine_time(value, "meta")
    assert (found and (found.at.astimezone(IST).isoformat(), found.precision)) == expected


def test_a_weekday_names_a_year_only_when_one_candidate_fits() -> None:
    fetched = datetime(2026, 12, 5, tzinfo=UTC)
    assert dateline_date(13, 7, None, None, "… ने रविवार को दी।", fetched) == (date(2025, 7, 13), "weekday")
    assert dateline_date(12, 7, None, None, "… ने गुरुवार को कहा।", fetched) == (date(2018, 7, 12), "weekday")
    assert dateline_date(13, 7, None, None, "… ने सोमवार को कहा।", fetched) == (None, None)  # 2020 and 2026
    assert dateline_date(13, 7, None, None, "… ने कहा।", fetched) == (None, None)
    # A weekday with its own date is about that date: "शुक्रवार 1 मई को", "सोमवार यानि चार मई को".
    assert dateline_date(13, 7, None, None, "… से रविवार 1 मई को एक मरीज मिला।", fetched) == (None, None)
    assert dateline_date(13, 7, None, None, "… रविवार यानि चार मई को …", fetched) == (None, None)
    # A dateline after the fetch is no candidate: on 5 December 2026, 25 December 2026 cannot be meant.
    assert dateline_date(25, 12, None, None, "शुक्रवार को", fetched) == (date(2020, 12, 25), "weekday")
