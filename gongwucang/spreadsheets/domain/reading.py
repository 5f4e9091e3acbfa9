"""Reading an uploaded ledger file safely: .xlsx and .xls through python-calamine, .csv in UTF-8 or
GB18030. Pure Python (no ORM); every refusal is a FileRefused with a Chinese message.

Why the .xlsx path slices the sheet: python-calamine loads a whole sheet into memory (about 2.5 KB
a row for 30 columns), so a 1,000,000-row ledger would need 2.5 GB. Instead one streaming pass
over the compressed sheet XML
  - counts rows (the row limit holds even when the file's <dimension> lies),
  - counts the bytes it inflates (a zip bomb is stopped at the limit, whatever the zip header says),
  - finds formulas (<f>) and merged cells (<mergeCell>) and refuses them with their cell address,
and cuts the rows into slices (slice_rows_for()). Each slice becomes a small stored (uncompressed)
workbook with the original styles and shared strings, which calamine reads as usual; only one
slice is in memory at a time, and the next is parsed in a thread meanwhile.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import posixpath
import queue
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from .columns import match_header

# Rows per slice. calamine parses a slice without holding the GIL, but turns it into Python lists
# (to_python) holding it throughout: ~0.5 s for 50,000 rows, during which a committing import's
# writing thread cannot feed PostgreSQL. 10,000-row slices keep those holds short (1,000,000-row
# .xlsx import: 116.0 / 116.6 s against 120.3 / 123.4 s, peak RSS 0.6 instead of 1.2 GB). But each
# slice carries the whole shared-strings table, which calamine parses again for every slice
# (~5 ms per MB): a workbook with a large table (Excel keeps every distinct text there — 50 MB
# for a 1,000,000-row ledger, 25 more CPU seconds in 10,000-row slices) is cut in larger slices.
# For that ledger 25,000-row slices imported in 117.1 / 119.2 s (peak RSS 1.01–1.05 GB) against
# 116.1 / 121.6 s (1.33 GB) in 50,000-row ones, and previewed in 58.9 s against 61.9 s.
SLICE_ROWS = 10_000
SLICE_ROWS_LARGE_SHARED_STRINGS = 25_000
LARGE_SHARED_STRINGS_BYTES = 8 * 1024 * 1024
HEADER_SEARCH_ROWS = 20  # the header row may sit under a title or two
READ_BLOCK = 4 * 1024 * 1024
MAX_SHEETS = 50
MAX_META_PART_BYTES = 64 * 1024 * 1024  # workbook.xml, styles.xml, rels: never legitimately larger


class FileRefused(Exception):
    """The file cannot be read as a ledger. The message says why, in Chinese, and what to do."""


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_uncompressed_bytes: int = 4 * 1024 * 1024 * 1024
    max_compression_ratio: int = 200


@dataclass
class Table:
    """An opened ledger: the header (as found), the row number it sits on, and the data rows."""

    format: str  # "xlsx" | "xls" | "csv"
    sheet_name: str
    header: list[str]
    header_row: int  # 1-based, as the user sees it in Excel
    rows: Iterator[tuple[int, list[Any]]]  # (1-based row number, cell values)
    estimated_rows: int | None = None
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- sniffing

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"MZ", "程序文件"),
    (b"{\\rtf", "RTF 文档"),
    (b"\x7fELF", "程序文件"),
]
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ALLOWED_EXTENSIONS = {".xlsx": "xlsx", ".xls": "xls", ".csv": "csv"}


def detect_format(filename: str, head: bytes) -> str:
    """The format to read the file as, from its extension checked against its first bytes."""
    ext = Path(filename or "").suffix.lower()
    fmt = ALLOWED_EXTENSIONS.get(ext)
    if fmt is None:
        raise FileRefused(f"不支持「{ext or '无扩展名'}」文件，请上传 .xlsx、.xls 或 .csv 文件")
    if not head:
        raise FileRefused("文件是空的（0 字节），请检查后重新上传")
    actual = _what_is(head)
    expected = {"xlsx": "zip", "xls": "cfb", "csv": "text"}[fmt]
    if actual == expected:
        return fmt
    if fmt == "xlsx" and actual == "cfb":
        # An encrypted .xlsx is an OLE compound file; so is an old .xls renamed to .xlsx.
        raise FileRefused(
            "文件不是有效的 .xlsx 工作簿：可能设置了打开密码（已加密），或是改了扩展名的旧版 .xls 文件。"
            "请取消密码后另存为 .xlsx 再上传"
        )
    if fmt == "xls" and actual == "zip":
        raise FileRefused("文件扩展名是 .xls，但内容是 .xlsx 格式，请把扩展名改为 .xlsx 后再上传")
    described = {"zip": "压缩包或 .xlsx 工作簿", "cfb": "旧版 Office 文档", "text": "文本文件"}.get(
        actual, actual
    )
    raise FileRefused(
        f"文件扩展名是 {ext}，但内容是{described}，不是{_label(fmt)}。请上传真正的{_label(fmt)}"
    )


def _label(fmt: str) -> str:
    return {"xlsx": " Excel 工作簿（.xlsx）", "xls": " Excel 97-2003 工作簿（.xls）", "csv": " CSV 文本文件"}[
        fmt
    ]


def _what_is(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(CFB_MAGIC):
        return "cfb"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if b"\x00" in head[:8192] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "二进制文件"
    return "text"


def open_table(path: str | Path, filename: str, limits: ReadLimits) -> Table:
    """Open an uploaded file and find its header row. Raises FileRefused with the reason."""
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(
            f"文件大小 {size / 1048576:.1f} MB 超过上限 {limits.max_bytes / 1048576:.0f} MB，"
            "请分成几个文件导入"
        )
    with path.open("rb") as handle:
        head = handle.read(8192)
    fmt = detect_format(filename, head)
    if fmt == "csv":
        return _open_csv(path, limits)
    if fmt == "xls":
        return _open_xls(path, limits)
    return _open_xlsx(path, limits)


# ---------------------------------------------------------------- header


def find_header(rows: list[list[Any]]) -> tuple[int, list[str]] | None:
    """The index and text of the first row that names at least two of our columns (and 资产名称 or
    资产编号); titles above the header are skipped."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {match_header(v) for v in row if v not in (None, "")}
        keys.discard(None)
        if len(keys) >= 2 and ({"name", "asset_no"} & keys):
            return index, ["" if v is None else str(v).strip() for v in row]
    return None


