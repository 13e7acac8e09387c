"""Wire agencies' conventions: datelines, credits, sign-offs, disclaimers, and the sentences a tail is cut at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.records import ArticleMeta
from khabar.text.clean import clean
from khabar.text.lexicon import is_signoff, line_kind, tail_kind
from khabar.text.metadata import agency_code, agency_in_brackets, bracketed_byline, day_number, parse_dateline
from khabar.text.normalize import storage_text
from khabar.text.sentences import tail_sentences

READ_AT = datetime(2025, 7, 20, tzinfo=UTC)
LAST = "विभाग ने कहा कि निचले इलाकों में रहने वाले लोगों को अगले तीन दिन तक सतर्क रहना चाहिए।"
OPENING = (
    "पटना, तीन जून (भाषा) बिहार लोक सेवा आयोग ने मंगलवार को शिक्षक भर्ती परीक्षा के तीसरे चरण का परिणाम घोषित "
    "कर दिया, जिसमें करीब 66 हजार अभ्यर्थी सफल हुए हैं।"
)
MIDDLE = "आयोग के अध्यक्ष ने बताया कि सफल अभ्यर्थियों की काउंसलिंग अगले महीने से सभी जिलों में शुरू होगी।"


def cleaned(*lines: str) -> tuple[list[str], list[tuple[str, str]], str | None]:
    result = clean(storage_text("\n\n".join(lines)), fetched_at=READ_AT)
    return list(result.paragraphs), [(b.kind, b.text) for b in result.removed], result.meta.agency


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("पीटीआई-भाषा", "PTI"),
        ("Press Trust of India", "PTI"),
        ("(भाषा)", "PTI"),
        ("यूनीवार्ता", "UNI"),
        ("यूएनआई", "UNI"),
        ("(वार्ता)", "UNI"),
        ("एएनआई", "ANI"),
        ("आइएएनएस", "IANS"),
        ("IANS", "IANS"),
        ("हि. स.", "HS"),
        ("हिंदुस्थान समाचार", "HS"),
        ("एजेंसी", "AGENCY"),
        ("जेएनएन", None),
        ("भाषाई", None),
    ],
)
def test_agency_spellings(printed: str, code: str | None) -> None:
    assert agency_code(printed) == code


@pytest.mark.parametrize(
    ("paragraph", "place", "day", "month", "agency"),
    [
        ("पटना, तीन जून (भाषा) बिहार में", "पटना", 3, 6, "PTI"),
        ("नयी दिल्ली, पहली जुलाई (भाषा) सरकार ने", "नयी दिल्ली", 1, 7, "PTI"),
        ("कोलकाता, पांचवीं मई (वार्ता) राज्य में", "कोलकाता", 5, 5, "UNI"),
        ("जयपुर, इकतीस दिसंबर (भाषा) राज्य में", "जयपुर", 31, 12, "PTI"),
        ("चेन्नई, मार्च (भाषा) तमिलनाडु के", "चेन्नई", None, 3, "PTI"),
        ("लखनऊः उत्तर प्रदेश में", "लखनऊ", None, None, None),
        ("नई दिल्ली, जेएनएन। केंद्र सरकार ने", "नई दिल्ली", None, None, None),
        ("रायपुर, १२ जुलाई (हि. स.)। छत्तीसगढ़ में", "रायपुर", 12, 7, "HS"),
        ("मुंबई, 3rd June (ANI): Mumbai", "मुंबई", 3, 6, "ANI"),
    ],
)
def test_datelines_as_agencies_write_them(
    paragraph: str, place: str, day: int | None, month: int | None, agency: str | None
) -> None:
    found = parse_dateline(paragraph)
    assert found is not None
    assert (found.place, found.day, found.month, found.agency) == (place, day, month, agency)


@pytest.mark.parametrize(
    "paragraph",
    [
        "सरकार एक मई से नई योजना शुरू करेगी और इसके लिए सभी जिलों को निर्देश दिए गए हैं।",
        "बैठक में मार्च के आंकड़ों पर चर्चा हुई और अधिकारियों ने रिपोर्ट पेश की।",
    ],
)
def test_sentences_with_a_date_in_them_are_not_datelines(paragraph: str) -> None:
    assert parse_dateline(paragraph) is None


def test_day_numbers() -> None:
    assert [day_number(d) for d in ("3", "०३", "3rd", "तीन", "पाँच", "पहली", "दसवीं", "इक्कीस")] == [
        3,
        3,
        3,
        3,
        5,
        1,
        10,
        21,
    ]


def test_bracketed_byline_only_before_a_dateline() -> None:
    assert bracketed_byline("(ललित के झा) वाशिंगटन, 12 जून (भाषा) अमेरिका ने") == (
        "(ललित के झा)",
        "वाशिंगटन, 12 जून (भाषा) अमेरिका ने",
    )
    assert bracketed_byline("(भाषा) वाशिंगटन, 12 जून अमेरिका ने") is None
    assert bracketed_byline("(सूत्रों के अनुसार) सरकार जल्द फैसला लेगी।") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("भाषा राजकुमार राजकुमार", "agency_credit"),
        ("भाषा सुरेश, माधव माधव", "agency_credit"),
        ("--आईएएनएस एसकेपी/एबीएम", "agency_credit"),
        ("आईएएनएस एसकेपी/एबीएम", "agency_credit"),
        ("(एजेंसी इनपुट के साथ)", "agency_credit"),
        ("With inputs from PTI", "agency_credit"),
        ("स्रोत: यूनीवार्ता", "agency_credit"),
        ("डिस्क्लेमरः यह आईएएनएस न्यूज फीड से सीधे पब्लिश हुई खबर है।", "disclaimer"),
        ("Disclaimer यह समाचार एजेंसी फीड से लिया गया है।", "disclaimer"),
        ("(यह ख़बर सिंडिकेटेड फ़ीड से ऑटो-पब्लिश की गई है, इसे हमारी टीम ने संपादित नहीं किया है)", "disclaimer"),
        ("(यह खबर आईएएनएस से ली गई है, इसमें हमारी टीम ने कोई बदलाव नहीं किया है)", "disclaimer"),
        ("(This story has not been edited by our staff and is published from a syndicated feed.)", "disclaimer"),
        ("पुलिस ने कहा कि आईएएनएस की खबर पर कोई बदलाव नहीं हुआ और यह सही है।", None),
        ("भाषा विशेषज्ञों ने कहा", None),
        ("भाषा के साथ न्याय", None),
        ("मेटा ने कहा कि न्यूज फीड में दिखने वाली सामग्री के लिए वह जिम्मेदार नहीं है।", None),
    ],
)
def test_tail_kinds(text: str, kind: str | None) -> None:
    assert tail_kind(text) == kind


def test_signoff_is_not_a_line_pattern() -> None:
    """A sign-off is told only by its place: "भाषा विवाद गहराया" in a head or a list is not one."""
    assert is_signoff("भाषा विवाद गहराया")
    assert line_kind("भाषा विवाद गहराया") is None
    assert tail_kind("भाषा विवाद गहराया", signoff=False) is None


@pytest.mark.parametrize(
    ("line", "pieces"),
    [
        ("उन्होंने कहा कि यह सही है। भाषा राजकुमार", ["उन्होंने कहा कि यह सही है। ", "भाषा राजकुमार"]),
        ("दर 2.5 प्रतिशत रही।--आईएएनएस एसकेपी/एबीएम", ["दर 2.5 प्रतिशत रही।", "--आईएएनएस एसकेपी/एबीएम"]),
        ("मंत्री डॉ. एस. के. शर्मा ने कहा कि काम पूरा हुआ है.", ["मंत्री डॉ. एस. के. शर्मा ने कहा कि काम पूरा हुआ है."]),
        (
            "Mr. Smith met the U.S. envoy at 5.30 pm. He left.",
            ["Mr. Smith met the U.S. envoy at 5.30 pm. ", "He left."],
        ),
        ("क्या यह सही है? उन्होंने पूछा... फिर चले गए.", ["क्या यह सही है? ", "उन्होंने पूछा... फिर चले गए."]),
        (
            "काम पूरा हुआ. (इस खबर को टीम ने संपादित नहीं किया है. यह फीड से प्रकाशित है.)",
            ["काम पूरा हुआ. ", "(इस खबर को टीम ने संपादित नहीं किया है. यह फीड से प्रकाशित है.)"],
        ),
        ("बैठक होगी। भाषा सुरेश माधव (यह खबर फीड से है)", ["बैठक होगी। ", "भाषा सुरेश माधव ", "(यह खबर फीड से है)"]),
    ],
)
def test_tail_sentences(line: str, pieces: list[str]) -> None:
    assert tail_sentences(line) == pieces


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("कखग ािे।.?!()\"'-–—/ ँंः0१AaB")), max_size=200))
def test_tail_sentences_lose_nothing(line: str) -> None:
    pieces = tail_sentences(line)
    assert "".join(pieces) == line
    assert all(pieces)


def test_signoff_and_disclaimer_glued_to_the_last_sentence_are_cut_off_it() -> None:
    tail = "भाषा राजकुमार मनीषा मनीषा (इस खबर को हमारी टीम ने संपादित नहीं किया है. यह सीधे एजेंसी फीड से प्रकाशित की गई है.)"
    paragraphs, removed, agency = cleaned(OPENING, MIDDLE, f"{LAST} {tail}")
    assert paragraphs == [OPENING, MIDDLE, LAST]
    assert removed == [("agency_credit", "भाषा राजकुमार मनीषा मनीषा"), ("disclaimer", tail.split(" ", 4)[4])]
    assert agency == "PTI"


def test_a_last_sentence_is_never_cut_when_no_credit_follows_it() -> None:
    ending = "भाषा विशेषज्ञों ने कहा कि स्कूलों में मातृभाषा में पढ़ाई से बच्चों की समझ बेहतर होती है। भाषा बदलती रहती है"
    paragraphs, removed, _ = cleaned(OPENING, MIDDLE, ending)
    assert paragraphs[-1] == ending
    assert not [kind for kind, _ in removed]


def test_agency_from_a_credit_when_no_dateline_parsed() -> None:
    opening = (
        "सरकार ने मंगलवार को शिक्षक भर्ती परीक्षा के तीसरे चरण का परिणाम घोषित कर दिया, जिसमें करीब 66 हजार अभ्यर्थी सफल हुए हैं।"
    )
    assert cleaned(opening, MIDDLE, f"{LAST} (एजेंसी इनपुट के साथ)")[2] == "AGENCY"
    assert cleaned(opening, MIDDLE, LAST, "--आईएएनएस", "एसकेपी/एबीएम")[2] == "IANS"
    assert cleaned(opening, MIDDLE, f"{LAST} भाषा सुरेश माधव")[2] == "PTI"
    assert cleaned(opening, MIDDLE, LAST)[2] is None


def test_desk_credits_are_neither_author_nor_body() -> None:
    result = clean(
        storage_text("\n".join(["सीएनजी एक रुपये महंगी, नई दरें लागू", "जेएनएन, नई दिल्ली", "डिजिटल डेस्क", OPENING, LAST])),
        fetched_at=READ_AT,
    )
    assert result.paragraphs == (OPENING, LAST)
    assert [b.kind for b in result.removed if "डेस्क" in b.text or "जेएनएन" in b.text] == ["byline", "byline"]
    assert result.meta.author is None


def test_an_agency_or_desk_given_as_author_is_no_author() -> None:
    text = storage_text("\n\n".join([OPENING.replace(" (भाषा)", ""), MIDDLE, LAST]))
    for printed, agency in (("Digital Desk", None), ("IANS", "IANS"), ("Press Trust of India", "PTI"), ("JNN", None)):
        meta = clean(text, ArticleMeta(author=printed), fetched_at=READ_AT).meta
        assert (meta.author, meta.agency) == (None, agency), printed
    assert clean(text, ArticleMeta(author="Ratan Gupta"), fetched_at=READ_AT).meta.author == "Ratan Gupta"


def test_ani_dateline_with_the_country_in_square_brackets() -> None:
    found = parse_dateline("नई दिल्ली [भारत], 12 जून (एएनआई): केंद्र सरकार ने")
    assert found is not None
    assert (found.place, found.day, found.month, found.agency) == ("नई दिल्ली", 12, 6, "ANI")


def test_a_signoff_whose_last_name_fell_onto_the_next_line() -> None:
    paragraphs, removed, agency = cleaned(OPENING, MIDDLE, f"{LAST} भाषा सुरभि मनीषा", "मनीषा")
    assert paragraphs == [OPENING, MIDDLE, LAST]
    assert removed == [("agency_credit", "भाषा सुरभि मनीषा"), ("agency_credit", "मनीषा")]
    assert agency == "PTI"
    paragraphs, removed, _ = cleaned(OPENING, MIDDLE, LAST, "भाषा सुरभि मनीषा", "मनीषा")
    assert paragraphs == [OPENING, MIDDLE, LAST]
    assert [kind for kind, _ in removed] == ["agency_credit", "agency_credit"]


def test_a_place_typed_with_a_zero_width_joiner() -> None:
    found = parse_dateline("नई दिल्\u200dली, 4 अप्रैल (आईएएनएस)। कोरोना पर मुख्यमंत्री ने")
    assert found is not None
    assert (found.place, found.day, found.agency) == ("नई दिल्\u200dली", 4, "IANS")


def test_an_agency_in_brackets_counts_only_where_a_dateline_stands() -> None:
    assert agency_in_brackets("नई दिल्ली, चौथी अप्रैल तारीख (आईएएनएस)। कोरोना पर") == "IANS"
    assert agency_in_brackets("स्कूलों में अब बच्चों को उनकी मातृभाषा हिंदी (भाषा) में पढ़ाया जाएगा।") is None
