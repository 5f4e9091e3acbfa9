"""The import end to end through the services: every error kind, encodings, commit/rollback,
updates with ledger events, permissions, export → import round trip."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongwucang.assets.domain.search_keys import build_search_text
from gongwucang.assets.exceptions import AssetNotWritable
from gongwucang.assets.ledger import snapshot
from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.spreadsheets.export import iter_xlsx
from gongwucang.spreadsheets.models import ImportStatus
from gongwucang.spreadsheets.services import (
    ImportFailed,
    asset_import_check,
    asset_import_commit,
    asset_import_upload,
    run_import,
)
from gongwucang.spreadsheets.workbooks import asset_export_rows, ledger_export_columns
from gongwucang.spreadsheets.writer import _ASSET_COPY_COLUMNS

from .helpers import HEADER, card, row, write_csv, write_xls, write_xlsx

pytestmark = pytest.mark.django_db


def check(world, path, unit=None, actor=None):  # type: ignore[no-untyped-def]
    return run_import(
        actor=actor or world.clerk_sch,
        unit=unit or world.SCH,
        path=str(path),
        filename=path.name,
        commit=False,
    )


def reasons(result) -> dict[tuple[int, str], str]:  # type: ignore[no-untyped-def]
    return {(e[0], e[1]): e[3] for e in result.errors}


def test_every_cell_error_kind_names_row_column_value_reason(world, tmp_path) -> None:
    card(actor=world.clerk_cln, unit=world.CLN, asset_no="CLN-0001")
    rows = [
        row("A-1", name=""),  # 2 required
        row("A-2", acquired="2024-13-45"),  # 3 bad date
        row("A-3", original="12,34x"),  # 4 bad amount
        row("A-4", original=100, accumulated=200),  # 5 accumulated > original
        row("A-5", code="A99999999"),  # 6 unknown category
        row("A-6", code="电脑"),  # 7 malformed category
        row("A-7", method="偷来的"),  # 8 coded value
        row("A-8", department="不存在科"),  # 9 department
        row("A-9", status="已处置"),  # 10 status for a new card
        row("A-1"),  # 11 duplicate in file (row 2 is bad, so: A-10 below)
        row("CLN-0001"),  # 12 number of another unit
        row("A-12", life=-3),  # 13 life < 1
        row("A-13", original=1.234),  # 14 more than 2 decimals
        row("A-14", acquired=dt.date.today() + dt.timedelta(days=30)),  # 15 future
        row("A-15", person="无此人"),  # 16 person
        row("A-16", original=-5),  # 17 negative
    ]
    result = check(world, write_xlsx(tmp_path / "bad.xlsx", rows))
    got = reasons(result)
    assert got[(2, "资产名称")] == "必填，不能为空"
    assert "日期" in got[(3, "取得日期")]
    assert "不是有效的金额" in got[(4, "原值")]
    assert got[(5, "累计折旧")] == "累计折旧不能大于原值"
    assert "没有这个资产分类代码" in got[(6, "资产分类代码")]
    assert "1个大写字母加8位数字" in got[(7, "资产分类代码")]
    assert "应为：购置" in got[(8, "取得方式")]
    assert "没有这个部门" in got[(9, "使用部门")]
    assert "新登记的资产状态只能是" in got[(10, "资产状态")]
    assert "无权修改的单位" in got[(12, "资产编号")]
    assert "至少为 1 个月" in got[(13, "折旧年限(月)")] or "应为整数" in got[(13, "折旧年限(月)")]
    assert "两位小数" in got[(14, "原值")]
    assert "晚于今天" in got[(15, "取得日期")]
    assert "没有这个人员" in got[(16, "使用人")]
    assert "负数" in got[(17, "原值")]
    assert result.rows_error == 15 and result.rows_new == 1  # row 11 ("A-1" again) is fine: row 2 was refused
    values = {(e[0], e[1]): e[2] for e in result.errors}
    assert values[(4, "原值")] == "12,34x" and values[(8, "取得方式")] == "偷来的"


def test_duplicate_numbers_in_file(world, tmp_path) -> None:
    result = check(world, write_xlsx(tmp_path / "dup.xlsx", [row("D-1"), row("D-2"), row("D-1")]))
    assert reasons(result) == {(4, "资产编号"): "与第 2 行的资产编号重复"}


def test_dates_and_amounts_in_many_forms(world, tmp_path) -> None:
    forms = [
        ("2024-03-15", "1,234.50"),
        ("2024/3/15", "¥1234.5"),
        ("2024年3月15日", "1234.50元"),
        ("20240315", "1，234.50"),
        (45366, 1234.5),
        ("45366", "1234.50"),
    ]
    rows = [row(f"F-{i}", acquired=a, original=o) for i, (a, o) in enumerate(forms)]
    run_import(
        actor=world.clerk_sch,
        unit=world.SCH,
        path=str(write_xlsx(tmp_path / "f.xlsx", rows)),
        filename="f.xlsx",
        commit=True,
    )
    cards = Asset.objects.filter(asset_no__startswith="F-").select_related("book")
    assert {(a.acquired_on, a.book.original_value_fen) for a in cards} == {(dt.date(2024, 3, 15), 123450)}


def test_xls_workbook_imports(world, tmp_path) -> None:
    """An Excel 97-2003 ledger: text, numbers, dates written as text, a formula-free sheet."""
    path = write_xls(
        tmp_path / "旧台账.xls",
        [
            row("X-1", original=6999.5, accumulated=1166.5),
            row("X-2", name="打印机", code="A02021000", life=60),
        ],
    )
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="旧台账.xls", commit=True
    )
    assert (result.created, result.errors, result.table.format) == (2, [], "xls")
    laptop = Asset.objects.select_related("book").get(asset_no="X-1")
    assert (laptop.book.original_value_fen, laptop.book.accumulated_depreciation_fen) == (699950, 116650)
    assert laptop.acquired_on == dt.date(2024, 3, 15) and laptop.department.name == "办公室"
    assert Asset.objects.get(asset_no="X-2").useful_life_months == 60


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings(world, tmp_path, encoding) -> None:
    path = write_csv(
        tmp_path / "l.csv", [row("C-1", name="办公椅（人体工学）", code="A05010301")], encoding=encoding
    )
    result = run_import(actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="l.csv", commit=True)
    assert result.created == 1 and result.table.encoding in ("UTF-8", "GB18030")
    assert Asset.objects.get(asset_no="C-1").name == "办公椅（人体工学）"


def test_all_or_nothing_rolls_back_everything(world, tmp_path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", [row("R-1"), row("R-2"), row("R-3", original="x")])
    with pytest.raises(ImportFailed) as failed:
        run_import(actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="x.xlsx", commit=True)
    assert failed.value.result.rows_error == 1
    assert not Asset.objects.filter(asset_no__startswith="R-").exists()
    result = run_import(
        actor=world.clerk_sch,
        unit=world.SCH,
        path=str(path),
        filename="x.xlsx",
        commit=True,
        mode="valid_only",
    )
    assert result.created == 2 and Asset.objects.filter(asset_no__startswith="R-").count() == 2


def test_new_cards_keep_register_invariants(world, tmp_path) -> None:
    path = write_xlsx(tmp_path / "n.xlsx", [row(""), row("", name="文件柜", code="A05010502", life="")])
    run_import(
        actor=world.clerk_sch,
        unit=world.SCH,
        path=str(path),
        filename="n.xlsx",
        commit=True,
        reference="DR-TEST",
    )
    cards = list(Asset.objects.filter(owner_unit=world.SCH).select_related("book", "category"))
    assert len(cards) == 2
    for one in cards:
        assert one.asset_no.startswith("SCH01-") and one.version == 1 and one.book is not None
        assert "bjb" in one.search_text or "wjg" in one.search_text
        assert one.search_text == build_search_text(one.name, one.asset_no, one.model_spec, one.brand)
        events = list(AssetEvent.objects.filter(asset=one))
        assert len(events) == 1 and events[0].event_type == "imported" and events[0].reference == "DR-TEST"
        assert events[0].after == snapshot(one)
    cabinet = next(c for c in cards if c.name == "文件柜")
    assert cabinet.useful_life_months == cabinet.category.default_life_months and cabinet.measure_unit == "组"


def test_cards_prepared_ahead_by_the_reading_thread_match_the_register(world, tmp_path, monkeypatch) -> None:
    """PostgreSQL's pipeline prepares each batch's new cards in the reading thread
    (CardWriter.prepare_ahead) while the database writes the previous batch: numbered rows
    ahead, unnumbered rows after numbering, an update's values unused. Every card must still be
    what the register makes (search text, one ledger event equal to snapshot())."""
    from django.db import connection

    from gongwucang.spreadsheets import services, writer

    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    monkeypatch.setattr(writer, "FLUSH_ROWS", 2)
    ahead: list[str] = []
    original = writer.CardWriter.prepare_ahead

    def spy(self, rows):  # type: ignore[no-untyped-def]
        ahead.extend(p.asset_no for p in rows if p.asset_no)
        return original(self, rows)

    monkeypatch.setattr(writer.CardWriter, "prepare_ahead", spy)
    old = card(actor=world.clerk_sch, unit=world.SCH, asset_no="PA-9", name="旧名称")
    rows = [
        row("PA-1"),
        row("", name="文件柜", code="A05010502", life=""),
        row("PA-9", name="新名称"),
        row("PA-2", name="打印机", spec="LaserJet"),
        row(""),
    ]
    path = write_csv(tmp_path / "ahead.csv", rows)
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="ahead.csv", commit=True
    )
    assert (result.created, result.updated) == (4, 1), result.errors
    if connection.vendor == "postgresql":
        assert {"PA-1", "PA-2", "PA-9"} <= set(ahead)
    cards = list(Asset.objects.filter(owner_unit=world.SCH).exclude(pk=old.pk).select_related("book"))
    assert len(cards) == 4
    for one in cards:
        assert one.search_text == build_search_text(one.name, one.asset_no, one.model_spec, one.brand)
        events = list(AssetEvent.objects.filter(asset=one))
        assert len(events) == 1 and events[0].event_type == "imported"
        assert events[0].after == snapshot(one)
    old.refresh_from_db()
    assert old.name == "新名称" and old.version == 2
    assert [e.event_type for e in AssetEvent.objects.filter(asset=old).order_by("id")][-1] == "import_updated"
    assert not AssetEvent.objects.filter(asset=old, event_type="imported").exists()


def test_pipelined_run_shortens_the_switch_interval_and_restores_it(world, tmp_path, monkeypatch) -> None:
    """PostgreSQL's pipeline runs with services.PIPELINE_SWITCH_SECONDS as Python's switch
    interval (the writing thread gets the GIL back sooner) and restores the interval after."""
    import sys

    from django.db import connection

    from gongwucang.spreadsheets import services, writer

    seen: list[float] = []
    original = writer.CardWriter.prepare_ahead

    def spy(self, rows):  # type: ignore[no-untyped-def]
        seen.append(sys.getswitchinterval())
        return original(self, rows)

    monkeypatch.setattr(writer.CardWriter, "prepare_ahead", spy)
    before = sys.getswitchinterval()
    path = write_csv(tmp_path / "switch.csv", [row("SW-1"), row("SW-2")])
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="switch.csv", commit=True
    )
    assert result.created == 2
    assert sys.getswitchinterval() == before
    if connection.vendor == "postgresql":
        assert seen and all(abs(v - services.PIPELINE_SWITCH_SECONDS) < 1e-9 for v in seen)


def test_copy_writes_every_card_column() -> None:
    """The COPY of new cards names every column of the card table (a new field must be added there)."""
    assert sorted(_ASSET_COPY_COLUMNS) == sorted(f.column for f in Asset._meta.concrete_fields)


def test_updates_show_diff_and_write_one_event_each(world, tmp_path) -> None:
    first = card(actor=world.clerk_sch, unit=world.SCH, asset_no="U-1", name="旧名称", location="101")
    same = card(actor=world.clerk_sch, unit=world.SCH, asset_no="U-2")
    header = ["资产编号", "资产名称", "资产分类代码", "取得日期", "原值", "存放地点", "资产状态"]
    rows = [
        ["U-1", "新名称", "A02010108", dt.date(2025, 3, 15), 6500, "202", "闲置"],
        ["U-2", same.name, "A02010108", dt.date(2025, 3, 15), 5999, "", "在用"],
    ]
    path = write_xlsx(tmp_path / "u.xlsx", rows, header=header)
    preview = check(world, path)
    assert (preview.rows_new, preview.rows_update, preview.rows_unchanged) == (0, 1, 1)
    change = preview.changes[0]
    assert change["before"]["name"] == "旧名称" and change["after"]["name"] == "新名称"
    assert change["after"]["original_value_fen"] == "6500.00" and change["after"]["status"] == "idle"
    assert Asset.objects.get(pk=first.pk).name == "旧名称"  # the preview wrote nothing
    result = run_import(actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="u.xlsx", commit=True)
    assert result.updated == 1
    first.refresh_from_db()
    first.book.refresh_from_db()
    assert (first.name, first.location, first.status, first.version, first.book.original_value_fen) == (
        "新名称",
        "202",
        "idle",
        2,
        650000,
    )
    event = AssetEvent.objects.filter(asset=first).order_by("-id").first()
    assert event.event_type == "import_updated"
    assert set(event.after) == {"name", "location", "status", "original_value_fen"}
    assert AssetEvent.objects.filter(asset=same).count() == 1  # unchanged: no event


def test_updates_over_several_batches_keep_the_register_rules(world, tmp_path, monkeypatch) -> None:
    """Changed cards are written a batch at a time (PostgreSQL: one UPDATE per batch): each card
    gets every changed value, its version, its search text (and, on PostgreSQL, the search keys
    the database derives from it), its book value, and the unit's counters follow."""
    from django.db import connection

    from gongwucang.assets.domain.search_keys import search_grams
    from gongwucang.assets.models import AssetTally
    from gongwucang.spreadsheets import services, writer

    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    monkeypatch.setattr(writer, "FLUSH_ROWS", 2)
    numbers = [f"B-{i}" for i in range(5)]
    for number in numbers:
        card(actor=world.clerk_sch, unit=world.SCH, asset_no=number, name="旧名称")
    header = ["资产编号", "资产名称", "资产分类代码", "取得日期", "原值", "存放地点", "资产状态"]
    rows = [
        [n, f"保险柜{i}", "A02010108", dt.date(2025, 3, 15), 6000 + i, f"{i}楼", "闲置"]
        for i, n in enumerate(numbers)
    ]
    path = write_xlsx(tmp_path / "b.xlsx", rows, header=header)
    result = run_import(actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="b.xlsx", commit=True)
    assert result.updated == 5
    for i, number in enumerate(numbers):
        asset = Asset.objects.select_related("book").get(asset_no=number)
        assert (asset.name, asset.location, asset.status, asset.version) == (
            f"保险柜{i}",
            f"{i}楼",
            "idle",
            2,
        )
        assert asset.book.original_value_fen == (6000 + i) * 100
        assert asset.search_text == build_search_text(
            asset.name, asset.asset_no, asset.model_spec, asset.brand
        )
        assert asset.updated_at > asset.created_at
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT search_keys FROM assets_asset WHERE id = %s", [asset.pk])
                assert set(cursor.fetchone()[0]) == search_grams(asset.search_text)
    tally = AssetTally.objects.filter(owner_unit=world.SCH)
    cards = Asset.objects.filter(owner_unit=world.SCH).select_related("book")
    assert sum(t.original_value_fen for t in tally) == sum(c.book.original_value_fen for c in cards)
    assert sum(t.cards for t in tally if t.status == "idle") == cards.filter(status="idle").count() == 5