def _no_header_message(sheet: str) -> str:
    return (
        f"在工作表「{sheet}」的前 {HEADER_SEARCH_ROWS} 行中没有找到表头："
        "表头应包含「资产名称」「资产分类代码」"
        "「原值」等列名。请使用下载的导入模板，或把列名改成模板中的名称"
    )


# ---------------------------------------------------------------- csv


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := handle.read(READ_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        gb_decoder = codecs.getincrementaldecoder("gb18030")()
        try:
            while block := handle.read(READ_BLOCK):
                gb_decoder.decode(block)
            gb_decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise FileRefused(
                "无法识别 CSV 文件的编码：既不是 UTF-8 也不是 GB18030/GBK。请在 Excel 中另存为"
                "「CSV UTF-8（逗号分隔）」后再上传"
            ) from exc
        return "gb18030"


def _open_csv(path: Path, limits: ReadLimits) -> Table:
    encoding = _detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="")
    sample = handle.read(65536)
    handle.seek(0)
    if encoding == "utf-8-sig":
        pass  # the codec skips the BOM itself
    # Only the delimiter is guessed: the sniffer's guess of quoting is wrong on a field such as
    # "柜""A""{1,2}" (quotes doubled, as Excel and every CSV writer do), which then splits.
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter if sample.strip() else ","
    except csv.Error:
        delimiter = ","
    reader = csv.reader(handle, csv.excel, delimiter=delimiter)
    head: list[list[Any]] = []
    try:
        for row in reader:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        handle.close()
        raise FileRefused(f"CSV 文件格式有误：{exc}") from exc
    if not any(any(c.strip() for c in r) for r in head):
        handle.close()
        raise FileRefused("文件中没有内容（没有表头也没有数据行）")
    found = find_header(head)
    if found is None:
        handle.close()
        raise FileRefused(_no_header_message("CSV"))
    header_index, header = found
    if len(header) > limits.max_columns:
        handle.close()
        raise FileRefused(f"文件有 {len(header)} 列，超过上限 {limits.max_columns} 列")
    buffered = head[header_index + 1 :]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = header_index + 1
        try:
            for row in buffered:
                number += 1
                yield number, row
            for row in reader:
                number += 1
                if number - header_index - 1 > limits.max_rows:
                    raise FileRefused(f"文件的数据行超过上限 {limits.max_rows:,} 行，请分成几个文件导入")
                yield number, row
        except csv.Error as exc:
            raise FileRefused(f"CSV 文件第 {number + 1} 行格式有误：{exc}") from exc
        finally:
            handle.close()

    label = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030", "utf-16": "UTF-16"}[encoding]
    return Table(
        format="csv",
        sheet_name="CSV",
        header=header,
        header_row=header_index + 1,
        rows=rows(),
        encoding=label,
        estimated_rows=None,
    )


