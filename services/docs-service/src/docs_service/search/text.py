"""Text for search: one folding for the index and the query (so they always agree), query syntax
for each engine built only from folded word characters, and the text layer of a PDF."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Final

from kit_core import get_logger

log = get_logger(__name__)

WORD: Final = re.compile(r"[^\W_]+")
MAX_TERMS: Final = 16
MAX_PDF_PAGES: Final = 2000
MAX_TEXT_CHARS: Final = 2_000_000


def fold(text: str) -> str:
    """Lower case without diacritics: ``Quyết định`` → ``quyet dinh``. ``đ`` is a letter of its own
    in Unicode (no decomposition), so it is mapped to ``d`` explicitly; everything else loses its
    combining marks after NFD."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    ).lower()


def words_of(text: str) -> str:
    """The words of a text, raw (diacritics kept), one space apart: what PostgreSQL's parser reads,
    so that ``01/QĐ-UBND`` is the words ``01``, ``QĐ``, ``UBND`` there as in FTS5."""
    return " ".join(WORD.findall(unicodedata.normalize("NFC", text)))


def terms(query: str) -> list[str]:
    """The folded words of a query, in order, without repeats (at most ``MAX_TERMS``)."""
    seen: dict[str, None] = {}
    for word in WORD.findall(fold(query)):
        seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


def tsquery(words: list[str]) -> str:
    """PostgreSQL ``to_tsquery`` text: every word, each also as a prefix (``quyet:* & din:*``)."""
    return " & ".join(f"{w}:*" for w in words)


def fts5_query(words: list[str]) -> str:
    """SQLite FTS5 MATCH text: every word as a quoted prefix (``"quyet"* "din"*``)."""
    return " ".join(f'"{w}"*' for w in words)


def fragment(query: str) -> str | None:
    """The folded query as one piece, for a trigram match on number and notation (``/qd-ub``)."""
    piece = " ".join(fold(query).split())
    return piece if len(piece) >= 3 else None


def pdf_text(path: Path) -> tuple[str, int]:
    """The text layer of a PDF and its page count; a PDF without one (a scan), an encrypted or a
    damaged one gives what could be read, possibly nothing; never raises."""
    from pypdf import PdfReader  # heavy import, only when a PDF arrives

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            return "", len(reader.pages)
        parts: list[str] = []
        size = 0
        for number, page in enumerate(reader.pages):
            if number >= MAX_PDF_PAGES or size >= MAX_TEXT_CHARS:
                break
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
        text = unicodedata.normalize("NFC", "\n".join(parts)).replace("\x00", "")
        return text[:MAX_TEXT_CHARS], len(reader.pages)
    except Exception as exc:  # a PDF that sniffs as complete may still defeat the parser
        log.warning("pdf.text_unreadable", path=str(path), error=str(exc))
        return "", 0
