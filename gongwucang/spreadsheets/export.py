"""Streamed .xlsx export: any list or report to an Excel file, in constant memory.

Usage (a view):

    from gongwucang.spreadsheets.export import Column, xlsx_response

    columns = [Column("资产编号", "text", 18), Column("原值", "money_fen", 14), Column("取得日期", "date")]
    rows = qs.values_list("asset_no", "book__original_value_fen", "acquired_on").iterator(chunk_size=5000)
    return xlsx_response(filename="资产清单.xlsx", sheet_title="资产清单", columns=columns, rows=rows)

How it stays small and fast: the workbook is written by hand (a minimal SpreadsheetML package:
inline strings, six styles) straight into a zip stream that the response sends as it grows, so a
1,000,000-row export never sits in memory and its first bytes leave at once. Rows are consumed
once, in order.

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
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Literal

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

ColumnKind = Literal["text", "money_fen", "money", "int", "number", "date", "datetime", "bool"]
KINDS: frozenset[str] = frozenset({"text", "money_fen", "money", "int", "number", "date", "datetime", "bool"})

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Excel limits (a longer string is cut rather than failing the whole export).
MAX_CELL_CHARS = 32767
MAX_SHEET_TITLE = 31
EXCEL_MAX_ROWS = 1_048_576

DEFAULT_WIDTHS: dict[str, float] = {
    "text": 16,
    "money_fen": 14,
    "money": 14,
    "int": 10,
    "number": 12,
    "date": 12,
    "datetime": 19,
    "bool": 8,
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


def chinese_labels(choices: Any) -> dict[str, str]:
    """value → Chinese label of a TextChoices class, whatever the user's language: an export's
    headers are Chinese, and so are the labels in its cells (and what the importer reads back)."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _safe_sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet1"
    return cleaned[:MAX_SHEET_TITLE]


def _local_naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


# ------------------------------------------------------------------ the workbook's fixed parts
# A minimal SpreadsheetML package written by hand: XlsxWriter writes about 150,000 cells a second,
# too slow for a 1,000,000-row export (30,000,000 cells); string templates write several million.

_EPOCH = dt.datetime(1899, 12, 30)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_CARE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|^\\s|\\s$")
_STYLE = {"header": 1, "money": 2, "date": 3, "datetime": 4, "title": 5}
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="宋体"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill>"
    '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
    "<diagonal/></border>"
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1" '
    'applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)


