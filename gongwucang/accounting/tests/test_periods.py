"""Periods: close and reopen (who, in what order, with what reason), and closed periods refusing
changes — in the services and, underneath them, in the database (triggers of migration 0002)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from gongwucang.accounting.domain.periods import (
    PeriodAction,
    PeriodStatus,
    PeriodTransitionError,
    next_status,
)
from gongwucang.accounting.models import DepreciationEntry, Period, PeriodEvent
from gongwucang.accounting.services import (
    AccountingNotAllowed,
    depreciation_post,
    period_close,
    period_reopen,
    periods_open_books,
    workload_plan_set,
    workload_record,
)
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.models import Asset
from gongwucang.assets.services import asset_apply_change, asset_update
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db
D = dt.date
OCT, NOV = D(2026, 10, 1), D(2026, 11, 1)


def card(world, **kw):
    values = {"original_value": "5999.00", "acquired_on": D(2026, 3, 15), "useful_life_months": 72}
    values.update(kw)
    return make_asset(actor=world.clerk_sch, unit=world.SCH, **values)


def posted(world, month):
    depreciation_post(actor=world.finance, region=world.region, month=month, catch_up=True)
    return Period.objects.get(region=world.region, month=month)


class TestTransitionTable:
    @pytest.mark.parametrize(
        ("status", "action", "target"),
        [
            ("open", "post", "posted"),
            ("posted", "post", "posted"),
            ("posted", "close", "closed"),
            ("closed", "reopen", "posted"),
        ],
    )
    def test_allowed(self, status, action, target):
        assert next_status(status, action) == target

    @pytest.mark.parametrize(
        ("status", "action", "message"),
        [
            ("closed", "post", "已结账"),
            ("open", "close", "尚未计提"),
            ("closed", "close", "已结账"),
            ("open", "reopen", "无需反结账"),
            ("posted", "reopen", "无需反结账"),
        ],
    )
    def test_refused_in_chinese(self, status, action, message):
        with pytest.raises(PeriodTransitionError, match=message):
            next_status(status, action)

    def test_every_pair_is_decided(self):
        for status in PeriodStatus.values:
            for action in PeriodAction.values:
                try:
                    next_status(status, action)
                except PeriodTransitionError as exc:
                    assert str(exc)


class TestClose:
    def test_finance_closes_a_posted_period(self, world):
        card(world)
        period = posted(world, NOV)
        period_close(actor=world.finance, period_id=period.pk)
        period.refresh_from_db()
        assert period.status == PeriodStatus.CLOSED and period.closed_by == world.finance and period.closed_at
        assert PeriodEvent.objects.filter(period=period, kind="closed", actor=world.finance).count() == 1

    def test_open_period_cannot_be_closed(self, world):
        period = Period.objects.create(region=world.region, month=NOV)
        with pytest.raises(ValidationError, match="尚未计提折旧，不能结账"):
            period_close(actor=world.finance, period_id=period.pk)

    def test_periods_close_in_order(self, world):
        card(world)
        october = posted(world, OCT)
        november = posted(world, NOV)
        with pytest.raises(ValidationError, match="请先结账 2026-10"):
            period_close(actor=world.finance, period_id=november.pk)
        period_close(actor=world.finance, period_id=october.pk)
        period_close(actor=world.finance, period_id=november.pk)

    def test_card_added_after_posting_blocks_the_close(self, world):
        card(world)
        period = posted(world, NOV)
        card(world, acquired_on=D(2026, 11, 25), original_value="300.00")
        with pytest.raises(ValidationError, match="有 1 张卡片尚未计提 2026-11"):
            period_close(actor=world.finance, period_id=period.pk)
        posted(world, NOV)  # 补充计提
        period_close(actor=world.finance, period_id=period.pk)

    @pytest.mark.parametrize("who", ["auditor", "admin", "clerk_sch", "supervisor", "keeper"])
    def test_only_finance_closes(self, world, who):
        card(world)
        period = posted(world, NOV)
        with pytest.raises(AccountingNotAllowed):
            period_close(actor=getattr(world, who), period_id=period.pk)
        period.refresh_from_db()
        assert period.status == PeriodStatus.POSTED


class TestReopen:
    def test_latest_closed_period_reopens_with_a_reason(self, world):
        card(world)
        period = posted(world, NOV)
        period_close(actor=world.finance, period_id=period.pk)
        with pytest.raises(ValidationError, match="原因"):
            period_reopen(actor=world.finance, period_id=period.pk, reason=" ")
        period_reopen(actor=world.finance, period_id=period.pk, reason="漏记一台捐赠的电脑")
        period.refresh_from_db()
        assert period.status == PeriodStatus.POSTED
        event = PeriodEvent.objects.get(period=period, kind="reopened")
        assert (event.reason, event.actor) == ("漏记一台捐赠的电脑", world.finance)

    def test_only_the_latest_closed_period(self, world):
        card(world)
        october, november = posted(world, OCT), posted(world, NOV)
        period_close(actor=world.finance, period_id=october.pk)
        period_close(actor=world.finance, period_id=november.pk)
        with pytest.raises(ValidationError, match="只能反结账最近结账的期间（2026-11）"):
            period_reopen(actor=world.finance, period_id=october.pk, reason="更正")

    def test_not_while_the_next_month_is_posted(self, world):
        card(world)
        october = posted(world, OCT)
        period_close(actor=world.finance, period_id=october.pk)
        posted(world, NOV)
        with pytest.raises(ValidationError, match="2026-11 已计提折旧，不能反结账 2026-10"):
            period_reopen(actor=world.finance, period_id=october.pk, reason="更正")

    def test_auditor_may_not_reopen(self, world):
        card(world)
        period = posted(world, NOV)
        period_close(actor=world.finance, period_id=period.pk)
        with pytest.raises(AccountingNotAllowed):
            period_reopen(actor=world.auditor, period_id=period.pk, reason="想改")

    def test_reason_is_required_by_the_database_too(self, world):
        period = Period.objects.create(region=world.region, month=NOV)
        with pytest.raises(IntegrityError), transaction.atomic():
            PeriodEvent.objects.create(period=period, kind="reopened", reason="")


class TestClosedPeriodRefusesChangesInTheServices:
    @pytest.fixture
    def closed_october(self, world):
        card(world)
        card(world, acquired_on=D(2026, 10, 5), name="十月入账的电脑")
        period = posted(world, OCT)
        period_close(actor=world.finance, period_id=period.pk)
        return period

    def test_no_card_booked_in_a_closed_month(self, world, closed_october):
        with pytest.raises(ValidationError) as exc:
            card(world, acquired_on=D(2026, 10, 20))
        assert "会计期间 2026-10 已结账" in str(exc.value)
        assert not Asset.objects.filter(booked_on=D(2026, 10, 20)).exists()
        card(world, acquired_on=D(2026, 10, 20), booked_on=D(2026, 11, 2))  # acquired earlier, booked now

    def test_booking_date_not_moved_into_or_out_of_a_closed_month(self, world, closed_october):
        november = card(world, acquired_on=D(2026, 9, 1), booked_on=D(2026, 11, 3))
        with pytest.raises(ValidationError, match="入账日期不能改入或改出"):
            asset_update(
                actor=world.clerk_sch,
                asset_id=november.pk,
                expected_version=november.version,
                values={"booked_on": D(2026, 10, 3)},
            )
        october_card = Asset.objects.get(booked_on=D(2026, 10, 5))
        with pytest.raises(ValidationError, match="入账日期不能改入或改出"):
            asset_update(
                actor=world.clerk_sch,
                asset_id=october_card.pk,
                expected_version=october_card.version,
                values={"booked_on": D(2026, 11, 3)},
            )
        # A date moved between open months, or in the past before the books were kept, is fine.
        asset_update(
            actor=world.clerk_sch,
            asset_id=november.pk,
            expected_version=november.version,
            values={"booked_on": D(2026, 11, 20)},
        )

    def test_disposal_not_dated_in_a_closed_month(self, world, closed_october):
        target = Asset.objects.first()
        asset_apply_change(
            actor=None,
            asset_id=target.pk,
            values={"status": "pending_disposal"},
            event_type=EventType.STATUS_CHANGED,
        )
        with pytest.raises(ValidationError, match="处置日期不能改入或改出"):
            asset_apply_change(
                actor=None,
                asset_id=target.pk,
                values={"status": "disposed", "disposed_on": D(2026, 10, 31), "disposal_method": "scrap"},
                event_type=EventType.DISPOSED,
            )
        target.refresh_from_db()
        assert target.status == "pending_disposal" and target.disposed_on is None

    def test_nothing_changes_while_this_month_is_closed(self, world, settings, monkeypatch):
        import gongwucang.accounting.hooks as hooks

        target = card(world)
        period = posted(world, OCT)
        period_close(actor=world.finance, period_id=period.pk)
        monkeypatch.setattr(hooks, "local_today", lambda: D(2026, 10, 30))  # the clock, not the database
        with pytest.raises(ValidationError, match="本月（2026-10）已结账"):
            asset_update(
                actor=world.clerk_sch,
                asset_id=target.pk,
                expected_version=target.version,
                values={"location": "二楼"},
            )
        with pytest.raises(ValidationError, match="本月（2026-10）已结账"):
            card(world, acquired_on=D(2026, 9, 1), booked_on=D(2026, 11, 2))

    def test_no_posting_into_a_closed_period(self, world, closed_october):
        with pytest.raises(ValidationError, match="已结账"):
            depreciation_post(actor=world.finance, region=world.region, month=OCT)

    def test_no_workload_for_a_closed_month(self, world, closed_october):
        truck = card(
            world,
            category_code="A02030500",
            name="货车",
            acquired_on=D(2026, 11, 2),
            depreciation_method="units_of_production",
        )
        workload_plan_set(actor=world.clerk_sch, asset_id=truck.pk, total_workload=1000, workload_unit="公里")
        with pytest.raises(ValidationError, match="已结账，不能再录入工作量"):
            workload_record(actor=world.clerk_sch, asset_id=truck.pk, month=OCT, workload=10)


class TestClosedPeriodRefusesChangesInTheDatabase:
    """Below the services: raw SQL meets the triggers."""

    @pytest.fixture
    def closed(self, world):
        target = card(world)
        period = posted(world, OCT)
        period_close(actor=world.finance, period_id=period.pk)
        return period, target

    def _refused(self, sql, params):
        with (
            pytest.raises((IntegrityError, DatabaseError)) as exc,
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, params)
        return str(exc.value)

    def test_entry_into_a_closed_period(self, world, closed):
        period, _target = closed
        other = card(world, acquired_on=D(2026, 11, 2))
        message = self._refused(
            "INSERT INTO accounting_depreciationentry (asset_id, period_id, run_id, unit_id, category_id, "
            "method, amount_fen, original_value_fen, accumulated_after_fen) "
            "VALUES (%s, %s, 0, %s, %s, 'straight_line', 1, 100, 1)",
            [other.pk, period.pk, world.SCH.pk, other.category_id],
        )
        assert "已结账" in message

    def test_entries_are_never_updated(self, world, closed):
        _period, target = closed
        message = self._refused(
            "UPDATE accounting_depreciationentry SET amount_fen = 0 WHERE asset_id = %s", [target.pk]
        )
        assert "只能追加" in message
        assert DepreciationEntry.objects.get(asset_id=target.pk).amount_fen == 8332

    @pytest.mark.postgres_only
    def test_entries_are_never_deleted_on_postgresql(self, world, closed):
        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only: SQLite's test flush deletes rows")
        _period, target = closed
        assert "只能追加" in self._refused(
            "DELETE FROM accounting_depreciationentry WHERE asset_id = %s", [target.pk]
        )

    @pytest.mark.postgres_only
    def test_closed_period_never_deleted_on_postgresql(self, world, closed):
        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only")
        period, _target = closed
        assert "不能删除" in self._refused("DELETE FROM accounting_period WHERE id = %s", [period.pk])

    def test_card_booked_in_a_closed_period(self, world, closed):
        _period, target = closed
        with connection.cursor() as c:
            c.execute("SELECT * FROM assets_asset WHERE id = %s", [target.pk])
            columns = [col[0] for col in c.description]
            row = dict(zip(columns, c.fetchone(), strict=True))
        row.pop("id")
        row.pop("search_keys", None)
        row.update(asset_no="RAW-0001", booked_on=D(2026, 10, 9), acquired_on=D(2026, 10, 9))
        names = ", ".join(row)
        marks = ", ".join(["%s"] * len(row))
        message = self._refused(f"INSERT INTO assets_asset ({names}) VALUES ({marks})", list(row.values()))
        assert "已结账" in message

    def test_dates_moved_into_a_closed_period(self, world, closed):
        _period, _target = closed
        later = card(world, acquired_on=D(2026, 9, 1), booked_on=D(2026, 11, 5))
        assert "已结账" in self._refused(
            "UPDATE assets_asset SET booked_on = %s WHERE id = %s", [D(2026, 10, 5), later.pk]
        )
        assert "已结账" in self._refused(
            "UPDATE assets_asset SET disposed_on = %s WHERE id = %s", [D(2026, 10, 5), later.pk]
        )
        # Other changes of the same card pass the trigger.
        with connection.cursor() as c:
            c.execute("UPDATE assets_asset SET location = %s WHERE id = %s", ["三楼", later.pk])
            c.execute("UPDATE assets_asset SET booked_on = %s WHERE id = %s", [D(2026, 11, 9), later.pk])

    def test_open_and_unknown_months_are_free(self, world, closed):
        _period, target = closed
        with connection.cursor() as c:
            c.execute(
                "UPDATE assets_asset SET booked_on = %s, acquired_on = %s WHERE id = %s",
                [D(2026, 12, 1), D(2026, 3, 15), target.pk],
            )
            c.execute(
                "UPDATE assets_asset SET booked_on = %s, acquired_on = %s WHERE id = %s",
                [D(2019, 5, 1), D(2019, 5, 1), target.pk],
            )


class TestOpeningPeriods:
    def test_go_live_marks_closed_opening_months_and_posting_continues(self, world):
        """Cards come in with depreciation up to September (7 months × 83.32 = 583.24); January to
        September become closed opening periods; October is the first month posted: 83.32."""
        from gongwucang.assets.models import AssetBook
        from gongwucang.assets.services import asset_register
        from gongwucang.core.testing import ensure_categories

        target = asset_register(
            actor=world.clerk_sch,
            owner_unit=world.SCH,
            original_value="5999.00",
            accumulated_depreciation="583.24",
            months_depreciated=7,
            values={
                "name": "台式计算机",
                "category": ensure_categories()["A02010105"],
                "acquired_on": D(2026, 3, 15),
                "booked_on": D(2026, 3, 15),
            },
        )
        periods = periods_open_books(
            actor=world.finance, region=world.region, first=D(2026, 1, 1), last=D(2026, 9, 1)
        )
        assert len(periods) == 9 and all(p.status == "closed" and p.is_opening for p in periods)
        with pytest.raises(ValidationError, match="已计提过折旧"):
            periods_open_books(
                actor=world.finance, region=world.region, first=D(2026, 1, 1), last=D(2026, 9, 1)
            )
        with pytest.raises(ValidationError, match="尚未计提折旧"):
            depreciation_post(actor=world.finance, region=world.region, month=NOV)
        depreciation_post(actor=world.finance, region=world.region, month=OCT)
        assert DepreciationEntry.objects.get(asset_id=target.pk).amount_fen == 8332
        assert AssetBook.objects.get(asset_id=target.pk).accumulated_depreciation_fen == 8 * 8332
