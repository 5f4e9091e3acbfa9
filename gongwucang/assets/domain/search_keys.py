"""Search keys for a card: the text a user may type to find it — name, number, pinyin initials.

Typing "bjb" finds 笔记本电脑 (initials "bjbdn"); typing 电脑 finds it by name. The keys are
lower-case and space-separated; selectors match a query as a substring of them.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """First letters of each character's pinyin; letters and digits kept ("HP打印机" → "hpdyj")."""
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: chars)
    return "".join(p for p in "".join(parts).lower() if p.isalnum())


def build_search_text(*parts: str) -> str:
    """The stored search text: each part and the pinyin initials of each Chinese part."""
    tokens: list[str] = []
    for part in parts:
        part = (part or "").strip()
        if not part:
            continue
        tokens.append(part.lower())
        if any("\u4e00" <= ch <= "\u9fff" for ch in part):
            tokens.append(pinyin_initials(part))
    return " ".join(tokens)


def normalise_query(query: str) -> str:
    return " ".join(query.strip().lower().split())


# --- Indexed search keys (issue 6) --------------------------------------------------------------
# On PostgreSQL every card also holds `search_keys`: the distinct 1-, 2- and 3-character grams of
# each space-separated token of its search text, kept by a database trigger (migration 0004, SQL
# function gwc_search_keys) and indexed with GIN. pg_trgm cannot index a 2-character Chinese term
# such as 电脑; these grams can, and 1-character terms are exact keys too. The two functions below
# are the Python twin of the SQL function (the tests hold them equal) and the query side.

MAX_GRAM = 3


def search_grams(search_text: str) -> set[str]:
    """The keys the database derives from a card's search text (what gwc_search_keys returns).

    The bulk importer writes these itself (the insert trigger then does not fire: migration
    0008), so this function and gwc_search_keys must stay twins — tests hold them equal."""
    grams: set[str] = set()
    for token in search_text.split(" "):
        grams.update(token_grams(token))
    return grams


def token_grams(token: str) -> list[str]:
    """The 1-, 2- and 3-character grams of one token (with repeats)."""
    size = len(token)
    return [token[i : i + n] for n in range(1, MAX_GRAM + 1) for i in range(size - n + 1)]


def pg_text_array(items: set[str] | frozenset[str]) -> str:
    """A PostgreSQL text[] literal of `items` ('{"a","b"}'), for COPY: every element quoted, so
    commas, braces, spaces and the word NULL stay text; quotes and backslashes escaped."""
    if not items:
        return "{}"
    body = '","'.join(items)
    if "\\" in body or body.count('"') != 2 * (len(items) - 1):  # a quote or backslash in an item
        body = '","'.join(item.replace("\\", "\\\\").replace('"', '\\"') for item in items)
    return '{"' + body + '"}'


def term_keys(term: str) -> tuple[list[str], bool]:
    """The keys a card must hold to contain `term` (one normalised term without spaces), and
    whether they are enough: a term of 1–3 characters is itself a key (exact); a longer one needs
    all its trigrams *and* a substring check of the search text."""
    if len(term) <= MAX_GRAM:
        return [term], True
    return sorted({term[i : i + MAX_GRAM] for i in range(len(term) - MAX_GRAM + 1)}), False