# ---------------------------------------------------------------- xls


def _open_xls(path: Path, limits: ReadLimits) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise FileRefused("文件设置了打开密码（已加密），请取消密码后再上传") from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRefused(
            f"无法读取 .xls 文件：文件已损坏或不是 Excel 97-2003 工作簿（{_short(exc)}）"
        ) from exc
    candidates = []
    for meta in workbook.sheets_metadata[:MAX_SHEETS]:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            data = sheet.to_python(skip_empty_area=False)
        except PasswordError as exc:
            raise FileRefused("文件设置了打开密码（已加密），请取消密码后再上传") from exc
        except (CalamineError, ValueError) as exc:
            raise FileRefused(f"无法读取工作表「{meta.name}」：{_short(exc)}") from exc
        candidates.append(
            (meta.name, meta.visible == SheetVisibleEnum.Visible, data, sheet.merged_cell_ranges)
        )
    name, data, merged, notes = _choose_sheet(
        [(n, v, d[:HEADER_SEARCH_ROWS], d, m) for n, v, d, m in candidates]
    )
    header_index, header = _header_or_refuse(name, data[:HEADER_SEARCH_ROWS], limits)
    _refuse_merged(merged, header_index)
    formula = xls_formula_cells(path).get(name)
    if formula is not None:
        raise FileRefused(
            f"工作表「{name}」的单元格 {column_letter(formula[1])}{formula[0] + 1} 是公式，不是数值。"
            "导入只接受数值：请在 Excel 中全选后“复制 → 选择性粘贴 → 数值”，保存后再上传"
        )
    body = data[header_index + 1 :]
    if len(body) > limits.max_rows:
        raise FileRefused(f"文件的数据行超过上限 {limits.max_rows:,} 行，请分成几个文件导入")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for offset, row in enumerate(body):
            yield header_index + 2 + offset, row

    return Table(
        format="xls",
        sheet_name=name,
        header=header,
        header_row=header_index + 1,
        rows=rows(),
        estimated_rows=len(body),
        notes=notes,
    )


# .xls formulas: python-calamine gives a formula cell's cached value and no sign that it is one, so
# the BIFF8 records are scanned here: the OLE compound file's "Workbook" stream, then FORMULA,
# ARRAY and SHRFMLA records, attributed to their sheet by the BOUNDSHEET offsets.
_CFB_END = 0xFFFFFFFA  # sector numbers at or above this end a chain
_FORMULA_RECORDS = frozenset({0x0006, 0x0221, 0x04BC})


def _cfb_stream(data: bytes, wanted: tuple[str, ...] = ("Workbook", "Book")) -> bytes | None:
    """The first stream named in `wanted` from an OLE compound file, or None if it cannot be found."""
    if not data.startswith(CFB_MAGIC) or len(data) < 512:
        return None
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
    header = 512 if size == 512 else size  # version 4 files pad the header to one sector

    def sector(number: int) -> bytes:
        start = header + number * size
        return data[start : start + size]

    difat = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _CFB_END]
    next_difat, guard = first_difat, 0
    while next_difat < _CFB_END and guard < n_difat:
        entries = struct.unpack(f"<{size // 4}I", sector(next_difat))
        difat.extend(s for s in entries[:-1] if s < _CFB_END)
        next_difat, guard = entries[-1], guard + 1
    fat: list[int] = []
    for number in difat[:n_fat]:
        chunk = sector(number)
        fat.extend(struct.unpack(f"<{len(chunk) // 4}I", chunk))

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start < _CFB_END and start < len(table) and len(out) <= len(table):
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(s) for s in chain(first_dir, fat))
    dir_entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    if not dir_entries:
        return None
    for entry in dir_entries:
        name_len, kind = struct.unpack_from("<HB", entry, 0x40)
        name = entry[: max(name_len - 2, 0)].decode("utf-16-le", "replace")
        if kind != 2 or name not in wanted:
            continue
        start, length = struct.unpack_from("<II", entry, 0x74)
        if length >= cutoff:
            return b"".join(sector(s) for s in chain(start, fat))[:length]
        # A small stream lives in the mini stream (the root entry's stream, in 64-byte pieces).
        root_start = struct.unpack_from("<I", dir_entries[0], 0x74)[0]
        mini_stream = b"".join(sector(s) for s in chain(root_start, fat))
        minifat_bytes = b"".join(sector(s) for s in chain(first_minifat, fat))
        minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
        mini = 1 << mini_shift
        return b"".join(mini_stream[m * mini : (m + 1) * mini] for m in chain(start, minifat))[:length]
    return None