def _rename_after_another_edit(world, tmp_path, monkeypatch, other: dict):  # type: ignore[no-untyped-def]
    """A card named 旧名称, a file that renames it 新名称, and another clerk's edit `other` (the
    real service) that lands after the import read the card unlocked and before it locks the
    cards a row changes. Returns (card, the committed import's result)."""
    from gongwucang.assets.services import asset_update
    from gongwucang.spreadsheets import selectors

    first = card(actor=world.clerk_sch, unit=world.SCH, asset_no="W-1", name="旧名称")
    header = ["资产编号", "资产名称", "资产分类代码", "取得日期", "原值"]  # what card() gives, but the name
    path = write_xlsx(
        tmp_path / "w.xlsx", [["W-1", "新名称", "A02010108", dt.date(2025, 3, 15), 5999]], header=header
    )
    read = selectors.existing_cards

    def read_then_edit(**kwargs):  # type: ignore[no-untyped-def]
        found = read(**kwargs)
        first.refresh_from_db()
        asset_update(actor=world.clerk_sch, asset_id=first.pk, expected_version=first.version, values=other)
        return found

    monkeypatch.setattr(selectors, "existing_cards", read_then_edit)
    result = run_import(actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="w.xlsx", commit=True)
    first.refresh_from_db()
    return first, result


