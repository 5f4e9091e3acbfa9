"""Money: stored as integer fen, handled as Decimal yuan with 2 places, rounded half-up (四舍五入).

Why fen: SQLite keeps a DecimalField as REAL or INTEGER, so SQL arithmetic on it goes wrong
(ARCHITECTURE.md rule 9). Every conversion between the two goes through this module.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    """A value that cannot be read as an amount of money."""


def round_yuan(value: Decimal) -> Decimal:
    """Round a yuan amount to the fen, half-up as Chinese accounting does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_to_fen(value: Decimal | int | str) -> int:
    """Convert yuan to integer fen. Refuses more than 2 decimal places rather than rounding silently."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"不是有效的金额：{value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"不是有效的金额：{value!r}")
    if amount != amount.quantize(CENT):
        raise MoneyError(f"金额最多两位小数：{value!r}")
    return int(amount * 100)


def fen_to_yuan(fen: int | None) -> Decimal | None:
    """Convert integer fen to Decimal yuan with exactly 2 places."""
    if fen is None:
        return None
    return (Decimal(int(fen)) / 100).quantize(CENT)


def format_yuan(fen: int | None, symbol: bool = True) -> str:
    """¥12,345.67 — the way money is shown everywhere in the UI."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan = fen_to_yuan(abs(fen))
    text = f"{yuan:,.2f}"
    return f"{sign}{'¥' if symbol else ''}{text}"