def xls_formula_cells(path: Path) -> dict[str, tuple[int, int]]:
    """Sheet name → (row, column), both 0-based, of its first formula cell, for an .xls file.
    An unreadable structure gives {} (calamine has read the file already; nothing is guessed)."""
    try:
        stream = _cfb_stream(path.read_bytes())
    except (OSError, struct.error, ValueError):
        return {}
    if not stream:
        return {}
    names_at: dict[int, str] = {}
    found: dict[str, tuple[int, int]] = {}
    current: str | None = None
    pos, end = 0, len(stream)
    try:
        while pos + 4 <= end:
            kind, length = struct.unpack_from("<HH", stream, pos)
            body = stream[pos + 4 : pos + 4 + length]
            if kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET: offset of the sheet's BOF, then its name
                offset = struct.unpack_from("<I", body, 0)[0]
                count, flags = body[6], body[7]
                raw = body[8 : 8 + (count * 2 if flags & 1 else count)]
                names_at[offset] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            elif kind == 0x0809:  # BOF: a sheet's records start here
                current = names_at.get(pos)
            elif kind in _FORMULA_RECORDS and current is not None and current not in found and length >= 4:
                found[current] = struct.unpack_from("<HH", body, 0)
            pos += 4 + length
    except struct.error:
        return found
    return found


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _choose_sheet(
    candidates: list[tuple[str, bool, list[list[Any]], Any, Any]],
) -> tuple[str, Any, Any, list[str]]:
    """The one sheet that holds the ledger. A hidden sheet with ledger data is refused: what the
    user cannot see must not be imported behind their back."""
    with_header = [
        (name, visible, full, merged)
        for name, visible, top, full, merged in candidates
        if find_header(top) is not None
    ]
    hidden = [name for name, visible, *_ in with_header if not visible]
    if hidden:
        raise FileRefused(
            f"工作簿中隐藏的工作表「{'、'.join(hidden)}」也含有资产数据。为避免导入看不到的内容，"
            "请删除该工作表或取消隐藏并只保留一个资产工作表后再上传"
        )
    if len(with_header) > 1:
        names = "、".join(name for name, *_ in with_header)
        raise FileRefused(f"工作簿中有多个工作表含有资产数据（{names}），请只保留一个后再上传")
    if not with_header:
        if not any(any(v not in (None, "") for row in top for v in row) for _, _, top, _, _ in candidates):
            raise FileRefused("文件中没有内容（没有表头也没有数据行）")
        first = candidates[0][0] if candidates else ""
        raise FileRefused(_no_header_message(first))
    name, _visible, full, merged = with_header[0]
    notes = []
    others = [c[0] for c in candidates if c[0] != name]
    if others:
        notes.append(f"已读取工作表「{name}」，其余工作表（{'、'.join(others)}）不含资产数据，已忽略")
    return name, full, merged, notes


