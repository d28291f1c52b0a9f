"""Text normalisation of spec section 5: what a sentence says, not how it is marked up."""

from __future__ import annotations

import re

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|(?<![\w])_(?=\S)|(?<=\S)_(?![\w])|~~|`+)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_SPACE = re.compile(r"\s+")
# A tag ends at the next `<` at the latest: a text of many unclosed `<a` stays linear.
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# No sentence a rule looks for is longer; a hostile 1 MB paragraph costs no more than this.
MAX_CHARS = 20_000


def normalize(text: str) -> str:
    """Emphasis and code marks removed, white space collapsed, curly quotes straight,
    a leading list number or bullet dropped, the emoji variation selector dropped.

    Links read as `text (url)`: the brackets are dropped by plain replacement rather than a
    link regular expression, which backtracks cubically on text like `[a](` repeated."""
    text = text[:MAX_CHARS].replace("\ufe0f", "").translate(_QUOTES)
    text = _LIST_MARK.sub("", text.lstrip())
    text = _DASHES.sub("-", text)
    text = text.replace("](", " (").replace("![", "").replace("[", "").replace("]", "")
    text = _HTML_TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = text.replace("\\", "")
    return _SPACE.sub(" ", text).strip()


def heading_key(text: str) -> str:
    """Normalised heading text used to match required section headings."""
    return normalize(text).strip(" #")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def lines_with_endings(text: str) -> list[str]:
    """Lines with their own endings (CRLF, CR or LF), so kept parts stay byte for byte."""
    return _LINE.findall(text)