def test_update_applies_to_the_card_as_it_is_when_locked(world, tmp_path, monkeypatch) -> None:
    """A card edited by someone else after the import read it is changed as it now is: the
    ledger's "before" shows their edit, the version counts both changes."""
    first, result = _rename_after_another_edit(world, tmp_path, monkeypatch, {"name": "别人改的"})
    assert (result.updated, result.rows_update, result.rows_error) == (1, 1, 0)
    assert result.changes[0]["before"]["name"] == "别人改的"
    assert (first.name, first.version) == ("新名称", 3)
    event = AssetEvent.objects.filter(asset=first).order_by("-id").first()
    assert event.event_type == "import_updated" and event.before["name"] == "别人改的"


def test_update_already_made_by_someone_else_is_left_alone(world, tmp_path, monkeypatch) -> None:
    """If the other edit already gave the card what the row says, the row changes nothing."""
    first, result = _rename_after_another_edit(world, tmp_path, monkeypatch, {"name": "新名称"})
    assert (result.updated, result.rows_update, result.rows_unchanged) == (0, 0, 1)
    assert (first.name, first.version) == ("新名称", 2)  # only the other edit
    assert not AssetEvent.objects.filter(asset=first, event_type="import_updated").exists()


def test_update_refuses_what_only_orders_may_change(world, tmp_path) -> None:
    card(actor=world.clerk_sch, unit=world.SCH, asset_no="V-1", accumulated="100.00")
    header = ["资产编号", "资产名称", "资产分类代码", "取得日期", "原值", "累计折旧", "资产状态"]
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [["V-1", "笔记本电脑", "A02010108", dt.date(2025, 3, 15), 5999, 0, "待处置"]],
        header=header,
    )
    got = reasons(check(world, path))
    assert "不能通过导入修改" in got[(2, "累计折旧")]
    assert "请通过相应单据办理" in got[(2, "资产状态")]