def _header_or_refuse(sheet: str, top: list[list[Any]], limits: ReadLimits) -> tuple[int, list[str]]:
    found = find_header(top)
    if found is None:
        raise FileRefused(_no_header_message(sheet))
    if len(found[1]) > limits.max_columns:
        raise FileRefused(f"文件有 {len(found[1])} 列，超过上限 {limits.max_columns} 列")
    return found


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _refuse_merged(merged: Any, header_index: int) -> None:
    if not merged:
        return
    ranges = [f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}" for (r1, c1), (r2, c2) in merged]
    in_header = [
        text for text, ((r1, _), (r2, _)) in zip(ranges, merged, strict=True) if r1 <= header_index <= r2
    ]
    if in_header:
        raise FileRefused(
            f"表头有合并单元格（{'、'.join(in_header[:5])}），每一列必须有自己的列名。请取消合并后再上传"
        )
    below = [text for text, ((r1, _), _) in zip(ranges, merged, strict=True) if r1 > header_index]
    if below:
        raise FileRefused(
            f"数据区有合并单元格（{'、'.join(below[:5])}），合并后只有第一格有值。请取消合并并填满每一格后再上传"
        )


# ---------------------------------------------------------------- xlsx

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_ROW_RE = re.compile(rb"<row[\s>/]")
_ROW_R_RE = re.compile(rb'<row[^>]*?\sr="(\d+)"')
_FORMULA_RE = re.compile(rb"<f[\s>/]")
_CELL_REF_RE = re.compile(rb'<c[^>]*?\sr="([A-Z]+\d+)"')
_MERGE_RE = re.compile(rb'<mergeCell[^>]*?ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_DIMENSION_RE = re.compile(rb'<dimension[^>]*?ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_DIMENSION_TAG_RE = re.compile(rb"<dimension[^>]*/>")


def _parse_xml(data: bytes) -> ElementTree.Element:
    """Parse a small package part. A DOCTYPE (entity declarations: "billion laughs", external
    entities) never occurs in a real workbook part and is refused before the parser sees it."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FileRefused("文件中含有不允许的 XML 声明（DOCTYPE/ENTITY），疑似恶意文件，已拒绝")
    return ElementTree.fromstring(data)  # noqa: S314 -- no DOCTYPE, so no entity expansion


class _Xlsx:
    """The parts of an .xlsx we need, with the bomb and encryption checks applied on opening."""

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise FileRefused(
                "文件已损坏，无法作为 .xlsx 工作簿打开（压缩结构有误）。请在 Excel 中重新另存为 .xlsx"
            ) from exc
        infos = self.zip.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            kind = (
                "Word 文档"
                if "word/document.xml" in names
                else ("PowerPoint 演示文稿" if "ppt/presentation.xml" in names else "普通压缩包")
            )
            raise FileRefused(f"文件不是 Excel 工作簿（看起来是{kind}），请上传 .xlsx 文件")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise FileRefused("文件设置了密码（已加密），请取消密码后再上传")
            total += info.file_size
            if info.file_size > 1024 * 1024 and info.file_size > self.limits.max_compression_ratio * max(
                info.compress_size, 1
            ):
                raise FileRefused(
                    f"文件的压缩比异常（{info.filename} 压缩了 "
                    f"{info.file_size // max(info.compress_size, 1)} 倍），"
                    "疑似“压缩炸弹”，已拒绝"
                )
        if total > self.limits.max_uncompressed_bytes:
            raise FileRefused(
                f"文件解压后有 {total / 1073741824:.1f} GB，超过上限 "
                f"{self.limits.max_uncompressed_bytes / 1073741824:.1f} GB，请分成几个文件导入"
            )
        self.names = names

    def read_small(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        if info.file_size > MAX_META_PART_BYTES:
            raise FileRefused(f"文件中的 {name} 大得异常（{info.file_size // 1048576} MB），已拒绝")
        return self._inflate_all(name, MAX_META_PART_BYTES)

    def _inflate_all(self, name: str, cap: int) -> bytes:
        out = bytearray()
        for block in self.stream(name, cap):
            out += block
        return bytes(out)

    def stream(self, name: str, cap: int | None = None) -> Iterator[bytes]:
        """Inflate a part block by block, stopping at the declared size or the limit (zip bombs)."""
        info = self.zip.getinfo(name)
        cap = min(cap or self.limits.max_uncompressed_bytes, self.limits.max_uncompressed_bytes)
        seen = 0
        try:
            with self.zip.open(info) as part:
                while block := part.read(READ_BLOCK):
                    seen += len(block)
                    if seen > cap or seen > info.file_size:
                        raise FileRefused("文件解压后的大小超出声明或上限，疑似“压缩炸弹”，已拒绝")
                    yield block
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
            if isinstance(exc, RuntimeError) and "password" in str(exc).lower():
                raise FileRefused("文件设置了密码（已加密），请取消密码后再上传") from exc
            raise FileRefused(f"文件已损坏，{name} 无法解压（{_short(exc)}）") from exc

    def sheets(self) -> list[tuple[str, bool, str]]:
        """(name, visible, part path) of each worksheet, in workbook order."""
        try:
            workbook = _parse_xml(self.read_small("xl/workbook.xml"))
            rels_name = "xl/_rels/workbook.xml.rels"
            rels = _parse_xml(self.read_small(rels_name)) if rels_name in self.names else None
        except ElementTree.ParseError as exc:
            raise FileRefused(f"文件已损坏，工作簿结构无法读取（{_short(exc)}）") from exc
        targets = {}
        if rels is not None:
            for rel in rels.findall("pr:Relationship", _NS):
                target = rel.get("Target", "")
                target = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[rel.get("Id")] = target
        self.date1904 = any(p.get("date1904") in ("1", "true") for p in workbook.findall("m:workbookPr", _NS))
        found = []
        for sheet in workbook.findall("m:sheets/m:sheet", _NS)[:MAX_SHEETS]:
            target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
            if target in self.names and "/worksheets/" in target:
                found.append((sheet.get("name", ""), sheet.get("state", "visible") == "visible", target))
        return found

    def mini_workbook(self, sheet_xml: bytes) -> io.BytesIO:
        """A small stored workbook around a slice of a sheet: what calamine reads."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as mini:
            has_sst = "xl/sharedStrings.xml" in self.names
            has_styles = "xl/styles.xml" in self.names
            mini.writestr("[Content_Types].xml", _content_types(has_sst, has_styles))
            mini.writestr("_rels/.rels", _ROOT_RELS)
            mini.writestr("xl/workbook.xml", _workbook_xml(self.date1904))
            mini.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(has_sst, has_styles))
            if has_styles:
                mini.writestr("xl/styles.xml", self.styles)
            if has_sst:
                mini.writestr("xl/sharedStrings.xml", self.shared_strings)
            mini.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        buffer.seek(0)
        return buffer

    def load_shared(self) -> None:
        self.styles = self.read_small("xl/styles.xml") if "xl/styles.xml" in self.names else b""
        self.shared_strings = (
            self._inflate_all("xl/sharedStrings.xml", self.limits.max_uncompressed_bytes)
            if "xl/sharedStrings.xml" in self.names
            else b""
        )


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _content_types(sst: bool, styles: bool) -> str:
    parts = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    if sst:
        parts.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    if styles:
        parts.append(
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.'
        'org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(parts)
        + "</Types>"
    )


