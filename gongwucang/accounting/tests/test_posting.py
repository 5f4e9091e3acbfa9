"""The set-based posting (accounting.posting via services.depreciation_post) on a real database:
worked examples, the order of months, idempotency, catch-up, failure leaves nothing, transfers.
Runs on SQLite and, with DATABASE_URL, on PostgreSQL (the same tests pin both SQL variants)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongwucang.accounting.domain.periods import PeriodStatus, RequestStatus
from gongwucang.accounting.models import (
    DepreciationBasis,
    DepreciationEntry,
    DepreciationRun,
    HoldingChange,
    Period,
    PeriodEvent,
    PostingRequest,
)
from gongwucang.accounting.services import (
    AccountingNotAllowed,
    depreciation_post,
    posting_request_create,
    posting_request_run,
    workload_plan_set,
    workload_record,
)
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.models import AssetBook
from gongwucang.assets.services import asset_apply_change, asset_update
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db
D = dt.date
NOV, DEC = D(2026, 11, 1), D(2026, 12, 1)


def desktop(world, **extra):
    """The worked example: 5,999.00, 72 months, added 2026-03-15."""
    values = {
        "original_value": "5999.00",
        "acquired_on": D(2026, 3, 15),
        "useful_life_months": 72,
        "category_code": "A02010105",
        "name": "台式计算机",
    }
    values.update(extra)
    return make_asset(actor=world.clerk_sch, unit=world.SCH, **values)


def book(asset) -> AssetBook:
    return AssetBook.objects.get(asset_id=asset.pk)


def post(world, month, **kw):
    return depreciation_post(actor=world.finance, region=world.region, month=month, **kw)


class TestWorkedExampleThroughTheDatabase:
    def test_first_charge_in_the_month_added(self, world):
        card = desktop(world)
        [result] = post(world, D(2026, 3, 1))
        entry = DepreciationEntry.objects.get(asset_id=card.pk)
        assert (entry.amount_fen, entry.accumulated_after_fen, entry.original_value_fen) == (
            8332,
            8332,
            599900,
        )
        assert (entry.unit_id, entry.category_id, entry.method) == (
            world.SCH.pk,
            card.category_id,
            "straight_line",
        )
        assert (book(card).accumulated_depreciation_fen, book(card).months_depreciated) == (8332, 1)
        assert (result.cards, result.total_fen) == (1, 8332)

    def test_whole_life_to_the_fen(self, world):
        """Posting all 72 months gives 71 × 83.32 and 83.28 in 2032-02; nothing after."""
        card = desktop(world)
        post(world, D(2026, 3, 1))
        post(world, D(2032, 3, 1), catch_up=True)
        amounts = list(
            DepreciationEntry.objects.filter(asset_id=card.pk)
            .order_by("period__month")
            .values_list("period__month", "amount_fen")
        )
        assert len(amounts) == 72
        assert {a for _m, a in amounts[:71]} == {8332}
        assert amounts[-1] == (D(2032, 2, 1), 8328)
        assert (book(card).accumulated_depreciation_fen, book(card).months_depreciated) == (599900, 72)
        assert not DepreciationEntry.objects.filter(period__month=D(2032, 3, 1)).exists()

    def test_not_charged_before_the_month_added(self, world):
        card = desktop(world, acquired_on=D(2026, 12, 3))
        post(world, NOV)
        assert not DepreciationEntry.objects.filter(asset_id=card.pk).exists()

    def test_no_charge_in_the_month_it_leaves(self, world):
        card = desktop(world)
        post(world, D(2026, 3, 1))
        post(world, D(2026, 5, 1), catch_up=True)
        # Disposed on 2026-06-10: June is not charged (当月减少当月不再计提).
        asset_apply_change(
            actor=None,
            asset_id=card.pk,
            values={"status": "pending_disposal"},
            event_type=EventType.STATUS_CHANGED,
        )
        asset_apply_change(
            actor=None,
            asset_id=card.pk,
            values={"status": "disposed", "disposed_on": D(2026, 6, 10), "disposal_method": "scrap"},
            event_type=EventType.DISPOSED,
        )
        post(world, D(2026, 6, 1))
        assert DepreciationEntry.objects.filter(asset_id=card.pk).count() == 3
        assert book(card).accumulated_depreciation_fen == 3 * 8332

    @pytest.mark.parametrize("kind", ["category", "nominal", "status", "no_life"])
    def test_not_depreciated(self, world, kind):
        if kind == "category":
            card = desktop(world, category_code="A04000000", name="档案资料")
        elif kind == "nominal":
            card = desktop(world, is_nominal_value=True, original_value="1.00")
        elif kind == "status":
            card = desktop(world, depreciation_status="not_depreciated")
        else:
            card = desktop(world, category_code="A08000000", name="软件", useful_life_months=None)
        post(world, NOV)
        assert not DepreciationEntry.objects.filter(asset_id=card.pk).exists()
        assert book(card).accumulated_depreciation_fen == 0

    def test_intangible_amortised(self, world):
        card = desktop(
            world,
            category_code="A08000000",
            name="办公软件",
            original_value="120000.00",
            useful_life_months=120,
        )
        post(world, NOV)
        assert DepreciationEntry.objects.get(asset_id=card.pk).amount_fen == 100000

    def test_fully_depreciated_stays_without_entry(self, world):
        card = desktop(world, accumulated="5999.00")
        AssetBook.objects.filter(asset_id=card.pk).update(months_depreciated=72)
        post(world, NOV)
        assert not DepreciationEntry.objects.filter(asset_id=card.pk).exists()
        assert book(card).accumulated_depreciation_fen == 599900

    def test_value_change_uses_what_is_left_over_the_months_left(self, world):
        """10,000.00 over 60 months, 12 months posted (2,000.04); life changed to 96:
        7,999.96 ÷ 84 = 95.24 from the next posting on."""
        card = desktop(world, original_value="10000.00", useful_life_months=60, acquired_on=D(2025, 1, 10))
        post(world, D(2025, 1, 1))
        post(world, D(2025, 12, 1), catch_up=True)
        assert book(card).accumulated_depreciation_fen == 200004
        card.refresh_from_db()
        asset_update(
            actor=world.clerk_sch,
            asset_id=card.pk,
            expected_version=card.version,
            values={"useful_life_months": 96},
        )
        basis = DepreciationBasis.objects.get(asset_id=card.pk)
        assert (basis.base_fen, basis.base_months, basis.reason) == (799996, 84, "使用年限变动")
        post(world, D(2026, 1, 1))
        assert DepreciationEntry.objects.get(asset_id=card.pk, period__month=D(2026, 1, 1)).amount_fen == 9524

    def test_opening_values_off_schedule_get_a_basis_at_registration(self, world):
        """An imported card: 5,999.00, 72 months, 30 months charged but 3,000.00 accumulated (not
        30 × 83.32 = 2,499.60): what is left, 2,999.00, is spread over the 42 months left → 71.40."""
        from gongwucang.assets.services import asset_register
        from gongwucang.core.testing import ensure_categories

        category = ensure_categories()["A02010105"]
        card = asset_register(
            actor=world.clerk_sch,
            owner_unit=world.SCH,
            original_value="5999.00",
            accumulated_depreciation="3000.00",
            months_depreciated=30,
            values={
                "name": "台式计算机",
                "category": category,
                "acquired_on": D(2024, 5, 1),
                "booked_on": D(2024, 5, 1),
                "useful_life_months": 72,
            },
        )
        assert DepreciationBasis.objects.get(asset_id=card.pk).reason == "期初数据"
        post(world, NOV)
        assert DepreciationEntry.objects.get(asset_id=card.pk).amount_fen == 7140  # 299900 / 42 = 7140.47

    def test_units_of_production(self, world):
        """300,000.00 truck over 600,000 km, 5,000 km in November: 2,500.00."""
        card = desktop(
            world,
            category_code="A02030500",
            name="货车",
            original_value="300000.00",
            useful_life_months=96,
            depreciation_method="units_of_production",
        )
        workload_plan_set(
            actor=world.clerk_sch, asset_id=card.pk, total_workload=600_000, workload_unit="公里"
        )
        workload_record(actor=world.clerk_sch, asset_id=card.pk, month=NOV, workload=5000)
        post(world, NOV)
        entry = DepreciationEntry.objects.get(asset_id=card.pk)
        assert (entry.amount_fen, entry.workload, entry.method) == (250000, 5000, "units_of_production")
        from gongwucang.accounting.models import WorkloadPlan

        assert WorkloadPlan.objects.get(asset_id=card.pk).used_workload == 5000
        # No work entered for December: no entry, the months stay as they are.
        post(world, DEC)
        assert DepreciationEntry.objects.filter(asset_id=card.pk).count() == 1


class TestIdempotencyAndOrder:
    def test_second_posting_changes_nothing(self, world):
        cards = [desktop(world, original_value=v) for v in ("5999.00", "1234.56", "88.88")]
        post(world, NOV)
        before = list(
            AssetBook.objects.order_by("asset_id").values_list(
                "accumulated_depreciation_fen", "months_depreciated"
            )
        )
        [again] = post(world, NOV)
        assert again.run is None
        assert (
            list(
                AssetBook.objects.order_by("asset_id").values_list(
                    "accumulated_depreciation_fen", "months_depreciated"
                )
            )
            == before
        )
        assert DepreciationEntry.objects.count() == len(cards)
        assert DepreciationRun.objects.count() == 1
        assert PeriodEvent.objects.filter(kind="posted").count() == 1

    def test_card_added_after_posting_is_charged_by_a_supplementary_run(self, world):
        desktop(world)
        post(world, NOV)
        late = desktop(world, acquired_on=D(2026, 11, 20), original_value="600.00", useful_life_months=60)
        [again] = post(world, NOV)
        assert again.run.is_supplementary and (again.cards, again.total_fen) == (1, 1000)
        assert DepreciationEntry.objects.get(asset_id=late.pk).amount_fen == 1000
        assert PeriodEvent.objects.filter(kind="supplemented").count() == 1

    def test_months_in_order(self, world):
        desktop(world)
        post(world, D(2026, 9, 1))
        with pytest.raises(ValidationError, match="2026-10 尚未计提折旧"):
            post(world, NOV)
        assert not Period.objects.filter(month=NOV).exists()
        results = post(world, NOV, catch_up=True)
        assert [r.month for r in results] == [D(2026, 10, 1), NOV]
        with pytest.raises(ValidationError, match="早于本区域的第一个会计期间"):
            post(world, D(2026, 8, 1))
        with pytest.raises(ValidationError, match="后续期间 2026-11 已计提折旧"):
            post(world, D(2026, 10, 1))

    def test_only_finance_posts(self, world):
        desktop(world)
        for who in ("auditor", "clerk_sch", "supervisor", "admin"):
            with pytest.raises(AccountingNotAllowed):
                depreciation_post(actor=getattr(world, who), region=world.region, month=NOV)
        assert not DepreciationEntry.objects.exists()

    def test_finance_of_another_region_may_not_post_here(self, world):
        from gongwucang.core.testing import make_world

        other = make_world("330100002")
        with pytest.raises(AccountingNotAllowed):
            depreciation_post(actor=other.finance, region=world.region, month=NOV)

    def test_regions_are_posted_separately(self, world):
        from gongwucang.core.testing import make_world

        other = make_world("330100002")
        mine = desktop(world)
        theirs = make_asset(
            actor=other.clerk_sch,
            unit=other.SCH,
            original_value="5999.00",
            acquired_on=D(2026, 3, 15),
            useful_life_months=72,
        )
        post(world, NOV)
        assert DepreciationEntry.objects.filter(asset_id=mine.pk).exists()
        assert not DepreciationEntry.objects.filter(asset_id=theirs.pk).exists()


def _fail_on_book_update(asset_id: int) -> None:
    """A real database error half-way through the posting: a trigger refusing one card's book row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("""CREATE FUNCTION test_fail_book() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'disk full (test)'; END; $$""")
            cursor.execute(f"""CREATE TRIGGER test_fail_book BEFORE UPDATE ON assets_assetbook FOR EACH ROW
                WHEN (NEW.asset_id = {int(asset_id)}) EXECUTE FUNCTION test_fail_book()""")
        else:
            cursor.execute(f"""CREATE TEMP TRIGGER test_fail_book BEFORE UPDATE ON assets_assetbook
                WHEN NEW.asset_id = {int(asset_id)} BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END""")


