"""The two commands: the calculator (no database at all) and post_depreciation."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongwucang.accounting.models import DepreciationEntry, Period, PostingRequest
from gongwucang.core.testing import make_asset

D = dt.date


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestDepreciationSchedule:
    """No `db` fixture: any query would fail the test (pytest-django blocks database access)."""

    def test_worked_example_as_a_table(self):
        text = run(
            "depreciation_schedule", "--cost", "5999.00", "--life-months", "72", "--added", "2026-03-15"
        )
        lines = text.strip().splitlines()
        assert lines[1].split() == ["2026-03", "83.32", "83.32", "5,915.68"]
        assert lines[-2].split() == ["2032-02", "83.28", "5,999.00", "0.00"]
        assert lines[-1] == "共 72 个月，2026-03 至 2032-02，合计 ¥5,999.00"

    def test_csv_with_a_leaving_date(self):
        text = run(
            "depreciation_schedule",
            "--cost",
            "5999.00",
            "--life-months",
            "72",
            "--added",
            "2026-03-15",
            "--left",
            "2027-06-05",
            "--format",
            "csv",
        )
        lines = text.strip().splitlines()
        assert lines[0] == "period,amount,accumulated,net"
        assert len(lines) == 16
        assert lines[-1] == "2027-05,83.32,1249.80,4749.20"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--cost", "5999.001"], "两位小数"),
            (["--cost", "abc"], "有效的金额"),
            (["--life-months", "0"], "至少为 1 个月"),
            (["--added", "2026/03/15"], "年-月-日"),
            (["--left", "2026-01-01"], "减少日期不能早于入账日期"),
        ],
    )
    def test_bad_input_is_refused_in_chinese(self, args, message):
        base = {"--cost": "5999.00", "--life-months": "72", "--added": "2026-03-15"}
        for i in range(0, len(args), 2):
            base[args[i]] = args[i + 1]
        flat = [item for pair in base.items() for item in pair]
        with pytest.raises(CommandError, match=message):
            run("depreciation_schedule", *flat)


@pytest.mark.django_db
class TestPostDepreciation:
    def test_posts_records_and_repeats_harmlessly(self, world):
        make_asset(
            actor=world.clerk_sch,
            unit=world.SCH,
            original_value="5999.00",
            acquired_on=D(2026, 3, 15),
            useful_life_months=72,
        )
        text = run(
            "post_depreciation",
            "--period",
            "2026-11",
            "--region",
            world.region.code,
            "--user",
            world.finance.username,
        )
        assert "2026-11：1 张卡片，¥83.32" in text
        request = PostingRequest.objects.get()
        assert request.requested_by == world.finance and request.status == "succeeded"
        text = run("post_depreciation", "--period", "2026-11", "--region", world.region.code)
        assert "没有需要计提的卡片" in text
        assert DepreciationEntry.objects.count() == 1

    def test_catch_up_and_order(self, world):
        make_asset(
            actor=world.clerk_sch,
            unit=world.SCH,
            original_value="5999.00",
            acquired_on=D(2026, 3, 15),
            useful_life_months=72,
        )
        run("post_depreciation", "--period", "2026-08", "--region", world.region.code)
        err = StringIO()
        with pytest.raises(CommandError, match="有区域计提未完成"):
            call_command(
                "post_depreciation",
                "--period",
                "2026-11",
                "--region",
                world.region.code,
                stdout=StringIO(),
                stderr=err,
            )
        assert "2026-09 尚未计提折旧" in err.getvalue()
        text = run("post_depreciation", "--period", "2026-11", "--region", world.region.code, "--catch-up")
        assert "2026-09" in text and "2026-10" in text and "2026-11" in text
        assert DepreciationEntry.objects.count() == 4

    def test_opening_periods(self, world):
        text = run(
            "post_depreciation",
            "--opening",
            "--from",
            "2026-01",
            "--period",
            "2026-10",
            "--region",
            world.region.code,
        )
        assert "共 10 个月" in text
        assert Period.objects.filter(region=world.region, status="closed", is_opening=True).count() == 10

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--period", "2026-13"], "没有这个月份"),
            (["--period", "2026-11", "--region", "999"], "没有区划代码"),
            (["--period", "2026-11", "--user", "ghost"], "没有用户"),
        ],
    )
    def test_bad_arguments(self, world, args, message):
        with pytest.raises(CommandError, match=message):
            run("post_depreciation", *args)

    def test_a_non_finance_user_is_refused(self, world):
        make_asset(actor=world.clerk_sch, unit=world.SCH)
        err = StringIO()
        with pytest.raises(CommandError):
            call_command(
                "post_depreciation",
                "--period",
                "2026-11",
                "--region",
                world.region.code,
                "--user",
                world.auditor.username,
                stdout=StringIO(),
                stderr=err,
            )
        assert "只有财政人员" in err.getvalue()
        assert not DepreciationEntry.objects.exists()