def _workbook_xml(date1904: bool) -> str:
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships">{pr}<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _workbook_rels(sst: bool, styles: bool) -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = [f'<Relationship Id="rId1" Type="{base}/worksheet" Target="worksheets/sheet1.xml"/>']
    if sst:
        rels.append(f'<Relationship Id="rId2" Type="{base}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles:
        rels.append(f'<Relationship Id="rId3" Type="{base}/styles" Target="styles.xml"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships">' + "".join(rels) + "</Relationships>"
    )


@dataclass
class _Slice:
    xml_rows: bytes
    first_row: int  # 0-based index the slice's first row would have without explicit r= attributes


class _SheetScanner:
    """One streaming pass over a sheet part: yields slices of whole <row> elements and checks
    limits, formulas and merged cells on the way."""

    def __init__(self, xlsx: _Xlsx, part: str, sheet_name: str, slice_rows: int) -> None:
        self.xlsx, self.part, self.sheet_name, self.slice_rows = xlsx, part, sheet_name, slice_rows
        self.prefix = b""
        self.rows_seen = 0
        self.dimension_rows: int | None = None
        self.merged: list[str] = []

    def _refuse_formula(self, chunk: bytes, pos: int) -> None:
        start = chunk.rfind(b"<c ", 0, pos)
        ref = _CELL_REF_RE.match(chunk, start) if start >= 0 else None
        where = f"单元格 {ref.group(1).decode()}" if ref else f"第 {self.rows_seen + 1} 行附近"
        raise FileRefused(
            f"工作表「{self.sheet_name}」的{where}是公式，不是数值。导入只接受数值：请在 Excel 中"
            "全选后“复制 → 选择性粘贴 → 数值”，保存后再上传"
        )

    def slices(self) -> Iterator[_Slice]:
        limit = self.xlsx.limits.max_rows + HEADER_SEARCH_ROWS
        buffer = b""
        state = "prefix"  # → "rows" → "tail"
        tail = bytearray()
        pending: list[bytes] = []
        pending_rows = 0
        first_row = 0
        for block in self.xlsx.stream(self.part):
            if state == "tail":
                if len(tail) < MAX_META_PART_BYTES:
                    tail += block
                continue
            buffer += block
            if state == "prefix":
                start = buffer.find(b"<sheetData")
                close = buffer.find(b">", start) if start >= 0 else -1
                if close < 0:
                    if len(buffer) > MAX_META_PART_BYTES:
                        raise FileRefused(f"工作表「{self.sheet_name}」结构异常（找不到数据区），已拒绝")
                    continue
                dim = _DIMENSION_RE.search(buffer, 0, start)
                if dim:
                    self.dimension_rows = int(dim.group(1))
                    if self.dimension_rows > limit:
                        raise FileRefused(
                            f"工作表「{self.sheet_name}」有 {self.dimension_rows:,} 行，超过上限 "
                            f"{self.xlsx.limits.max_rows:,} 行，请分成几个文件导入"
                        )
                self.prefix = _DIMENSION_TAG_RE.sub(b"", buffer[:start])
                if buffer[close - 1 : close] == b"/":  # <sheetData/>: no rows at all
                    state = "tail"
                    tail += buffer[close + 1 :]
                    continue
                buffer = buffer[close + 1 :]
                state = "rows"
            end_data = buffer.find(b"</sheetData>")
            if end_data >= 0:
                whole, rest = buffer[:end_data], b""
                tail += buffer[end_data:]
                state = "tail"
            else:
                cut = buffer.rfind(b"</row>")
                if cut < 0:
                    if len(buffer) > MAX_META_PART_BYTES:
                        raise FileRefused(f"工作表「{self.sheet_name}」中有一行大得异常，已拒绝")
                    continue
                whole, rest = buffer[: cut + 6], buffer[cut + 6 :]
            buffer = rest
            if not whole.strip():
                continue
            formula = _FORMULA_RE.search(whole)
            if formula:
                self._refuse_formula(whole, formula.start())
            positions = [m.start() for m in _ROW_RE.finditer(whole)]
            if not positions:
                continue
            if self.rows_seen + len(positions) > limit:
                raise FileRefused(
                    f"工作表「{self.sheet_name}」的行数超过上限 {self.xlsx.limits.max_rows:,} 行，"
                    "请分成几个文件导入"
                )
            index = 0
            while index < len(positions):
                room = self.slice_rows - pending_rows
                take = positions[index : index + room]
                end = positions[index + room] if index + room < len(positions) else len(whole)
                pending.append(whole[take[0] : end])
                pending_rows += len(take)
                self.rows_seen += len(take)
                index += len(take)
                if pending_rows >= self.slice_rows:
                    yield _Slice(b"".join(pending), first_row)
                    first_row += pending_rows
                    pending, pending_rows = [], 0
        if state == "prefix":
            raise FileRefused(f"工作表「{self.sheet_name}」结构异常（找不到数据区），文件可能已损坏")
        if state == "rows":
            raise FileRefused(f"工作表「{self.sheet_name}」不完整（数据区没有结束），文件可能已损坏")
        self.merged = [m.group(1).decode() for m in _MERGE_RE.finditer(bytes(tail))]
        if pending:
            yield _Slice(b"".join(pending), first_row)


def _parse_ref(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not match:
        return (0, 0)
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)) - 1, col - 1