def _drop_failure() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER IF EXISTS test_fail_book"
            + (" ON assets_assetbook" if connection.vendor == "postgresql" else "")
        )


class TestFailureLeavesNothing:
    def test_a_failing_card_rolls_the_whole_month_back(self, world, django_capture_on_commit_callbacks):
        cards = [desktop(world, original_value=v) for v in ("5999.00", "1234.56", "88.88")]
        post(world, D(2026, 10, 1))
        before = list(
            AssetBook.objects.order_by("asset_id").values_list(
                "accumulated_depreciation_fen", "months_depreciated"
            )
        )
        _fail_on_book_update(cards[2].pk)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                request = posting_request_create(
                    actor=world.finance, region=world.region, month=NOV, catch_up=False
                )
        finally:
            _drop_failure()
        request.refresh_from_db()
        assert request.status == RequestStatus.FAILED
        assert "disk full" in request.error
        assert not DepreciationEntry.objects.filter(period__month=NOV).exists()
        assert not DepreciationRun.objects.filter(period__month=NOV).exists()
        assert not Period.objects.filter(month=NOV).exclude(status=PeriodStatus.OPEN).exists()
        assert (
            list(
                AssetBook.objects.order_by("asset_id").values_list(
                    "accumulated_depreciation_fen", "months_depreciated"
                )
            )
            == before
        )
        # Fixed, the same month posts completely.
        [result] = post(world, NOV)
        assert result.cards == 3

    def test_catch_up_stops_at_the_failing_month(self, world):
        desktop(world)
        late = desktop(world, acquired_on=D(2026, 11, 2), original_value="600.00")
        post(world, D(2026, 9, 1))
        request = PostingRequest.objects.create(
            region=world.region, month=NOV, catch_up=True, requested_by=world.finance, months_total=2
        )
        _fail_on_book_update(late.pk)  # October posts; November (the first month of `late`) fails
        try:
            request = posting_request_run(request_id=request.pk)
        finally:
            _drop_failure()
        assert request.status == RequestStatus.FAILED
        assert request.months_done == 1
        assert Period.objects.get(month=D(2026, 10, 1)).status == PeriodStatus.POSTED
        assert DepreciationEntry.objects.filter(period__month=D(2026, 10, 1)).count() == 1
        assert not DepreciationEntry.objects.filter(period__month=NOV).exists()


