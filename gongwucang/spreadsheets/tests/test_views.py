"""The screens: upload → check → preview → commit (tasks run immediately in tests), template,
exports, and another unit's import or card never shown."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from gongwucang.assets.models import Asset

from .helpers import card, row, write_xlsx

pytestmark = pytest.mark.django_db


def login(client, user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)


def test_upload_preview_commit(client, world, tmp_path) -> None:
    login(client, world.clerk_sch)
    path = write_xlsx(tmp_path / "a.xlsx", [row("V-1"), row("V-2", original="oops")])
    response = client.post(
        reverse("spreadsheets:import_list"),
        {"unit": world.SCH.pk, "file": SimpleUploadedFile("台账.xlsx", path.read_bytes())},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert "不是有效的金额" in body and 'data-testid="count-new">1<' in body
    job = detail.context["job"]
    errors = client.get(reverse("spreadsheets:import_errors", args=[job.pk]))
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxml")
    client.post(reverse("spreadsheets:import_commit", args=[job.pk]), {"mode": "valid_only"})
    assert Asset.objects.filter(asset_no="V-1").exists() and not Asset.objects.filter(asset_no="V-2").exists()
    # another unit's clerk does not see the import at all
    client.logout()
    login(client, world.clerk_cln)
    assert client.get(reverse("spreadsheets:import_detail", args=[job.pk])).status_code == 404
    assert (
        client.post(reverse("spreadsheets:import_commit", args=[job.pk]), {"mode": "valid_only"}).status_code
        == 404
    )


def test_clerk_cannot_upload_into_another_unit(client, world, tmp_path) -> None:
    login(client, world.clerk_sch)
    path = write_xlsx(tmp_path / "a.xlsx", [row("X-1")])
    response = client.post(
        reverse("spreadsheets:import_list"),
        {"unit": world.CLN.pk, "file": SimpleUploadedFile("a.xlsx", path.read_bytes())},
    )
    assert response.status_code == 200 and "unit" in response.context["form"].errors


def test_template_has_headers_sample_and_dropdowns(client, world) -> None:
    login(client, world.clerk_sch)
    response = client.get(reverse("spreadsheets:template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["资产卡片"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["资产编号", "资产名称", "资产分类代码"] and "折旧年限(月)" in headers
    assert sheet["B2"].value == "笔记本电脑"
    assert len(sheet.data_validations.dataValidation) >= 8
    assert book["可选值"].sheet_state == "hidden"


def test_asset_export_follows_filters_and_scope(client, world) -> None:
    card(actor=world.clerk_sch, unit=world.SCH, asset_no="E-1", name="投影仪")
    card(actor=world.clerk_sch, unit=world.SCH, asset_no="E-2", name="办公桌", category_code="A05010100")
    card(actor=world.clerk_cln, unit=world.CLN, asset_no="E-3", name="投影仪")
    login(client, world.clerk_sch)
    listing = client.get(reverse("assets:list"))
    assert reverse("spreadsheets:asset_export") in listing.content.decode()
    response = client.get(reverse("spreadsheets:asset_export"), {"q": "投影"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["E-1"]  # the filter applies, and CLN's card is not there
    ledger = client.get(reverse("spreadsheets:ledger_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(ledger.streaming_content))).active
    assert sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["E-1", "E-2"]


def test_a_cards_ledger_exports_from_its_page_and_only_within_scope(client, world) -> None:
    mine = card(actor=world.clerk_sch, unit=world.SCH, asset_no="L-1", name="投影仪")
    card(actor=world.clerk_sch, unit=world.SCH, asset_no="L-2", name="办公桌", category_code="A05010100")
    theirs = card(actor=world.clerk_cln, unit=world.CLN, asset_no="L-3", name="投影仪")
    login(client, world.clerk_sch)
    url = f"{reverse('spreadsheets:ledger_export')}?asset={mine.pk}"
    assert url.replace("&", "&amp;") in client.get(reverse("assets:detail", args=[mine.pk])).content.decode()
    client.post(reverse("assets:bulk_idle"), {"asset": [mine.pk], "confirm": "1", "note": "不再使用"})
    with translation.override("en"):  # the file is Chinese whatever the reader's language
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["L-1", "L-1"]  # its registration, then marked idle
    assert "资产状态：在用 → 闲置" in {r[6] for r in rows}  # labels, not codes (in_use → idle)
    # Another unit's card: its page is a 404, and its ledger is not in the file.
    assert client.get(reverse("assets:detail", args=[theirs.pk])).status_code == 404
    other = client.get(f"{reverse('spreadsheets:ledger_export')}?asset={theirs.pk}")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(other.streaming_content))).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == []


def test_the_preview_words_an_update_as_the_card_will(client, world, tmp_path) -> None:
    """The preview's before → after reads like the card's timeline: 资产状态 在用 → 闲置, not codes."""
    import datetime as dt

    card(actor=world.clerk_sch, unit=world.SCH, asset_no="W-1", name="投影仪")
    header = ["资产编号", "资产名称", "资产分类代码", "取得日期", "原值", "资产状态"]
    path = write_xlsx(
        tmp_path / "w.xlsx",
        [["W-1", "投影仪", "A02010108", dt.date(2025, 3, 15), 5999, "闲置"]],
        header=header,
    )
    login(client, world.clerk_sch)
    response = client.post(
        reverse("spreadsheets:import_list"),
        {"unit": world.SCH.pk, "file": SimpleUploadedFile("w.xlsx", path.read_bytes())},
    )
    detail = client.get(response["Location"])
    fields = [f for c in detail.context["changes"] for f in c["fields"]]
    assert ("资产状态", "在用", "闲置") in fields
    assert "in_use" not in detail.content.decode()


def test_the_upload_form_states_its_limits_readably(client, world, settings) -> None:
    settings.SPREADSHEET_IMPORT_MAX_ROWS = 1_000_000
    login(client, world.clerk_sch)
    assert "1,000,000 行" in client.get(reverse("spreadsheets:import_list")).content.decode()


def test_all_or_nothing_is_the_default_even_with_errors(client, world, tmp_path) -> None:
    """A file with a bad row: the page offers both ways with 全部正确才导入 chosen; importing so is
    refused with the way out named, and nothing is written until the user picks 只导入正确的行."""
    login(client, world.clerk_sch)
    path = write_xlsx(tmp_path / "a.xlsx", [row("D-1"), row("D-2", original="oops")])
    response = client.post(
        reverse("spreadsheets:import_list"),
        {"unit": world.SCH.pk, "file": SimpleUploadedFile("台账.xlsx", path.read_bytes())},
    )
    body = client.get(response["Location"]).content.decode()
    assert 'id="mode-all" checked' in body and 'id="mode-valid">' in body
    job_url = response["Location"]
    commit = client.post(job_url + "commit/", {"mode": "all_or_nothing"}, follow=True)
    assert "文件中有错误" in commit.content.decode() and not Asset.objects.filter(asset_no="D-1").exists()
    client.post(job_url + "commit/", {"mode": "valid_only"})
    assert Asset.objects.filter(asset_no="D-1").exists() and not Asset.objects.filter(asset_no="D-2").exists()