def _load_slice(xlsx: _Xlsx, prefix: bytes, piece: _Slice, sheet_name: str) -> tuple[int, list[list[Any]]]:
    """One slice read by calamine: (0-based index of its first row, rows). calamine parses without
    holding the GIL, so the next slice is loaded in a thread while this one is validated."""
    xml = prefix + b"<sheetData>" + piece.xml_rows + b"</sheetData></worksheet>"
    explicit = _ROW_R_RE.match(piece.xml_rows) is not None
    try:
        workbook = CalamineWorkbook.from_filelike(xlsx.mini_workbook(xml))
        del xml
        sheet = workbook.get_sheet_by_index(0)
        start = sheet.start
        data = sheet.to_python(skip_empty_area=True) if start is not None else []
        workbook.close()
    except (CalamineError, ValueError) as exc:
        raise FileRefused(
            f"无法读取工作表「{sheet_name}」第 {piece.first_row + 1} 行起的数据：{_short(exc)}"
        ) from exc
    if start is None:
        return 0, []
    if start[1]:
        pad: list[Any] = [None] * start[1]
        data = [pad + list(row) for row in data]  # type: ignore[misc]
    return start[0] + (0 if explicit else piece.first_row), data


def _read_slice(
    xlsx: _Xlsx, prefix: bytes, piece: _Slice, sheet_name: str
) -> Iterator[tuple[int, list[Any]]]:
    base, data = _load_slice(xlsx, prefix, piece, sheet_name)
    for offset, row in enumerate(data):
        yield base + offset, row