class TestTransfers:
    def _move(self, world, card, to):
        asset_apply_change(
            actor=None,
            asset_id=card.pk,
            values={"owner_unit": to, "user_unit": to, "department": None, "custodian": None},
            event_type=EventType.TRANSFERRED,
            reference="DB-TEST",
        )

    def test_month_of_transfer_charged_once_to_the_holder_at_the_start(self, world):
        card = desktop(world)
        post(world, D(2026, 10, 1))
        self._move(world, card, world.CLN)
        assert HoldingChange.objects.get(asset_id=card.pk).from_unit_id == world.SCH.pk
        post(world, NOV)
        entries = DepreciationEntry.objects.filter(asset_id=card.pk, period__month=NOV)
        assert [e.unit_id for e in entries] == [world.SCH.pk]
        post(world, DEC)
        assert DepreciationEntry.objects.get(asset_id=card.pk, period__month=DEC).unit_id == world.CLN.pk

    def test_region_may_charge_the_holder_at_the_end(self, world):
        world.region.transfer_month_charged_by = "end"
        world.region.save()
        card = desktop(world)
        post(world, D(2026, 10, 1))
        self._move(world, card, world.CLN)
        post(world, NOV)
        assert DepreciationEntry.objects.get(asset_id=card.pk, period__month=NOV).unit_id == world.CLN.pk

    def test_two_moves_in_a_month_still_one_entry(self, world):
        card = desktop(world)
        post(world, D(2026, 10, 1))
        self._move(world, card, world.CLN)
        self._move(world, card, world.OTH)
        post(world, NOV)
        entries = list(DepreciationEntry.objects.filter(asset_id=card.pk, period__month=NOV))
        assert len(entries) == 1 and entries[0].unit_id == world.SCH.pk


