"""Search keys for a card: the text a user may type to find it — name, number, pinyin initials.

Typing "bjb" finds 笔记本电脑 (initials "bjbdn"); typing 电脑 finds it by name. The keys are
lower-case and space-separated; selectors match a query as a substring of them.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """First letters of each character's pinyin; letters and digits kept as they are ("HP打印机" → "hpdyj")."""
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
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
