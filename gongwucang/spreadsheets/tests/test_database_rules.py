"""Rules the database holds are met as cell errors in the preview where the import can know them
(a booking date in a closed accounting period), and otherwise as a clear refusal of the whole
commit with nothing written (a number typed further down the file that was issued meanwhile)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from gongwucang.accounting.domain.periods import PeriodStatus
from gongwucang.accounting.models import Period
from gongwucang.assets.domain.asset_numbers import format_asset_no
from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.core.dates import local_today
from gongwucang.spreadsheets.models import ImportStatus
from gongwucang.spreadsheets.services import (
    BATCH_ROWS,
    asset_import_check,
    asset_import_commit,
    asset_import_upload,
    run_import,
)

from .helpers import HEADER, card, row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def close(world, month: dt.date) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    Period.objects.create(
        region=world.region, month=month, status=PeriodStatus.CLOSED, posted_at=now, closed_at=now
    )


def test_booking_in_a_closed_period_is_a_cell_error(world, tmp_path) -> None:
    # An existing card booked in March 2024, before the month was closed.
    card(actor=world.clerk_sch, unit=world.SCH, asset_no="CP-9", acquired_on=dt.date(2024, 3, 5))
    close(world, dt.date(2024, 3, 1))
    header = [*HEADER, "入账日期"]
    path = write_xlsx(
        tmp_path / "c.xlsx",
        [
            [*row("CP-1", acquired=dt.date(2024, 3, 15)), None],  # booked = acquired: March, closed
            [*row("CP-2", acquired=dt.date(2024, 2, 10)), dt.date(2024, 4, 2)],  # booked in April: fine
        ],
        header=header,
    )
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="c.xlsx", commit=False
    )
    assert (result.rows_new, result.rows_error) == (1, 1)
    assert result.errors == [
        [
            2,
            "取得日期",
            "2024-03-15",
            "入账日期所在的会计期间 2024-03 已结账，不能在该期间登记或变更资产（请改为未结账的月份）",
        ]
    ]
    # The existing card may be re-imported unchanged, but its booking date may not leave March.
    same = write_xlsx(
        tmp_path / "s.xlsx",
        [[*row("CP-9", acquired=dt.date(2024, 3, 5)), dt.date(2024, 3, 5)]],
        header=header,
    )
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(same), filename="s.xlsx", commit=False
    )
    assert result.rows_error == 0, result.errors
    moved = write_xlsx(
        tmp_path / "m.xlsx",
        [[*row("CP-9", acquired=dt.date(2024, 3, 5)), dt.date(2024, 4, 1)]],
        header=header,
    )
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(moved), filename="m.xlsx", commit=False
    )
    assert [e[1] for e in result.errors] == ["入账日期"] and "2024-03 已结账" in result.errors[0][3]


def test_number_typed_further_down_than_an_issued_one(world, tmp_path) -> None:
    """Row 2 has no number; the unit's next number is typed on the last row, a batch later. Two
    different rows must never become one card: either the number was seen before row 2 got one
    (PostgreSQL reads ahead while it writes) and row 2 gets the number after it, or row 2 has it
    already and the last row is refused — nothing is written then."""
    issued = format_asset_no(world.SCH.code, local_today().year, 1)
    rows = [row("", name="办公桌", code="A05010100")] + [row(f"N-{i:05d}") for i in range(BATCH_ROWS)]
    rows.append(row(issued, name="打印机", code="A02021000"))
    path = write_csv(tmp_path / "n.csv", rows)
    job = asset_import_upload(
        actor=world.clerk_sch, unit=world.SCH, uploaded=SimpleUploadedFile("n.csv", path.read_bytes())
    )
    job = asset_import_check(import_id=job.pk)
    assert job.status == ImportStatus.VALIDATED and job.rows_error == 0
    job = asset_import_commit(actor=world.clerk_sch, import_id=job.pk, mode="all_or_nothing")
    if job.status == ImportStatus.COMMITTED:
        assert Asset.objects.count() == BATCH_ROWS + 2
        assert Asset.objects.get(asset_no=issued).name == "打印机"
        assert Asset.objects.get(name="办公桌").asset_no == format_asset_no(
            world.SCH.code, local_today().year, 2
        )
        return
    assert (
        job.status == ImportStatus.FAILED and not Asset.objects.exists() and not AssetEvent.objects.exists()
    )
    assert job.errors == [
        [
            BATCH_ROWS + 3,
            "资产编号",
            issued,
            "该编号已自动分配给本文件第 2 行（该行未填资产编号）。请改用其他编号，或为第 2 行填写编号",
        ]
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rule_met_only_by_the_database_refuses_the_whole_commit(world, tmp_path) -> None:
    """The period is closed while the import runs (after its checks read the closed months): the
    database's trigger refuses the later cards, the whole commit is rolled back, and the job says
    why in Chinese."""
    rows = [row(f"R-{i:05d}", acquired=dt.date(2024, 5, 6)) for i in range(BATCH_ROWS + 10)]
    path = write_csv(tmp_path / "r.csv", rows)
    job = asset_import_upload(
        actor=world.clerk_sch, unit=world.SCH, uploaded=SimpleUploadedFile("r.csv", path.read_bytes())
    )
    job = asset_import_check(import_id=job.pk)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
                "AND name = 'accounting_asset_insert_refuse_closed'"
            )
            if cursor.fetchone() is None:
                pytest.skip("this SQLite database holds no closed-period trigger on assets_asset (issue 4)")

    def finance_closes_may(done: int, total: int, stage: str) -> None:
        if stage != "正在导入" or Period.objects.filter(month=dt.date(2024, 5, 1)).exists():
            return
        if connection.vendor == "sqlite":  # one writer: the import's own connection
            close(world, dt.date(2024, 5, 1))
            return
        closer = threading.Thread(target=lambda: (close(world, dt.date(2024, 5, 1)), connections.close_all()))
        closer.start()
        closer.join()

    job = asset_import_commit(
        actor=world.clerk_sch, import_id=job.pk, mode="all_or_nothing", on_progress=finance_closes_may
    )
    assert job.status == ImportStatus.FAILED, job.message
    assert "数据库拒绝了这次导入，没有写入任何数据" in job.message and "已结账" in job.message
    assert not Asset.objects.filter(asset_no__startswith="R-").exists()