def _xml_text(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not text.isprintable():
        text = _ILLEGAL_XML.sub("", text)
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def column_letters(count: int) -> list[str]:
    out = []
    for index in range(count):
        letters, n = "", index + 1
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        out.append(letters)
    return out


FRAGMENT_MEMO = 20_000


def _cell_writers(columns: Sequence[Column]) -> list[Callable[[Any], str]]:
    """One function per column: value → the <c> element after its reference (`" t=…>…</c>`),
    "" for a blank cell. The caller writes `<c r="A2` in front. Text and dates repeat down a
    column (names, codes, units), so their fragments are remembered (up to FRAGMENT_MEMO each)."""

    needs_care = _NEEDS_CARE.search
    triggers = FORMULA_TRIGGERS

    def text_fragment(v: str) -> str:
        if v[0] in triggers:
            v = "'" + v
        if len(v) > MAX_CELL_CHARS:
            v = v[:MAX_CELL_CHARS]
        if needs_care(v):
            return '" t="inlineStr">' + _xml_text(v) + "</c>"
        return '" t="inlineStr"><is><t>' + v + "</t></is></c>"

    def remembered(make: Callable[[Any], str]) -> Callable[[Any], str]:
        memo: dict[Any, str] = {}

        def fragment(v: Any) -> str:
            found = memo.get(v)
            if found is None:
                found = make(v)
                if len(memo) < FRAGMENT_MEMO:
                    memo[v] = found
            return found

        return fragment

    def text_writer() -> Callable[[Any], str]:
        made = remembered(text_fragment)

        def text(v: Any) -> str:
            if v is None:
                return ""
            if v.__class__ is not str:
                v = str(v)
            return made(v) if v else ""

        return text

    def money_fen(v: Any) -> str:
        if v is None:
            return ""
        fen = int(v)
        sign = "-" if fen < 0 else ""
        whole, part = divmod(abs(fen), 100)
        return f'" s="2"><v>{sign}{whole}.{part:02d}</v></c>'

    def money(v: Any) -> str:
        if v is None:
            return ""
        return f'" s="2"><v>{Decimal(v):f}</v></c>'

    def integer(v: Any) -> str:
        if v is None or v == "":
            return ""
        return f'"><v>{int(v)}</v></c>'

    def number(v: Any) -> str:
        if v is None or v == "":
            return ""
        return f'"><v>{Decimal(v):f}</v></c>' if isinstance(v, Decimal) else f'"><v>{v!r}</v></c>'

    def date_fragment(v: Any) -> str:
        if isinstance(v, dt.datetime):
            v = _local_naive(v).date()
        return f'" s="3"><v>{(v - _EPOCH.date()).days}</v></c>'

    def date_writer() -> Callable[[Any], str]:
        made = remembered(date_fragment)

        def date(v: Any) -> str:
            if v is None:
                return ""
            return made(v) if v.__class__ is dt.date else date_fragment(v)

        return date

    def datetime_(v: Any) -> str:
        if v is None:
            return ""
        if not isinstance(v, dt.datetime):
            return date_fragment(v)
        delta = _local_naive(v) - _EPOCH
        return f'" s="4"><v>{delta.days + delta.seconds / 86400:.10f}</v></c>'

    def boolean(v: Any) -> str:
        if v is None:
            return ""
        return '" t="inlineStr"><is><t>' + ("是" if v else "否") + "</t></is></c>"

    table: dict[str, Callable[[], Callable[[Any], str]]] = {
        "text": text_writer,
        "money_fen": lambda: money_fen,
        "money": lambda: money,
        "int": lambda: integer,
        "number": lambda: number,
        "date": date_writer,
        "datetime": lambda: datetime_,
        "bool": lambda: boolean,
    }
    return [table[col.kind]() for col in columns]


class _Pipe:
    """A write-only sink whose content is taken out in pieces (zipfile treats it as unseekable)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


def iter_xlsx(
    *,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    preamble: Sequence[str] = (),
    max_rows: int | None = None,
    flush_rows: int = 2000,
) -> Iterator[bytes]:
    """The workbook as a stream of bytes, produced while `rows` is consumed (constant memory)."""
    pipe = _Pipe()
    archive = zipfile.ZipFile(
        pipe,  # type: ignore[call-overload]
        "w",
        compression=zipfile.ZIP_DEFLATED,
        compresslevel=1,
        allowZip64=True,
    )
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    archive.writestr("_rels/.rels", _ROOT_RELS)
    archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
    archive.writestr("xl/styles.xml", _STYLES_XML)
    yield pipe.take()
    letters = column_letters(max(len(columns), 1))
    header_row = len(preamble) + 1  # 1-based
    limit = min(max_rows or EXCEL_MAX_ROWS, EXCEL_MAX_ROWS - header_row)
    writers = list(zip(['<c r="' + letter for letter in letters], _cell_writers(columns), strict=False))
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{c.width or DEFAULT_WIDTHS[c.kind]}" customWidth="1"/>'
        for i, c in enumerate(columns)
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" '
        'activePane="bottomLeft" state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{header_row + 1}" sqref="A{header_row + 1}"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )
    count = 0
    last = header_row
    with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        parts = [head]
        for index, line in enumerate(preamble, start=1):
            parts.append(
                f'<row r="{index}"><c r="A{index}" s="5" t="inlineStr">{_xml_text(escape_formula(str(line)))}'
                "</c></row>"
            )
        parts.append(f'<row r="{header_row}">')
        for letter, column in zip(letters, columns, strict=False):
            parts.append(
                f'<c r="{letter}{header_row}" s="1" t="inlineStr">'
                f"{_xml_text(escape_formula(str(column.header)))}</c>"
            )
        parts.append("</row>")
        r = header_row
        for values in rows:
            count += 1
            if count > limit:
                raise ValueError(f"导出行数超过上限 {limit:,} 行，请缩小筛选范围后分批导出")
            r += 1
            rs = str(r)
            parts.append(f'<row r="{rs}">')
            append = parts.append
            for (opening, write), value in zip(writers, values, strict=False):
                fragment = write(value)
                if fragment:
                    append(opening + rs + fragment)
            parts.append("</row>")
            if count % flush_rows == 0:
                sheet.write("".join(parts).encode())
                parts = []
                yield pipe.take()
        last = r
        parts.append("</sheetData>")
        if columns:
            parts.append(
                f'<autoFilter ref="A{header_row}:{letters[len(columns) - 1]}{max(last, header_row)}"/>'
            )
        parts.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>"
        )
        sheet.write("".join(parts).encode())
    title = _xml_attr(_safe_sheet_title(sheet_title))
    defined = ""
    if columns:
        defined = (
            f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"'{title.replace(chr(39), chr(39) * 2)}'!$A${header_row}:${letters[len(columns) - 1]}$"
            f"{max(last, header_row)}</definedName></definedNames>"
        )
    archive.writestr(
        "xl/workbook.xml",
        (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<workbookPr/><bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/>'
            f"</sheets>{defined}</workbook>"
        ),
    )
    archive.close()
    yield pipe.take()


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


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
    counter = _Counter(rows)
    handle: IO[bytes] = open(target, "wb") if isinstance(target, str) else target  # noqa: SIM115
    try:
        for piece in iter_xlsx(
            sheet_title=sheet_title, columns=columns, rows=counter, preamble=preamble, max_rows=max_rows
        ):
            handle.write(piece)
    finally:
        if isinstance(target, str):
            handle.close()
    return counter.count


class _Counter:
    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def xlsx_response(
    *,
    filename: str,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    preamble: Sequence[str] = (),
    max_rows: int | None = None,
) -> StreamingHttpResponse:
    """An attachment streamed while it is written: the first bytes leave at once, memory stays flat.

    Check the row count before calling (an error half-way through cannot become an error page).
    `filename` may be Chinese; it is encoded for the Content-Disposition header (RFC 5987).
    """
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = StreamingHttpResponse(
        iter_xlsx(sheet_title=sheet_title, columns=columns, rows=rows, preamble=preamble, max_rows=max_rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Accel-Buffering"] = "no"  # let a proxy pass the stream on as it comes
    response["Cache-Control"] = "no-store"
    return response