def test_clerk_cannot_import_into_another_unit(world, tmp_path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("P-1")])
    with pytest.raises(AssetNotWritable):
        run_import(actor=world.clerk_sch, unit=world.CLN, path=str(path), filename="p.xlsx", commit=True)
    with pytest.raises(AssetNotWritable):
        asset_import_upload(
            actor=world.clerk_sch, unit=world.CLN, uploaded=SimpleUploadedFile("p.xlsx", path.read_bytes())
        )
    header = [*HEADER, "产权单位"]
    path = write_xlsx(tmp_path / "q.xlsx", [[*row("P-2"), world.CLN.name]], header=header)
    assert "权限" in reasons(check(world, path))[(2, "产权单位")]
    assert not Asset.objects.filter(asset_no__in=["P-1", "P-2"]).exists()


def test_export_then_import_changes_nothing(world, tmp_path) -> None:
    card(
        actor=world.clerk_sch,
        unit=world.SCH,
        asset_no="T-1",
        name="=cmd|' /C calc'!A0",
        model_spec="2024",
        location="三楼 <301> & 302",
        accumulated="12.34",
        department=world.SCH.departments.first(),
    )
    card(
        actor=world.clerk_sch,
        unit=world.SCH,
        asset_no="T-2",
        name="办公桌",
        category_code="A05010100",
        original_value="1,000.10".replace(",", ""),
        custodian=world.clerk_sch,
    )
    before = {a.pk: (snapshot(a), a.version) for a in Asset.objects.select_related("book")}
    qs = Asset.objects.filter(owner_unit=world.SCH)
    data = b"".join(
        iter_xlsx(sheet_title="资产卡片", columns=ledger_export_columns(), rows=asset_export_rows(qs))
    )
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="export.xlsx", commit=True
    )
    assert result.errors == [] and result.changes == []
    assert (result.rows_new, result.rows_update, result.rows_unchanged) == (0, 0, 2)
    after = {a.pk: (snapshot(a), a.version) for a in Asset.objects.select_related("book")}
    assert after == before


