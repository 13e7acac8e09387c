"""Phrases that mark boilerplate, grouped by the `removed_blocks.kind` they produce.

Patterns are anchored at the start of a line and matched case-insensitively on storage text.
Structure (position, repetition, list shape) does the rest of the work in `clean.py`.
"""

from __future__ import annotations

import regex

_F = regex.IGNORECASE | regex.VERSION1

_AGENCY_WORD = r"(?:आईएएनएस|आइएएनएस|ians|भाषा|वार्ता|एजेंसी|एजेंसियां|यूएनआई|uni|पीटीआई|pti|एएनआई|ani|हि\.\s?स\.?|हिस)"


def _labelled(words: str, tail: int) -> regex.Pattern[str]:
    """A line that is one of `words`, alone or followed by a separator and at most `tail` characters."""
    return regex.compile(rf"^(?:{words})(?:\s*[:：\-–|>»]\s*.{{0,{tail}}}|\s*)$", _F)


_SOCIAL = r"(?:whatsapp|facebook|twitter|telegram|linkedin|instagram|koo|email|e-mail|print|copy\s+link|x)"

# A line that is only this kind of boilerplate: (kind, pattern, the longest line it can match, if bounded).
# Order matters: the first match wins.
LINE_PATTERNS: list[tuple[str, regex.Pattern[str], int | None]] = [
    ("disclaimer", _labelled(r"अस्वीकरण|डिस्क्लेमर|डिसक्लेमर|disclaimer", 2000), None),
    (
        "disclaimer",
        regex.compile(
            r"^(?:यह|ये)\s+(?:खबर|ख़बर|न्यूज़?|समाचार|लेख)\s+(?:सीधे\s+)?(?:\S+\s+){0,2}(?:सिंडिकेट|ऑटो|एजेंसी)\s+फ़?[ीि]ड", _F
        ),
        None,
    ),
    (
        "disclaimer",
        regex.compile(r"^इस\s+(?:खबर|ख़बर|न्यूज़?|समाचार|लेख)\s+(?:को|में)\s+.{0,60}(?:टीम|स्टाफ)\s+(?:ने|द्वारा)", _F),
        None,
    ),
    (
        "related",
        _labelled(
            r"more\s+news|related(?:\s+(?:news|stories|articles|posts))?|also\s+read|read\s+also|must\s+read|"
            r"latest\s+news|top\s+news|trending(?:\s+(?:now|news|stories))?|you\s+may\s+also\s+like|"
            r"(?:यह|ये|इसे|इन्हें)\s+भी\s+पढ़(?:ें|े|िए)|संबंधित\s+(?:खबरें|ख़बरें|समाचार|लेख|ख़बर|खबर)|"
            r"ताज़?ा\s+(?:खबरें|ख़बरें|समाचार|अपडेट)|ट्रेंडिंग(?:\s+(?:न्यूज़?|खबरें))?|टॉप\s+(?:न्यूज़?|खबरें)|"
            r"अन्य\s+(?:खबरें|ख़बरें)|और\s+भी\s+(?:खबरें|ख़बरें)|सबसे\s+ज़?ज्यादा\s+पढ़ी\s+गईं?",
            300,
        ),
        400,
    ),
    ("agency_credit", regex.compile(r"^[-–—]+\s*" + _AGENCY_WORD + r"(?:\s*[/|,].{0,40})?$", _F), 140),
    ("agency_credit", regex.compile(r"^\(?\s*" + _AGENCY_WORD + r"\s*\)?\s*[।.|]?$", _F), 140),
    ("agency_credit", regex.compile(r"^(?:हिन्दुस्थान|हिंदुस्थान)\s+समाचार\s*(?:[/|,].{0,80})?$", _F), 140),
    ("agency_credit", regex.compile(r"^\(?\s*(?:इनपुट|input)\s*[:：\-–]\s*.{1,40}\)?$", _F), 140),
    ("agency_credit", regex.compile(r"(?-i:^[\p{Devanagari}A-Z]{2,8}(?:\s*/\s*[\p{Devanagari}A-Z]{2,8}){1,3}$)"), 60),
    (
        "byline",
        regex.compile(r"^(?:by|written\s+by|edited\s+by|posted\s+by|reported\s+by)\s*[:：\-–]?\s*(?:\S+\s*){1,8}$", _F),
        200,
    ),
    ("byline", _labelled(r"author|लेखक|लेखिका|रिपोर्ट|रिपोर्टर|संवाददाता|एडिटेड\s+बाय|रिपोर्टेड\s+बाय", 80), 150),
    (
        "timestamp",
        _labelled(
            r"created\s+on|published(?:\s+(?:on|at|date))?|updated(?:\s+(?:on|at))?|last\s+updated|"
            r"first\s+published|posted\s+(?:on|at)|date|प्रकाशित(?:\s+(?:तिथि|तारीख|समय))?|अपडेटेड?|"
            r"अपडेट\s+किया\s+गया|अद्यतन|प्रकाशन\s+(?:तिथि|तारीख)",
            80,
        ),
        180,
    ),
    (
        "timestamp",
        regex.compile(
            r"^(?:.{0,40}?\d)?\s*\d+\s*(?:hours?|hrs?|minutes?|mins?|days?|weeks?|seconds?|secs?)\s+ago$|"
            r"^\d+\s*(?:घंटे|घंटा|मिनट|दिन|सप्ताह|हफ्ते|सेकंड)\s+पहले$",
            _F,
        ),
        120,
    ),
    ("tags", _labelled(r"tags?|टैग्स?|टॉपिक्स?|topics?|keywords?|कीवर्ड्स?", 300), 360),
    (
        "share",
        _labelled(
            r"share(?:\s+(?:this|on|via|article|story|news))?|शेयर\s+करें|follow\s+us(?:\s+on)?|फ़?फॉलो\s+करें|"
            r"हमें\s+फ़?फॉलो\s+करें|subscribe|सब्सक्राइब\s+करें",
            120,
        ),
        180,
    ),
    (
        "share",
        regex.compile(r"^(?:हमें\s+)?(?:google|गूगल)\s+(?:news|न्यूज़?)\s+पर\s+.{0,60}(?:फ़?फॉलो|follow|जुड़ें|सब्सक्राइब)", _F),
        200,
    ),
    ("share", regex.compile(rf"^{_SOCIAL}(?:[\s,|/·•]+{_SOCIAL})*$", _F), 200),
    (
        "comment_prompt",
        regex.compile(
            r"^(?:have\s+something\s+to\s+say\??(?:\s+post\s+your\s+opinion)?|post\s+your\s+(?:opinion|comment)|"
            r"leave\s+a\s+(?:comment|reply)|\d*\s*comments?|कमेंट्स?|"
            r"अपनी\s+राय\s+(?:दें|लिखें|बताएं|साझा\s+करें|कमेंट\s+में)|(?:कमेंट|टिप्पणी|प्रतिक्रिया)\s+(?:करें|लिखें|दें))"
            r"[\s.!?:।]*$",
            _F,
        ),
        150,
    ),
    (
        "navigation",
        _labelled(
            r"next\s+(?:story|article)|previous\s+(?:story|article)|और\s+पढ़ें(?:\s*कम\s+पढ़ें)?|कम\s+पढ़ें|"
            r"read\s+(?:more|less)|open\s+in\s+app|(?:ऐप|एप)\s+(?:में|पर)\s+(?:पढ़ें|खोलें|देखें)|"
            r"back\s+to\s+top|click\s+here|यहां\s+क्लिक\s+करें|advertisement|विज्ञापन|स्क्रॉल\s+करें|"
            r"home|होम|(?:आगे|अगली)\s+(?:की\s+)?(?:खबर|ख़बर|स्टोरी)",
            80,
        ),
        160,
    ),
    ("navigation", _labelled(r"web\s+title", 400), 460),
    (
        "other",
        regex.compile(r"^(?:©|\(c\)\s|copyright\b|कॉपीराइट|सर्वाधिकार\s+सुरक्षित|all\s+rights\s+reserved)", _F),
        None,
    ),
    ("other", regex.compile(r"<%|%>|\{\{|\}\}|</?[a-z][^>]*>|&nbsp;|\bfunction\s*\(|^\s*var\s+\w+\s*=", _F), None),
    ("other", regex.compile(r"^[^\p{L}\p{N}]+$"), None),
]

# Section names that appear as a label above a title or as a "label:" prefix on it.
SECTION_WORDS = regex.compile(
    r"^(?:international|national|world|india|business|sports?|entertainment|politics|technology|tech|"
    r"lifestyle|health|education|opinion|news|breaking|exclusive|देश|विदेश|दुनिया|राज्य|राजनीति|खेल|"
    r"मनोरंजन|व्यापार|बिज़?जनेस|कारोबार|टेक|तकनीक|स्वास्थ्य|शिक्षा|अंतरराष्ट्रीय|अंतर्राष्ट्रीय|राष्ट्रीय|"
    r"कूटनीति|विचार|बड़ी\s+खबर|ब्रेकिंग|एक्सक्लूसिव|लाइव)$",
    _F,
)

# Headers that open a list whose following short lines belong to the same kind.
LIST_HEADER_KINDS = frozenset({"related", "tags"})


def line_kind(line: str) -> str | None:
    """The boilerplate kind a whole line belongs to, by its wording alone."""
    length = len(line)
    for kind, pattern, longest in LINE_PATTERNS:
        if (longest is None or length <= longest) and pattern.search(line):
            return kind
    return None
