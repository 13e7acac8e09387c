"""Phrases that mark boilerplate, grouped by the `removed_blocks.kind` they produce.

Patterns are anchored at the start of a line and matched case-insensitively on storage text.
Structure (position, repetition, list shape) does the rest of the work in `clean.py`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import regex

_F = regex.IGNORECASE | regex.VERSION1


def compile_nfc(pattern: str, flags: int = _F) -> regex.Pattern[str]:
    """Compile a pattern written with any nukta form against NFC text (where क़ is क + ़)."""
    return regex.compile(unicodedata.normalize("NFC", pattern), flags)


# Wire agencies as Indian outlets print them: in a dateline "(भाषा)", a credit "पीटीआई-भाषा", a trailer
# "--आईएएनएस", JSON-LD "Press Trust of India". Longer spellings first: an alternation takes the first that fits.
AGENCIES = {
    "IANS": r"आईएएनएस|आइएएनएस|आई\.\s?ए\.\s?एन\.\s?एस\.?|ians|indo[-\s]asian\s+news\s+service",
    "HS": r"हिन्दुस्थान\s+समाचार|हिंदुस्थान\s+समाचार|hindusthan\s+samachar|हि\.?\s?स\.?",
    "PTI": r"पीटीआई(?:\s?[-–/]\s?भाषा)?|भाषा|pti(?:\s?[-–/]\s?bhasha)?|bhasha|press\s+trust\s+of\s+india",
    "UNI": r"यूनी\s?वार्ता|यूनि\s?वार्ता|वार्ता|यूएनआई|यू\.\s?एन\.\s?आई\.?|uni\s?varta|uni|united\s+news\s+of\s+india",
    "ANI": r"एएनआई|ए\.\s?एन\.\s?आई\.?|ani|asian\s+news\s+international",
    "AGENCY": r"एजेंसी|एजेंसियां|एजेंसियों|agency|agencies",
}
_AGENCY_WORD = "(?:" + "|".join(AGENCIES.values()) + ")"
_SEP = r"[:：\-–|>».…]"
# Desk initials under agency copy: "एसकेपी/एबीएम", "RS/", "एबीएस/" (case kept: capitals only).
_INITIALS = r"(?-i:[\p{Devanagari}A-Z]{2,8}(?:\s*/\s*[\p{Devanagari}A-Z]{2,8}){0,3}\s*/?)"
# An outlet's own desks and networks sign copy too ("जेएनएन", "राज्य ब्यूरो", "डिजिटल डेस्क"): credits, not people.
DESK = r"(?:(?:[\p{L}\p{M}]+\s+){0,2}(?:डेस्क|ब्यूरो|desk|bureau)|जेएनएन|jnn|जागरण\s+न्यूज़?\s+नेटवर्क)"
# A syndication disclaimer names a feed or an agency, disowns the copy, and speaks of itself ("यह खबर", "टीम").
_FEED = (
    r"(?:फ\u093c?ीड|\bfeeds?\b|सि(?:ं|न्)ड(?:ि|ी)केट|syndicat|ऑटो[-\s]?(?:पब्लिश|जनरेट|जेनरेट)|auto[-\s]?(?:publish|generat)|"
    r"एजेंसी\s+(?:इनपुट|से\s+(?:ली|प्राप्त|मिली))|(?:न्यूज़?|समाचार)\s+एजेंसी|"
    r"(?<![\p{L}\p{M}])(?:आईएएनएस|आइएएनएस|पीटीआई|यूएनआई|एएनआई|यूनीवार्ता)(?![\p{L}\p{M}])|(?-i:\b(?:IANS|PTI|ANI|UNI)\b))"
)
_DISOWN = (
    r"(?:(?:संपादित|सम्पादित|संपादन|सम्पादन|एडिट|एडिटिंग|बदलाव|परिवर्तन|संशोधन|छेड़छाड़)[^।.]{0,40}?नहीं|"
    r"नहीं\s+(?:किया|की|किए)[^।.]{0,20}?(?:संपादित|सम्पादित|बदलाव|परिवर्तन)|ज\u093c?िम्मेदार|ज\u093c?िम्मेवार|उत्तरदायी|"
    r"not\s+(?:been\s+)?edited|unedited|responsib|reworked|सीधे\s+(?:प्रकाशित|पब्लिश)|"
    r"(?:प्रकाशित|पब्लिश)\s+(?:की|किया|हुई|हुआ|होती|होता)|अपने[-\s]आप|published\s+(?:from|directly|via|through|as))"
)
_SELF = (
    r"(?:(?:यह|ये|इस|इसे|इसमें|इसको|इसके|उक्त)\s+(?:[\p{L}\p{M}]+\s+){0,2}?"
    r"(?:खबर|ख़बर|न्यूज़?|समाचार|लेख|रिपोर्ट|स्टोरी|कंटेंट|सामग्री|आर्टिकल)|"
    r"\bthis\s+(?:\w+\s+)?(?:story|article|report|news|content|copy)|टीम|स्टाफ|\bstaff\b|\bteam\b|\.com\b|\.in\b)"
)
FEED, DISOWN, SELF = (compile_nfc(pattern) for pattern in (_FEED, _DISOWN, _SELF))
_DISCLAIMER_WORD = r"अस्वीकरण|डिस्क्लेमर|डिसक्लेमर|disclaimer"


def _labelled(words: str, tail: int) -> regex.Pattern[str]:
    """A line that is one of `words`, alone or followed by a separator and at most `tail` characters."""
    return compile_nfc(rf"^(?:{words})(?:\s*{_SEP}+\s*.{{0,{tail}}}|\s*)$")


def _alone(words: str) -> regex.Pattern[str]:
    """A line that is one of `words` and nothing else but punctuation."""
    return compile_nfc(rf"^(?:{words})[\s:।.!]*$")


_SOCIAL = r"(?:whatsapp|facebook|twitter|telegram|linkedin|instagram|koo|email|e-mail|print|copy\s+link|x)"
_HOME = r"(?:home|होम|hindi\s+news|हिंदी\s+न्यूज़|हिन्दी\s+न्यूज़|news|न्यूज़)"

# A line that is only this kind of boilerplate: (kind, pattern, the longest line it can match, if bounded,
# and optionally the words the line must contain for the pattern to match, ignoring case: any one of them, or
# of a tuple all: a cheap test that spares the patterns that could match almost any line start). Order
# matters: the first match wins.
LINE_PATTERNS: list[
    tuple[str, regex.Pattern[str], int | None]
    | tuple[str, regex.Pattern[str], int | None, tuple[str | tuple[str, ...], ...]]
] = [
    # Headed, whatever follows the heading word: a colon, a visarga, a dash, a bracket or nothing.
    ("disclaimer", compile_nfc(rf"^[(\[*]?\s*(?:{_DISCLAIMER_WORD})(?:\s*[:：ः\-–—|.)\]]|\s|$)"), None),
    (
        "related",
        _labelled(
            r"more\s+news|related(?:\s+(?:news|stories|articles|posts))?|also\s+read|read\s+also|must\s+read|"
            r"latest\s+news|top\s+news|trending(?:\s+(?:now|news|stories|photos|videos))?|you\s+may\s+also\s+like|"
            r"(?:यह|ये|इसे|इन्हें)\s+भी\s+पढ़(?:ें|े|िए)|संबंधित\s+(?:खबरें|ख़बरें|समाचार|लेख|ख़बर|खबर)|"
            r"ताज़ा\s+(?:खबरें|ख़बरें|समाचार|अपडेट|न्यूज़)|ट्रेंडिंग(?:\s+(?:न्यूज़|खबरें|वीडियो))?|"
            r"टॉप\s+(?:न्यूज़|खबरें)|अन्य\s+(?:खबरें|ख़बरें)|और\s+भी\s+(?:खबरें|ख़बरें)|(?:खबरें|ख़बरें)\s+और\s+भी\s+हैं|"
            r"स(?:म्ब|ंब)ंधित\s+(?:जानकारी|वीडियो)|सबसे\s+ज़्यादा\s+पढ़ी\s+गईं?|"
            r"featured\s+video(?:\s+of\s+the\s+day)?|(?:latest|top)\s+videos?|वीडियो\s+गैलरी|फोटो\s+गैलरी",
            300,
        ),
        400,
    ),
    # "--आईएएनएस", "-- आईएएनएस एसकेपी/एबीएम", "—भाषा", "आईएएनएस/एसकेपी".
    ("agency_credit", compile_nfc(rf"^[-–—]+\s*{_AGENCY_WORD}(?:\s*[/|,].{{0,40}}|\s+{_INITIALS})?$"), 140),
    ("agency_credit", compile_nfc(rf"^{_AGENCY_WORD}\s+{_INITIALS.replace('{0,3}', '{1,3}')}$"), 80, ("/",)),
    ("agency_credit", compile_nfc(r"^\(?\s*" + _AGENCY_WORD + r"\s*\)?\s*[।.|]?$"), 140),
    ("agency_credit", compile_nfc(r"^(?:हिन्दुस्थान|हिंदुस्थान)\s+समाचार\s*(?:[/|,].{0,80})?$"), 140),
    ("agency_credit", compile_nfc(r"^[(\[]?\s*(?:इनपुट|input)s?\s*[:：\-–]\s*.{1,40}[)\]]?$"), 140),
    ("agency_credit", compile_nfc(rf"^[(\[]?\s*(?:स्रोत|source)\s*[:：\-–]\s*{_AGENCY_WORD}\s*[)\]]?[।.]?$"), 140),
    # "(एजेंसी इनपुट के साथ)", "(भाषा के इनपुट सहित)", "With inputs from PTI", "(With agency inputs)".
    (
        "agency_credit",
        compile_nfc(
            rf"^[(\[]?\s*(?:(?:with\s+)?(?:inputs?\s+from\s+.{{1,40}}|(?:{_AGENCY_WORD}\s+)+inputs?)|"
            rf"(?:{_AGENCY_WORD}|(?:न्यूज़?|समाचार)\s+एजेंसी)(?:\s*(?:,|/|और|व)\s*{_AGENCY_WORD})*\s+(?:के\s+)?"
            r"(?:इनपुट्?स?)(?:\s+के\s+साथ|\s+सहित)?)\s*[)\]]?\s*[।.]?$"
        ),
        140,
        ("input", "इनपुट"),
    ),
    (
        "agency_credit",
        compile_nfc(r"(?-i:^[\p{Devanagari}A-Z]{2,8}(?:\s*/\s*[\p{Devanagari}A-Z]{2,8}){0,3}\s*/$)"),
        60,
        ("/",),
    ),
    (
        "agency_credit",
        compile_nfc(r"(?-i:^[\p{Devanagari}A-Z]{2,8}(?:\s*/\s*[\p{Devanagari}A-Z]{2,8}){1,3}$)"),
        60,
        ("/",),
    ),
    (
        "byline",
        compile_nfc(
            r"^(?:by|written\s+by|authored\s+by|edited\s+by|posted\s+by|reported\s+by|published\s+by)\s*[:：\-–]?\s*[^|।]{1,60}(?:\|.{0,120})?$"
        ),
        200,
    ),
    (
        "byline",
        compile_nfc(r"^(?:[\p{L}\p{M}]+\s+)?(?:संवाददाता|ब्यूरो),\s*[\p{L}\p{M}\s]{2,30}$"),
        60,
        ("संवाददाता", "ब्यूरो"),
    ),
    # A desk's credit alone or with its place: "जेएनएन", "डिजिटल डेस्क, नई दिल्ली", "राज्य ब्यूरो, पटना :".
    (
        "byline",
        compile_nfc(rf"^(?:by\s*:?\s*)?{DESK}(?:\s*[,|:।]\s*[\p{{L}}\p{{M}}\s]{{2,30}})?\s*[।.:ः]?$"),
        70,
        ("डेस्क", "ब्यूरो", "desk", "bureau", "जेएनएन", "jnn", "नेटवर्क"),
    ),
    ("byline", _labelled(r"author|लेखक|लेखिका|रिपोर्ट|रिपोर्टर|संवाददाता|एडिटेड\s+बाय|रिपोर्टेड\s+बाय", 80), 150),
    (
        "timestamp",
        _labelled(
            r"created\s+on|published(?:\s+(?:on|at|date))?|publish\s+date|updated(?:\s+(?:on|at|date))?|last\s+updated|"
            r"first\s+published|posted\s+(?:on|at)|date|प्रकाशित(?:\s+(?:तिथि|तारीख|समय))?|अपडेटेड?|"
            r"अपडेट\s+किया\s+गया|अद्यतन|प्रकाशन\s+(?:तिथि|तारीख)",
            100,
        ),
        200,
    ),
    (
        "timestamp",
        compile_nfc(
            r"^(?:.{0,40}?\d)?\s*\d+\s*(?:hours?|hrs?|minutes?|mins?|days?|weeks?|seconds?|secs?)\s+ago$|"
            r"^.{0,30}?\d+\s*(?:घंटे|घंटा|मिनट|दिन|सप्ताह|हफ्ते|सेकंड)\s+पहले$"
        ),
        120,
        ("ago", "पहले"),
    ),
    ("tags", _labelled(r"tags?|टैग(?:्स)?|टॅग(?:्स)?|टॉपिक(?:्स)?|topics?|keywords?|कीवर्ड(?:्स)?", 300), 360),
    ("tags", compile_nfc(r"(?-i:^TAGS(?=\p{Lu}))"), 400),
    (
        "share",
        _labelled(
            r"share(?:\s+(?:this|on|via|article|story|news|post))?|शेयर(?:\s+करें)?|follow\s+us(?:\s+on)?(?:\s+google\s+news)?|"
            r"(?:हमें\s+)?फ\u093c?ॉलो\s+करें|subscribe|सब्सक्राइब\s+करें|copy\s+link|link\s+copied|कॉपी\s+लिंक|"
            r"लिंक\s+कॉपी|इस\s+खबर\s+को\s+सुनें|listen\s+to\s+this\s+(?:article|story)|whatsapp\s+channel\s+से\s+जुड़ें",
            120,
        ),
        180,
    ),
    (
        "share",
        compile_nfc(r"^(?:हमें\s+)?(?:google|गूगल)\s+(?:news|न्यूज़)\s+पर\s+.{0,60}(?:फ\u093c?ॉलो|follow|जुड़ें|सब्सक्राइब)"),
        200,
    ),
    ("share", compile_nfc(rf"^{_SOCIAL}(?:[\s,|/·•]+{_SOCIAL})*$"), 200),
    (
        "comment_prompt",
        compile_nfc(
            r"^(?:have\s+something\s+to\s+say\??(?:\s+post\s+your\s+opinion)?|post\s+your\s+(?:opinion|comment)|"
            r"leave\s+a\s+(?:comment|reply)|\d*\s*comments?|कमेंट(?:्स)?|"
            r"अपनी\s+राय\s+(?:दें|लिखें|बताएं|साझा\s+करें|कमेंट\s+में)|(?:कमेंट|टिप्पणी|प्रतिक्रिया)\s+(?:करें|लिखें|दें))"
            r"[\s.!?:।]*$"
        ),
        150,
    ),
    (
        "navigation",
        _labelled(
            r"next\s+(?:story|article)|previous\s+(?:story|article)|और\s+पढ़ें(?:\s*कम\s+पढ़ें)?|कम\s+पढ़ें|"
            r"read\s+(?:more|less)|open\s+in\s+app|(?:ऐप|एप)\s+(?:में|पर)\s+(?:पढ़ें|खोलें|देखें)|"
            r"(?:ऐप|एप)\s+(?:खोलें|डाउनलोड\s+करें)|back\s+to\s+top|click\s+here|यहां\s+क्लिक\s+करें|advertisement|विज्ञापन|"
            r"स्क्रॉल\s+करें|(?:आगे|अगली)\s+(?:की\s+)?(?:खबर|ख़बर|स्टोरी)",
            80,
        ),
        160,
    ),
    ("navigation", _alone(rf"{_HOME}|विस्तार|सार|home\p{{Ll}}+"), 60),
    ("navigation", compile_nfc(rf"^{_HOME}\s*[›»>/|]"), 300),
    ("navigation", compile_nfc(r"^[^।?!›»]{1,80}(?:[›»][^।?!›»]{1,80}){1,6}$"), 400, ("›", "»")),
    ("navigation", _labelled(r"web\s+title", 400), 460),
    (
        "other",
        compile_nfc(
            r"^(?=.*(?:hindi\s+news|news\s+in\s+hindi|hindi\s+samachar))"
            r"(?=.*(?:\bapp\b|ऐप|डाउनलोड|सबसे\s+पहले|जुड़े\s+रहें|network|live\s+updates|लेटेस्ट|latest|get\s+all))"
        ),
        320,
        ("hindi",),
    ),
    ("other", compile_nfc(r"^.{10,120}(?:ऐप|app)\s+डाउनलोड\s+करें[।.!]*$"), 200, ("डाउनलोड",)),
    ("other", compile_nfc(r"^(?:©|\(c\)\s|copyright\b|कॉपीराइट|सर्वाधिकार\s+सुरक्षित|all\s+rights\s+reserved)"), None),
    (
        "other",
        compile_nfc(r"<%|%>|\{\{|\}\}|</?[a-z][^>]*>|&nbsp;|\bfunction\s*\(|^\s*var\s+\w+\s*="),
        None,
        ("<", "%", "{", "}", "&", "=", ("(", "function")),
    ),
    ("other", compile_nfc(r"^[^\p{L}\p{N}]+$|^\d{1,2}:\d{2}$"), None),
]


# Section names that appear as a label above a title or as a "label:" prefix on it.
SECTION_WORDS = compile_nfc(
    r"^(?:international|national|world|india|business|sports?|entertainment|politics|technology|tech|"
    r"lifestyle|health|education|opinion|news|breaking|exclusive|देश|विदेश|दुनिया|राज्य|राजनीति|खेल|"
    r"मनोरंजन|व्यापार|बिज़?जनेस|कारोबार|टेक|तकनीक|स्वास्थ्य|शिक्षा|अंतरराष्ट्रीय|अंतर्राष्ट्रीय|राष्ट्रीय|"
    r"कूटनीति|विचार|बड़ी\s+खबर|ब्रेकिंग|एक्सक्लूसिव|लाइव|सेहत|लाइफस्टाइल|क्रिकेट|बॉलीवुड|ऑटो|करियर|धर्म|"
    r"उत्तर\s+प्रदेश|बिहार|दिल्ली|मध्य\s+प्रदेश|राजस्थान|झारखंड|उत्तराखंड|महाराष्ट्र|गुजरात|पंजाब|हरियाणा)$"
)

# Words of an outlet's name ("Zee News Hindi", "लाइव हिन्दुस्तान", "Amar Ujala.com").
SITE_WORDS = compile_nfc(
    r"\.com|\.in\b|news|times|khabar|samachar|न्यूज़?|समाचार|खबर|उजाला|जागरण|भास्कर|हिन्दुस्तान|हिंदुस्तान|केसरी"
)

# The last sentence of a standfirst, telling the reader what the article holds ("…। जानिए इसके लक्षण।").
TEASER_END = compile_nfc(
    r"[।.?!]\s+(?:जानिए|जानिये|जानें|पढ़िए|पढ़ें|देखिए|देखें|know|find\s+out|read\s+on)\s[^।.?!]{3,80}[।.?!]?$"
)

# Words that join a phrase and never stand in a person's name.
JOINING_WORDS = frozenset(
    unicodedata.normalize(
        "NFC",
        "का की के में पर से को ने और है हैं था थी तक लिए भी ही नहीं करें करे जुड़ें पढ़ें देखें of the on in and for",
    ).split()
)

# Headers that open a list whose following short lines belong to the same kind.
LIST_HEADER_KINDS = frozenset({"related", "tags"})


_CHECKS = [(kind, pattern, longest, rest[0] if rest else ()) for kind, pattern, longest, *rest in LINE_PATTERNS]
# Alternatives, each of words that must all occur, each with whether it is a word of letters with case.
Required = tuple[tuple[tuple[str, bool], ...], ...]


@lru_cache(maxsize=1 << 12)
def _checks_for(first: str) -> list[tuple[str, regex.Pattern[str], int | None, Required]]:
    """The checks whose pattern can match a line starting with `first`: most patterns begin with a word, and a
    partial match on one character rules them out for lines that start otherwise."""
    return [
        (kind, pattern, longest, _required(needs))
        for kind, pattern, longest, needs in _CHECKS
        if pattern.search(first, partial=True)
    ]


def _required(needs: tuple[str | tuple[str, ...], ...]) -> Required:
    alternatives = ((words,) if isinstance(words, str) else words for words in needs)
    return tuple(tuple((word, word.isascii() and word.isalpha()) for word in words) for words in alternatives)


def line_kind(line: str, key: str | None = None) -> str | None:
    """The boilerplate kind a whole line belongs to, by its wording alone. `key`, the line's match_key if known,
    spares casefolding the line: a word of letters in the casefolded line is in the key too."""
    length = len(line)
    for kind, pattern, longest, needs in _checks_for(line[:1]):
        if (
            (longest is None or length <= longest)
            and (not needs or _has_words(line, key, needs))
            and pattern.search(line)
        ):
            return kind
    return None


def _has_words(line: str, folded: str | None, needs: Required) -> bool:
    for words in needs:
        for word, cased in words:
            if cased:
                folded = line.casefold() if folded is None else folded
                if word not in folded:
                    break
            elif word not in line:
                break
        else:
            return True
    return False


# PTI-Bhasha's sign-off after the last sentence: the agency and its editors' names, often repeated
# ("भाषा राजकुमार राजकुमार", "भाषा सुरेश माधव माधव"). Only where an article ends, never in its text.
_SIGNOFF = compile_nfc(
    r"(?-i:^(?:पीटीआई\s?[-–]?\s?)?भाषा(?P<names>(?:[\s,]+[\p{Devanagari}&&[\p{L}\p{M}]]{2,16}){1,6})\s*$)"
)


def is_signoff(text: str) -> bool:
    """An agency's editors' sign-off slug: the agency, then names and nothing else."""
    match = _SIGNOFF.match(text)
    return match is not None and not JOINING_WORDS.intersection(match["names"].replace(",", " ").split())


# Kinds a sentence at the end of an article's last line may have, cut off it when its wording shows it.
TAIL_KINDS = frozenset({"agency_credit", "disclaimer"})


def tail_kind(sentence: str, signoff: bool = True) -> str | None:
    """The boilerplate kind of a sentence that ends an article's last line: a credit, a disclaimer, or (where
    `signoff`, right after the article's last sentence) an agency's sign-off."""
    kind = line_kind(sentence)
    if kind in TAIL_KINDS:
        return kind
    if opens_disclaimer(sentence):
        return "disclaimer"
    return "agency_credit" if signoff and is_signoff(sentence) else None


# Parts of every word for a feed and every disclaimer heading, in the cases they are printed in.
_FEED_WORDS = (
    *("फीड", "फ\u093cीड", "सिंडि", "सिंडी", "सिन्डि", "ऑटो", "एजेंसी", "स्क्लेमर", "अस्वीकरण"),
    *("आईएएनएस", "आइएएनएस", "पीटीआई", "यूएनआई", "एएनआई", "यूनीवार्ता", "IANS", "PTI", "ANI", "UNI"),
    *(
        spelling
        for word in ("feed", "syndicat", "auto", "disclaimer")
        for spelling in (word, word.title(), word.upper())
    ),
)


# The standard engine scans for a set of literals faster than `regex` or a loop of substring tests.
_FEED_LITERALS = re.compile("|".join(map(re.escape, _FEED_WORDS)))


def may_disclaim(text: str) -> bool:
    """Whether `text` can hold a disclaimer: it has a feed's word or a disclaimer's heading (a cheap test)."""
    return _FEED_LITERALS.search(text) is not None


_CUE = compile_nfc(f"{_FEED}|{_DISOWN}|{_SELF}")
OPENING_CUE = 60  # characters: a disclaimer speaks of the feed, the copy or itself from its first words
LONGEST_DISCLAIMER = 500


def opens_disclaimer(text: str) -> bool:
    """A syndication disclaimer in an outlet's own words, unheaded: it names a feed, disowns the copy and speaks
    of the article itself, from its first words on (a sentence that mentions a news feed does not open so)."""
    if len(text) > LONGEST_DISCLAIMER or not may_disclaim(text) or not is_disclaimer(text):
        return False
    cue = _CUE.search(text)
    return cue is not None and cue.start() <= OPENING_CUE


def disclaimer_cue(sentence: str) -> bool:
    """A sentence that may belong to a disclaimer: it names a feed, disowns, or speaks of the article."""
    return _CUE.search(sentence) is not None


def is_disclaimer(text: str) -> bool:
    """Sentences that together name a feed, disown the copy and speak of the article itself."""
    return all(pattern.search(text) for pattern in (FEED, DISOWN, SELF))
