"""In real Chromium, the whole clerk's round: download the template, fill it with mistakes, upload,
see every mistake explained (on the page and in the marked file), fix the marked file, upload it
again, import, and find the cards in the asset list. Tasks run at once in tests (ImmediateBackend)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from conftest import login
from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.spreadsheets.models import AssetImport, ImportStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _columns(sheet) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Header text → 1-based column number."""
    return {str(cell.value): cell.column for cell in sheet[1] if cell.value}


def _upload(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/spreadsheets/imports/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/spreadsheets/imports/*/")
    page.wait_for_selector("[data-testid=import-status]:has-text('校验完成')")


def test_template_mistakes_fix_and_import(page, world, tmp_path) -> None:
    login(page, world.clerk_sch.username)
    page.goto("/assets/")
    page.get_by_role("link", name="Excel 导入").first.click()
    page.wait_for_url("**/spreadsheets/imports/")

    # 1. The template: headers, a sample row, drop-downs.
    with page.expect_download() as download_info:
        page.get_by_test_id("template-link").click()
    template = tmp_path / "模板.xlsx"
    download_info.value.save_as(template)
    book = openpyxl.load_workbook(template)
    sheet = book["资产卡片"]
    col = _columns(sheet)
    assert sheet.cell(2, col["资产名称"]).value == "笔记本电脑"
    assert len(sheet.data_validations.dataValidation) >= 8

    # 2. The clerk fills three more rows, with one mistake in each of five cells.
    def put(r: int, **values: object) -> None:
        for header, value in values.items():
            sheet.cell(r, col[header]).value = value

    base = {
        "资产分类代码": "A05010100",
        "取得日期": dt.datetime(2024, 5, 6),
        "原值": 1200,
        "累计折旧": 0,
        "资产状态": "在用",
        "使用部门": "办公室",
        "产权单位": None,
        "使用单位": None,
    }
    put(3, **{**base, "资产名称": "办公桌", "资产分类代码": "A0201"})  # category code malformed
    put(4, **{**base, "资产名称": "文件柜", "原值": "六千元", "取得日期": "2024-02-30"})  # amount, date
    put(5, **{**base, "资产名称": "打印机", "原值": 800, "累计折旧": 900, "使用部门": "后勤科"})
    book.save(tmp_path / "台账.xlsx")

    # 3. Upload: nothing is written, every mistake is listed with row, column, value and reason.
    _upload(page, tmp_path / "台账.xlsx")
    assert page.get_by_test_id("count-new").inner_text() == "1"
    assert page.get_by_test_id("count-error").inner_text() == "3"
    table = page.get_by_test_id("error-table").inner_text()
    for expected in (
        "3\t资产分类代码\tA0201\t分类代码应为1个大写字母加8位数字",
        "4\t原值\t六千元\t不是有效的金额",
        "4\t取得日期\t2024-02-30\t日期不存在",
        "5\t累计折旧\t900\t累计折旧不能大于原值",
        "5\t使用部门\t后勤科\t「中心小学」没有这个部门",
    ):
        assert expected in table, (expected, table)
    assert not Asset.objects.filter(owner_unit=world.SCH).exists()
    page.screenshot(path="var/screens/import-errors.png", full_page=True)

    # 4. The file back with the bad cells marked and a reason column; the clerk fixes it there.
    with page.expect_download() as download_info:
        page.get_by_test_id("errors-download").click()
    marked_path = tmp_path / "标出错误.xlsx"
    download_info.value.save_as(marked_path)
    marked = openpyxl.load_workbook(marked_path)
    sheet = marked.active
    col = _columns(sheet)
    assert "错误原因" in col
    assert "分类代码应为" in sheet.cell(3, col["错误原因"]).value
    assert sheet.cell(3, col["资产分类代码"]).fill.fgColor.rgb.endswith("FFC7CE")
    sheet.cell(3, col["资产分类代码"]).value = "A05010100"
    sheet.cell(4, col["原值"]).value = 6000
    sheet.cell(4, col["取得日期"]).value = dt.datetime(2024, 2, 29)
    sheet.cell(5, col["累计折旧"]).value = 100
    sheet.cell(5, col["使用部门"]).value = "办公室"
    marked.save(tmp_path / "台账（改正）.xlsx")

    # 5. Upload the corrected file: no errors; the reason column is ignored and said so.
    page.get_by_role("link", name="上传改正后的文件").click()
    _upload(page, tmp_path / "台账（改正）.xlsx")
    assert page.get_by_test_id("count-new").inner_text() == "4"
    assert page.get_by_test_id("count-error").inner_text() == "0"
    assert "未识别的列已忽略：错误原因" in page.content()

    # 6. Import (all-or-nothing, confirmed), then the cards are in the list.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("commit-button").click()
    page.wait_for_selector("[data-testid=import-done]")
    assert "新增 4 张卡片" in page.get_by_test_id("import-done").inner_text()
    job = AssetImport.objects.get(status=ImportStatus.COMMITTED)
    assert job.created_count == 4 and job.committed_by == world.clerk_sch
    page.get_by_role("link", name="查看资产卡片").click()
    page.wait_for_selector("text=共 4 项")
    listing = page.content()
    for name in ("笔记本电脑", "办公桌", "文件柜", "打印机"):
        assert name in listing
    printer = Asset.objects.select_related("book").get(owner_unit=world.SCH, name="打印机")
    assert printer.book.accumulated_depreciation_fen == 10000 and printer.department.name == "办公室"
    assert AssetEvent.objects.filter(asset__owner_unit=world.SCH, reference=job.number).count() == 4
    page.screenshot(path="var/screens/import-done.png", full_page=True)
