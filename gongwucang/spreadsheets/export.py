"""Streamed .xlsx export: any list or report to an Excel file, in constant memory.

Usage (a view):

    from gongwucang.spreadsheets.export import Column, xlsx_response

    columns = [Column("资产编号", "text", 18), Column("原值", "money_fen", 14), Column("取得日期", "date")]
    rows = qs.values_list("asset_no", "book__original_value_fen", "acquired_on").iterator(chunk_size=5000)
    return xlsx_response(filename="资产清单.xlsx", sheet_title="资产清单", columns=columns, rows=rows)

How it stays small: XlsxWriter in `constant_memory` mode writes each row to a temporary file as it
comes, the finished workbook goes to an anonymous temporary file, and the response streams that
file in blocks (a 1,000,000-row export never sits in memory). Rows must be given in order.

What every export does the same way:
- headers in Chinese, bold, frozen, with an autofilter;
- money as numbers with two decimals (`#,##0.00`), never as text, so sums work in Excel;
- text that begins with = + - @ (or a tab / carriage return) is prefixed with an apostrophe, so
  neither Excel nor a CSV saved from it runs it as a formula (formula injection, OWASP);
  `import` strips that apostrophe again, so an export imports back unchanged;
- dates as real Excel dates (yyyy-mm-dd), aware datetimes in local time (yyyy-mm-dd hh:mm:ss).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Literal

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from xlsxwriter import Workbook

ColumnKind = Literal["text", "money_fen", "money", "int", "number", "date", "datetime", "bool"]
KINDS: frozenset[str] = frozenset({"text", "money_fen", "money", "int", "number", "date", "datetime", "bool"})

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Excel limits (a longer string is cut rather than failing the whole export).
MAX_CELL_CHARS = 32767
MAX_SHEET_TITLE = 31
EXCEL_MAX_ROWS = 1_048_576

DEFAULT_WIDTHS: dict[str, float] = {
    "text": 16, "money_fen": 14, "money": 14, "int": 10, "number": 12, "date": 12, "datetime": 19, "bool": 8,
}


@dataclass(frozen=True)
class Column:
    """One column of an export: its Chinese header, what kind of value it holds, its width.

    kind: text · money_fen (int fen → yuan number) · money (Decimal yuan) · int · number ·
    date · datetime · bool (是/否).
    """

    header: str
    kind: ColumnKind = "text"
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; one of {sorted(KINDS)}")


def escape_formula(text: str) -> str:
    """Neutralise text that a spreadsheet would run as a formula: prefix it with an apostrophe."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def unescape_formula(text: str) -> str:
    """The reverse of escape_formula (used by import, so an exported file imports back unchanged)."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def _safe_sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet1"
    return cleaned[:MAX_SHEET_TITLE]


def _local_naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _writers(worksheet: Any, columns: Sequence[Column], formats: dict[str, Any]) -> list[Callable[..., Any]]:
    """One write function per column: (row, col, value) → None. Blank cells are not written."""
    write_string = worksheet.write_string
    write_number = worksheet.write_number
    write_datetime = worksheet.write_datetime
    money = formats["money"]
    date_format = formats["date"]
    datetime_format = formats["datetime"]

    def text(r: int, c: int, v: Any) -> None:
        if v is None or v == "":
            return
        s = v if isinstance(v, str) else str(v)
        if s[0] in FORMULA_TRIGGERS:
            s = "'" + s
        if len(s) > MAX_CELL_CHARS:
            s = s[:MAX_CELL_CHARS]
        write_string(r, c, s)

    def money_fen(r: int, c: int, v: Any) -> None:
        if v is None:
            return
        write_number(r, c, int(v) / 100, money)

    def money_yuan(r: int, c: int, v: Any) -> None:
        if v is None:
            return
        write_number(r, c, float(v), money)

    def integer(r: int, c: int, v: Any) -> None:
        if v is None or v == "":
            return
        write_number(r, c, int(v))

    def number(r: int, c: int, v: Any) -> None:
        if v is None or v == "":
            return
        write_number(r, c, float(v) if isinstance(v, Decimal) else v)

    def date(r: int, c: int, v: Any) -> None:
        if v is None:
            return
        if isinstance(v, dt.datetime):
            v = _local_naive(v).date()
        write_datetime(r, c, v, date_format)

    def datetime_(r: int, c: int, v: Any) -> None:
        if v is None:
            return
        if isinstance(v, dt.datetime):
            write_datetime(r, c, _local_naive(v), datetime_format)
        else:
            write_datetime(r, c, v, date_format)

    def boolean(r: int, c: int, v: Any) -> None:
        if v is None:
            return
        write_string(r, c, "是" if v else "否")

    table = {"text": text, "money_fen": money_fen, "money": money_yuan, "int": integer, "number": number,
             "date": date, "datetime": datetime_, "bool": boolean}
    return [table[col.kind] for col in columns]


def write_xlsx(
    target: str | IO[bytes],
    *,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    preamble: Sequence[str] = (),
    max_rows: int | None = None,
) -> int:
    """Write one sheet to `target` (a path or a binary file) and return the number of data rows.

    `preamble` lines (a report's title, unit, period) go above the header. Rows beyond Excel's
    1,048,576-row sheet (or `max_rows`) are refused with ValueError rather than cut silently.
    """
    tmpdir = getattr(settings, "SPREADSHEET_TMP_DIR", None) or None
    workbook = Workbook(target, {"constant_memory": True, "tmpdir": tmpdir, "strings_to_numbers": False,
                                 "strings_to_formulas": False, "strings_to_urls": False})
    workbook.use_zip64()  # a sheet of a million rows is larger than 4 GB uncompressed
    try:
        worksheet = workbook.add_worksheet(_safe_sheet_title(sheet_title))
        header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                             "text_wrap": True, "valign": "vcenter"})
        title_format = workbook.add_format({"bold": True})
        formats = {
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        for index, column in enumerate(columns):
            worksheet.set_column(index, index, column.width or DEFAULT_WIDTHS[column.kind])
        row_index = 0
        for line in preamble:
            worksheet.write_string(row_index, 0, escape_formula(str(line)), title_format)
            row_index += 1
        header_row = row_index
        for index, column in enumerate(columns):
            worksheet.write_string(header_row, index, escape_formula(str(column.header)), header_format)
        worksheet.freeze_panes(header_row + 1, 0)
        writers = _writers(worksheet, columns, formats)
        limit = min(max_rows or EXCEL_MAX_ROWS, EXCEL_MAX_ROWS - header_row - 1)
        pairs = list(enumerate(writers))
        count = 0
        r = header_row
        for row in rows:
            count += 1
            if count > limit:
                raise ValueError(f"导出行数超过上限 {limit:,} 行，请缩小筛选范围后分批导出")
            r += 1
            for c, write in pairs:
                write(r, c, row[c])
        if columns:
            worksheet.autofilter(header_row, 0, max(r, header_row), len(columns) - 1)
    finally:
        workbook.close()
    return count


def xlsx_response(
    *,
    filename: str,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    preamble: Sequence[str] = (),
    max_rows: int | None = None,
) -> FileResponse:
    """An attachment response streaming the finished workbook from an anonymous temporary file.

    The file is deleted when the response is closed (or at once if writing fails). `filename`
    may be Chinese; Django encodes it for the Content-Disposition header (RFC 5987).
    """
    tmpdir = getattr(settings, "SPREADSHEET_TMP_DIR", None) or None
    handle = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 — closed by FileResponse
    try:
        write_xlsx(handle, sheet_title=sheet_title, columns=columns, rows=rows, preamble=preamble,
                   max_rows=max_rows)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    return FileResponse(
        handle, as_attachment=True, filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