def test_accumulated_is_carried_with_the_card(world):
    """调剂 carries cost and accumulated depreciation to the receiver: the book row is the card's."""
    card = desktop(world)
    post(world, D(2026, 10, 1))
    asset_apply_change(
        actor=None,
        asset_id=card.pk,
        values={"owner_unit": world.CLN, "user_unit": world.CLN, "department": None, "custodian": None},
        event_type=EventType.TRANSFERRED,
    )
    assert book(card).accumulated_depreciation_fen == 8332  # October, the region's first posting
    assert Decimal(book(card).original_value_fen) == Decimal(599900)


@pytest.mark.postgres_only
def test_postgresql_plan_reads_the_entries_once(world):
    """A month planned while its entry table looks empty must not check "no entry yet" by
    scanning the entries once per card (the statement itself appends a million of them)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from gongwucang.accounting import posting
    from gongwucang.accounting.services import holder_instant

    desktop(world)
    period = Period.objects.create(region=world.region, month=NOV)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounting_depreciationentry")  # statistics: empty, as after go-live
        params = posting._params(
            region_id=world.region.pk,
            period_id=period.pk,
            next_month=DEC,
            holder_at=holder_instant(world.region, NOV),
            method="straight_line",
            run_id=1,
        )
        sql = posting.POSTGRES_POST.format(
            plans="",
            holders=posting.HOLDERS,
            charges=posting.STRAIGHT_LINE_CHARGES,
            columns=posting.ENTRY_COLUMNS,
            values=posting.ENTRY_VALUES,
        )
        with posting._hash_joins(cursor, "straight_line"):
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Nested Loop" not in plan, plan


@pytest.mark.django_db(transaction=True)
def test_postgresql_statement_memory_is_raised_for_the_statement_only():
    """The straight-line statement gets POSTING_WORK_MEM for its hash joins (the server's 4 MB
    default spills a million book rows to temporary files), never less than the database has,
    and the session's settings are back afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.db import transaction

    from gongwucang.accounting import posting

    def settings(cursor) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        cursor.execute("SELECT current_setting('work_mem'), current_setting('enable_nestloop')")
        return cursor.fetchone()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '4MB'")
        with posting._hash_joins(cursor, "straight_line"):
            assert settings(cursor) == (posting.POSTING_WORK_MEM, "off")
        assert settings(cursor) == ("4MB", "on")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        with posting._hash_joins(cursor, "straight_line"):
            assert settings(cursor) == ("256MB", "off")
        with posting._hash_joins(cursor, "units_of_production"):
            assert settings(cursor) == ("256MB", "on")
        assert settings(cursor) == ("256MB", "on")
