"""Sentences of one line of text, for cutting a sign-off or a disclaimer off the end of a paragraph.

Flattened pages glue the agency's sign-off and the outlet's disclaimer to the article's last sentence on
one line. `tail_sentences` splits such a line where a sentence ends, and nowhere else, so that the caller
can drop whole trailing sentences and keep every sentence of the article whole.
"""

from __future__ import annotations

import unicodedata

import regex

# A sentence ends after a danda (।, ॥), a full stop, a question mark or an exclamation mark, with any closing
# quotes or brackets that follow it. A danda or ? ! ends a sentence even when no space follows (flattened
# pages glue "…कहा।भाषा राजकुमार"); a full stop only before a space, and never after an abbreviation or an
# initial ("डॉ. शर्मा", "Mr. Singh", "एस. के. शर्मा"), inside a number (2.5) or in an ellipsis ("...").
_END = regex.compile(r"(?:[।॥]+|[?!？！]+|(?<![.…])\.(?![.\d]))[\"'”’»)\]」]*")
# Words that end in a full stop without ending the sentence.
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof st jr sr lt col gen capt no vs etc inc ltd co govt dept sh smt shri km rs "
    "डॉ प्रो श्री श्रीमती सुश्री कु मो स्व सं ले मि रु "
    # Latin letters as Hindi spells them, the initials of names ("एस. के. शर्मा", "पी. चिदंबरम").
    "ए बी सी डी ई एफ जी एच आई जे के एल एम एन ओ पी क्यू आर एस टी यू वी डब्ल्यू एक्स वाई जेड"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
LONGEST_ASIDE = 400  # characters: a bracket left open longer than this is a stray, not an aside


def tail_sentences(line: str) -> list[str]:
    """The sentences of `line`, in order; joined they give `line` back exactly (each keeps the spaces after it).

    A sentence inside brackets stays with its aside: "(इस खबर को … नहीं किया है. यह … की गई है.)" is one
    piece, so a bracketed disclaimer of two sentences is judged whole.
    """
    pieces: list[str] = []
    start = 0
    depth, opened = 0, 0
    scan = 0
    bracketed = "(" in line or "[" in line
    for match in _END.finditer(line):
        end = match.end()
        if bracketed:  # brackets closed by the stop's own closers count: "…की गई है.)"
            opening = line.count("(", scan, end) + line.count("[", scan, end)
            if opening and not depth:
                opened = min(i for i in (line.find("(", scan, end), line.find("[", scan, end)) if i >= 0)
            depth = max(depth + opening - line.count(")", scan, end) - line.count("]", scan, end), 0)
        scan = end
        if depth and match.start() - opened > LONGEST_ASIDE:
            depth = 0
        if depth or not _ends_sentence(line, start, match):
            continue
        while end < len(line) and line[end].isspace():
            end += 1
        if end < len(line):
            pieces.append(line[start:end])
            start = end
    pieces.append(line[start:])
    last = _final_aside(pieces[-1])
    if last:  # "…कहा। भाषा राजकुमार (इस खबर को … प्रकाशित की गई है)": the closing aside is a piece of its own
        pieces[-1:] = [pieces[-1][:last], pieces[-1][last:]]
    return [piece for piece in pieces if piece]


def _final_aside(piece: str) -> int:
    """Where a bracketed aside that ends `piece` opens, after a space; 0 when there is none."""
    end = piece.rstrip().rstrip("।॥.?!")
    if not end.endswith(")"):
        return 0
    depth = 0
    for i in range(len(end) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(end[i], 0)
        if depth == 0:
            return i if i > 0 and piece[i - 1].isspace() else 0
    return 0


def _ends_sentence(line: str, start: int, stop: regex.Match[str]) -> bool:
    if line[stop.start()] != ".":
        return True
    after = stop.end()
    if after < len(line) and not line[after].isspace():
        return False  # "U.S.", "www.x.com", "5.30"
    stop_at = stop.start()
    word_start = stop_at
    while word_start > start and unicodedata.category(line[word_start - 1])[0] in "LM":
        word_start -= 1
    if not line[start:word_start].strip():
        return False  # "1.", "डॉ.": a sentence has more than one word
    word = line[word_start:stop_at]
    return not word or (len(word) > 1 and word.casefold() not in _ABBREVIATIONS)  # one letter is an initial ("A.")