def test_job_flow_records_who_when_file_and_counts(world, tmp_path) -> None:
    path = write_xlsx(tmp_path / "j.xlsx", [row("J-1"), row("J-2", original="bad")])
    job = asset_import_upload(
        actor=world.clerk_sch, unit=world.SCH, uploaded=SimpleUploadedFile("台账.xlsx", path.read_bytes())
    )
    job = asset_import_check(import_id=job.pk)
    assert job.status == ImportStatus.VALIDATED and (job.rows_new, job.rows_error) == (1, 1)
    assert job.number.startswith("DR-") and job.created_by == world.clerk_sch and job.sha256
    job = asset_import_commit(actor=world.clerk_sch, import_id=job.pk, mode="all_or_nothing")
    assert job.status == ImportStatus.FAILED and not Asset.objects.filter(asset_no="J-1").exists()
    job.status = ImportStatus.VALIDATED
    job.save()
    job = asset_import_commit(actor=world.clerk_sch, import_id=job.pk, mode="valid_only")
    assert job.status == ImportStatus.COMMITTED and (job.created_count, job.skipped_count) == (1, 1)
    assert (
        job.committed_by == world.clerk_sch
        and AssetEvent.objects.get(asset__asset_no="J-1").reference == job.number
    )


def test_error_workbook_marks_bad_cells(world, tmp_path) -> None:
    import openpyxl

    from gongwucang.spreadsheets.services import read_limits
    from gongwucang.spreadsheets.workbooks import error_workbook

    path = write_xlsx(tmp_path / "e.xlsx", [row("E-1"), row("E-2", original="abc")])
    result = check(world, path)
    data = error_workbook(
        path=str(path),
        filename="e.xlsx",
        limits=read_limits(),
        errors=result.errors,
        rows_total=result.rows_total,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.cell(1, len(HEADER) + 1).value == "错误原因"
    assert "不是有效的金额" in sheet.cell(3, len(HEADER) + 1).value
    assert (
        sheet.cell(3, 7).fill.fgColor.rgb.endswith("FFC7CE") and sheet.cell(2, len(HEADER) + 1).value is None
    )
