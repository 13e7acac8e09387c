"""Search text: articles and queries folded alike, so a search is blind to Hindi spelling variants."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from khabar.text.normalize import match_key, nfc

# A quoted phrase: straight or typographic double quotes.
_PHRASE = regex.compile(r'"([^"]*)"|“([^”]*)”')


def search_key(text: str | None) -> str:
    """`text` as the search index holds it: NFC, then folded as matching folds it (nukta dropped,
    chandrabindu as anusvara, Devanagari digits as ASCII, zero-width characters dropped, casefolded),
    words separated by single spaces. '' for None."""
    return match_key(nfc(text)) if text else ""


@dataclass(frozen=True)
class SearchQuery:
    terms: str  # every word of the query, folded, for BM25
    phrases: tuple[str, ...]  # quoted phrases, folded: a hit must contain each, word for word
    whole: str  # the words as typed, in order: a hit holding them as a phrase ranks first

    @property
    def empty(self) -> bool:
        return not self.terms


def parse_query(query: str) -> SearchQuery:
    """Words and "quoted phrases" of a query, folded as the index is."""
    phrases = tuple(
        key for match in _PHRASE.finditer(query) if (key := search_key(match.group(1) or match.group(2) or ""))
    )
    terms = search_key(query)
    return SearchQuery(terms=terms, phrases=phrases, whole=terms if " " in terms else "")
