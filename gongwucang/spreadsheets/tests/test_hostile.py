"""Hostile files get a clear Chinese refusal — never a crash, never a hang."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from gongwucang.spreadsheets.domain.reading import CFB_MAGIC, FileRefused, ReadLimits, open_table

from .helpers import HEADER, row, write_xls, write_xlsx

LIMITS = ReadLimits()


def refused(path, limits: ReadLimits = LIMITS, name: str | None = None) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FileRefused) as exc:
        table = open_table(path, name or path.name, limits)
        for _ in table.rows:
            pass
    return str(exc.value)


def test_wrong_type_with_right_extension(tmp_path) -> None:
    pdf = tmp_path / "ledger.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    assert "PDF" in refused(pdf)
    text = tmp_path / "ledger.xls"
    text.write_text("资产编号,资产名称\n", encoding="utf-8")
    assert "文本文件" in refused(text)
    binary = tmp_path / "ledger.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert "二进制" in refused(binary)
    docx = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "Word" in refused(docx)


def test_encrypted(tmp_path) -> None:
    office = tmp_path / "secret.xlsx"  # an encrypted .xlsx is an OLE compound file
    office.write_bytes(CFB_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le"))
    assert "密码" in refused(office)
    zipped = tmp_path / "zipcrypto.xlsx"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(zipped.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1  # and the central directory's
    zipped.write_bytes(bytes(data))
    assert "密码" in refused(zipped)


def test_empty_files(tmp_path) -> None:
    for name in ("empty.xlsx", "empty.csv", "empty.xls"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert "空的" in refused(path)
    blank = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(blank)
    assert "没有内容" in refused(blank)
    csv = tmp_path / "blank.csv"
    csv.write_text("\n\n", encoding="utf-8")
    assert "没有内容" in refused(csv)


def test_zip_bomb(tmp_path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (50 * 1024 * 1024))
    assert "压缩" in refused(bomb)
    assert "超过上限" in refused(
        bomb, ReadLimits(max_compression_ratio=10**9, max_uncompressed_bytes=10 * 1024 * 1024)
    )


def test_huge_sheet_and_file_size(tmp_path) -> None:
    path = write_xlsx(tmp_path / "big.xlsx", [row(f"B-{i}") for i in range(30)])
    assert "超过上限 20 行" in refused(path, ReadLimits(max_rows=20))
    assert "超过上限" in refused(path, ReadLimits(max_bytes=1000))
    wide = write_xlsx(tmp_path / "wide.xlsx", [row("W-1")], header=[*HEADER, *[f"列{i}" for i in range(300)]])
    assert "列，超过上限" in refused(wide)


def test_merged_header_cells(tmp_path) -> None:
    path = write_xlsx(tmp_path / "merged.xlsx", [row("M-1")])
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("B1:C1")
    book.save(path)
    assert "表头有合并单元格（B1:C1）" in refused(path)
    path2 = write_xlsx(tmp_path / "merged2.xlsx", [row("M-1"), row("M-2")])
    book = openpyxl.load_workbook(path2)
    book.active.merge_cells("L2:L3")
    book.save(path2)
    assert "数据区有合并单元格（L2:L3）" in refused(path2)


def test_hidden_sheet_with_ledger_data(tmp_path) -> None:
    path = write_xlsx(tmp_path / "hidden.xlsx", [row("H-1")])
    book = openpyxl.load_workbook(path)
    secret = book.create_sheet("隐藏")
    secret.append(HEADER)
    secret.append(row("H-2"))
    secret.sheet_state = "hidden"
    book.save(path)
    assert "隐藏的工作表「隐藏」" in refused(path)


def test_hidden_sheet_without_ledger_data_is_ignored(tmp_path) -> None:
    path = write_xlsx(tmp_path / "lists.xlsx", [row("H-1")])
    book = openpyxl.load_workbook(path)
    lists = book.create_sheet("可选值")
    lists.append(["取得方式（可选值）"])
    lists.sheet_state = "hidden"
    book.save(path)
    table = open_table(path, path.name, LIMITS)
    assert [r[1][0] for r in table.rows] == ["H-1"] and "可选值" in table.notes[0]


def test_formulas_instead_of_values(tmp_path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [row("F-1"), [*row("F-2")[:6], "=G2*2", *row("F-2")[7:]]])
    message = refused(path)
    assert "单元格 G3是公式" in message and "选择性粘贴" in message


def test_formulas_in_an_xls_are_found_too(tmp_path) -> None:
    """calamine gives an .xls formula's cached value without saying it is one: the BIFF records are
    scanned for it, and the refusal names the cell."""
    formula_row = [*row("F-2")[:6], ("=", 13998), *row("F-2")[7:]]
    path = write_xls(tmp_path / "f.xls", [row("F-1"), formula_row])
    message = refused(path)
    assert "单元格 G3 是公式" in message and "选择性粘贴" in message
    # A formula on another sheet that holds no ledger does not matter.
    other = write_xls(tmp_path / "g.xls", [row("G-1")], extra_sheets=[("计算", True, [["合计", ("=", 1)]])])
    assert [r[1][0] for r in open_table(other, other.name, LIMITS).rows] == ["G-1"]


def test_hidden_sheet_with_ledger_data_in_an_xls(tmp_path) -> None:
    path = write_xls(tmp_path / "h.xls", [row("H-1")], extra_sheets=[("旧台账", False, [HEADER, row("H-9")])])
    assert "隐藏的工作表「旧台账」" in refused(path)


def test_not_a_ledger(tmp_path) -> None:
    path = write_xlsx(tmp_path / "other.xlsx", [["a", "b"]], header=["姓名", "电话"])
    assert "没有找到表头" in refused(path)
    csv = tmp_path / "bad.csv"
    csv.write_bytes("资产名称,原值\n".encode() + b"\xff\xfe\xfa\x00abc\n")
    assert refused(csv)


def test_title_rows_above_header_and_xls_extension_mismatch(tmp_path) -> None:
    path = tmp_path / "titled.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某某单位资产卡片"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(row("T-1"))
    book.save(path)
    table = open_table(path, path.name, LIMITS)
    assert table.header_row == 3 and [n for n, _ in table.rows] == [4]
    renamed = tmp_path / "renamed.xls"
    renamed.write_bytes(path.read_bytes())
    assert "改为 .xlsx" in refused(renamed)