_DONE = object()


def _prefetched(producer: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """Run `producer` in a thread, `depth` items ahead of the consumer; errors are re-raised here.
    If the consumer stops early, the thread is told to stop and is not left blocked."""
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for item in producer:
                while not stop.is_set():
                    try:
                        items.put(("item", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(("done", _DONE))
        except BaseException as exc:  # handed to the consumer
            items.put(("error", exc))

    thread = threading.Thread(target=run, name="xlsx-slice-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = items.get()
            if kind == "done":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                items.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.2)


def slice_rows_for(shared_strings_bytes: int) -> int:
    """Rows per slice of a workbook whose shared-strings part has this size (see SLICE_ROWS)."""
    if shared_strings_bytes > LARGE_SHARED_STRINGS_BYTES:
        return SLICE_ROWS_LARGE_SHARED_STRINGS
    return SLICE_ROWS


def _open_xlsx(path: Path, limits: ReadLimits) -> Table:
    xlsx = _Xlsx(path, limits)
    sheets = xlsx.sheets()
    if not sheets:
        raise FileRefused("工作簿中没有工作表")
    xlsx.load_shared()
    rows_per_slice = slice_rows_for(len(xlsx.shared_strings))
    # Look at the top of every worksheet to find the one with the ledger.
    candidates = []
    estimates: dict[str, int | None] = {}
    for name, visible, part in sheets:
        scanner = _SheetScanner(xlsx, part, name, HEADER_SEARCH_ROWS)
        top: list[list[Any]] = []
        for piece in scanner.slices():
            for index, row in _read_slice(xlsx, scanner.prefix, piece, name):
                top.extend([[]] * (index - len(top)))
                top.append(row)
            break
        estimates[name] = scanner.dimension_rows
        candidates.append((name, visible, top[:HEADER_SEARCH_ROWS], part, None))
    name, part, _merged, notes = _choose_sheet(candidates)
    top = next(c[2] for c in candidates if c[0] == name)
    header_index, header = _header_or_refuse(name, top, limits)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # Merged cells are listed after the rows, so they are refused at the end of the pass
        # (nothing has been written by then: an import writes in one transaction).
        scanner = _SheetScanner(xlsx, part, name, rows_per_slice)
        loaded = (_load_slice(xlsx, scanner.prefix, piece, name) for piece in scanner.slices())
        try:
            data_rows = 0
            for base, data in _prefetched(loaded):
                for offset, row in enumerate(data):
                    if base + offset > header_index:
                        data_rows += 1
                        if data_rows > limits.max_rows:
                            raise FileRefused(
                                f"文件的数据行超过上限 {limits.max_rows:,} 行，请分成几个文件导入"
                            )
                        yield base + offset + 1, row
                del data
            _refuse_merged(
                [
                    (_parse_ref(a), _parse_ref(b or a))
                    for a, _, b in (m.partition(":") for m in scanner.merged)
                ],
                header_index,
            )
        finally:
            xlsx.zip.close()

    estimate = estimates.get(name)
    return Table(
        format="xlsx",
        sheet_name=name,
        header=header,
        header_row=header_index + 1,
        rows=rows(),
        estimated_rows=max(0, estimate - header_index - 1) if estimate else None,
        notes=notes,
    )


def excel_serial_to_date(value: float, date1904: bool = False) -> dt.date:
    base = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    return base + dt.timedelta(days=int(value))
