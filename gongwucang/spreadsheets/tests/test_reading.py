"""The .xlsx reader cuts a sheet into slices; what it yields must not depend on where the cuts fall."""

from __future__ import annotations

import openpyxl
import pytest

from gongwucang.spreadsheets.domain import reading
from gongwucang.spreadsheets.domain.reading import ReadLimits, open_table, slice_rows_for

from .helpers import HEADER, row


def test_slice_size_follows_the_shared_strings() -> None:
    assert slice_rows_for(0) == reading.SLICE_ROWS
    assert slice_rows_for(reading.LARGE_SHARED_STRINGS_BYTES) == reading.SLICE_ROWS
    assert slice_rows_for(reading.LARGE_SHARED_STRINGS_BYTES + 1) == reading.SLICE_ROWS_LARGE_SHARED_STRINGS
    assert reading.SLICE_ROWS < reading.SLICE_ROWS_LARGE_SHARED_STRINGS


@pytest.mark.parametrize("slice_rows", [1, 3, 7, 1000])
def test_rows_are_the_same_whatever_the_slices(tmp_path, monkeypatch, slice_rows: int) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ledger.xlsx"
    book = openpyxl.Workbook()  # openpyxl keeps texts in a shared-strings table, as Excel does
    sheet = book.active
    sheet.append(["某某单位资产卡片"])  # a title above the header
    sheet.append(HEADER)
    written = {}
    for n in range(1, 24):
        if n % 5 == 0:
            sheet.append([])  # an empty row: the rows after it keep their own numbers
            continue
        values = row(f"S-{n:03d}", name=f"办公桌{n}")
        sheet.append(values)
        written[sheet.max_row] = values
    book.save(path)
    monkeypatch.setattr(reading, "SLICE_ROWS", slice_rows)

    table = open_table(path, path.name, ReadLimits())
    got = {number: values for number, values in table.rows if any(v not in ("", None) for v in values)}

    assert table.header_row == 2
    assert list(got) == list(written)  # every row once, in order, with its own row number
    for number, values in written.items():
        assert got[number][0] == values[0] and got[number][1] == values[1]
