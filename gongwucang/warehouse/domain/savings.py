"""Savings of an allocation (节约资金, DOMAIN.md §3): what buying new would have cost — the price cap
of the matching provisioning standard (配置标准) times the quantity, else the original value."""

from __future__ import annotations

from collections.abc import Iterable


def line_savings_fen(*, original_value_fen: int, quantity: int, price_cap_fen: int | None) -> int:
    if price_cap_fen is not None:
        return price_cap_fen * max(quantity, 1)
    return original_value_fen


def matching_standard_code(category_code: str, standard_codes: Iterable[str]) -> str | None:
    """The standard's category code that applies to `category_code`: the same class, else the
    nearest ancestor class (codes are 2-digit levels: A02010108 → A02010100 → A02010000 …)."""
    codes = set(standard_codes)
    candidate = category_code
    for level_end in (9, 7, 5, 3):
        candidate = category_code[:level_end].ljust(9, "0")
        if candidate in codes:
            return candidate
    return None
