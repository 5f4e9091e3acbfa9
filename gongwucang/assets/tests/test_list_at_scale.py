"""What keeps the asset list fast at scale stays correct (issue 6), on SQLite and PostgreSQL alike:
search keys (grams on PostgreSQL, substring on SQLite), keyset pages for every sort, the
maintained counters behind counts and the home page, and a fixed number of queries per page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.urls import reverse

from gongwucang.assets import selectors
from gongwucang.assets.domain.search_keys import build_search_text, search_grams, term_keys
from gongwucang.assets.models import Asset, AssetBook, AssetTally
from gongwucang.assets.selectors import AssetFilters, asset_list, asset_page
from gongwucang.assets.services import asset_apply_change, asset_update
from gongwucang.assets.tallies import rebuild_tallies
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db

NAMES = [
    "笔记本电脑",
    "台式计算机",
    "办公桌",
    "办公椅",
    "激光打印机",
    "电脑桌",
    "空调",
    "桌",
    "HP激光打印机",
    "文件柜",
]


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'href="/assets/\d+/">([A-Z0-9]+-\d{4}-\d+)</a>', response.content.decode())


@pytest.fixture
def many(world):  # type: ignore[no-untyped-def]
    """27 cards of the school with repeated names, values and dates (ties for every sort)."""
    cards = []
    for i in range(27):
        cards.append(
            make_asset(
                actor=world.clerk_sch,
                unit=world.SCH,
                name=NAMES[i % len(NAMES)],
                original_value=Decimal(1000 + (i % 4) * 250),
                acquired_on=dt.date(2020 + i % 3, 1 + i % 5, 1),
                status=["in_use", "idle", "under_repair"][i % 3],
                brand=["联想", "", "惠普"][i % 3],
            )
        )
    return cards


class TestSearchKeys:
    def test_grams_of_each_token(self):
        assert search_grams("电脑 ab") == {"电", "脑", "电脑", "a", "b", "ab"}
        assert "bjb" in search_grams(build_search_text("笔记本电脑", "SCH01-2026-000001", "", ""))

    def test_term_keys(self):
        assert term_keys("桌") == (["桌"], True)
        assert term_keys("电脑") == (["电脑"], True)
        assert term_keys("bjb") == (["bjb"], True)
        assert term_keys("thinkpad") == (sorted({"thi", "hin", "ink", "nkp", "kpa", "pad"}), False)

    @pytest.mark.postgres_only
    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="search keys are a PostgreSQL column")
    def test_database_derives_the_same_keys_as_python(self, many):
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_text, search_keys FROM assets_asset")
            rows = cursor.fetchall()
        assert rows
        for text, keys in rows:
            assert set(keys) == search_grams(text)
        card = many[0]
        with connection.cursor() as cursor:
            cursor.execute("UPDATE assets_asset SET search_text = %s WHERE id = %s", ["投影仪 tyy", card.pk])
            cursor.execute("SELECT search_keys FROM assets_asset WHERE id = %s", [card.pk])
            assert set(cursor.fetchone()[0]) == search_grams("投影仪 tyy")

    @pytest.mark.parametrize(
        "query",
        [
            "桌",
            "电脑",
            "电脑桌",
            "bjb",
            "dyj",
            "hp",
            "激光打印机",
            "联想 bjb",
            "x",
            "SCH",
            "000001",
            "不存在",
        ],
    )
    @pytest.mark.parametrize("path", ["walk", "keys", "keys-overflow"])
    def test_search_finds_exactly_the_substring_matches(self, world, many, query, path, monkeypatch):
        # On PostgreSQL the list either walks the sorted index checking the text (common terms)
        # or takes the ids from the GIN index (rare terms; more than RARE_CAP → walk): all agree.
        monkeypatch.setattr(selectors, "estimated_share", lambda q: 1.0 if path == "walk" else 0.0)
        if path == "keys-overflow":
            monkeypatch.setattr(selectors, "RARE_CAP", 1)
        found = {a.pk for a in asset_list(actor=world.clerk_sch, filters=AssetFilters(query=query))}
        terms = query.lower().split()
        expected = {a.pk for a in Asset.objects.all() if all(t in a.search_text for t in terms)}
        assert found == expected


def walk(actor, filters: AssetFilters, size: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Every row, following the "next" cursor from the first page."""
    qs = asset_list(actor=actor, filters=filters)
    page = asset_page(qs, sort=filters.sort, size=size)
    seen = [a.pk for a in page]
    while page.has_next:
        page = asset_page(
            asset_list(actor=actor, filters=filters),
            sort=filters.sort,
            size=size,
            after=page.next_cursor,
            number=page.next_number,
        )
        seen += [a.pk for a in page]
    return seen


class TestKeysetPages:
    @pytest.mark.parametrize("sort", list(selectors.SORTS))
    def test_following_next_gives_every_row_once_in_order(self, world, many, sort):
        filters = AssetFilters(sort=sort)
        expected = [a.pk for a in asset_list(actor=world.clerk_sch, filters=filters)]
        assert len(expected) == 27
        assert walk(world.clerk_sch, filters, size=5) == expected

    @pytest.mark.parametrize("sort", ["name", "-original_value", "acquired_on", "-status"])
    def test_previous_and_last(self, world, many, sort):
        filters = AssetFilters(sort=sort)
        expected = [a.pk for a in asset_list(actor=world.clerk_sch, filters=filters)]
        qs = asset_list(actor=world.clerk_sch, filters=filters)
        last = asset_page(qs, sort=sort, size=5, last=True)
        assert [a.pk for a in last] == expected[-5:] and last.has_previous and not last.has_next
        before = asset_page(
            asset_list(actor=world.clerk_sch, filters=filters), sort=sort, size=5, before=last.previous_cursor
        )
        assert [a.pk for a in before] == expected[-10:-5] and before.has_next

    def test_with_filter_and_search(self, world, many):
        filters = AssetFilters(query="桌", statuses=["in_use", "idle"], sort="-acquired_on")
        expected = [a.pk for a in asset_list(actor=world.clerk_sch, filters=filters)]
        assert expected and walk(world.clerk_sch, filters, size=2) == expected

    @pytest.mark.parametrize("sort", list(selectors.SORTS))
    def test_value_range_pages_and_count(self, world, many, sort):
        """An original value range gives the same cards in each sort and the exact count — also on
        SQLite, where the rows walk the sort order without the value index (asset_list)."""
        filters = AssetFilters(value_min=Decimal("1200"), value_max=Decimal("1500"), sort=sort)
        expected = [
            a.pk
            for a in Asset.objects.filter(
                owner_unit=world.SCH, book__original_value_fen__range=(120000, 150000)
            ).order_by(*selectors.SORTS[sort])
        ]
        assert len(expected) == 14  # 1250 and 1500 yuan: 7 cards each
        assert walk(world.clerk_sch, filters, size=4) == expected
        assert selectors.asset_count(actor=world.clerk_sch, filters=filters) == selectors.ListCount(14, True)

    def test_on_sqlite_a_value_range_does_not_choose_the_plan(self, world, many):
        """SQLite gets the range as +value (no index can serve it) unless the list is sorted by
        value; the plan then never starts from the value index. (The speed this buys shows only
        at scale: bench/pages.py --embedded, "original value 1000–5000".)"""
        if connection.vendor != "sqlite":
            pytest.skip("a hint for SQLite's planner; PostgreSQL plans from its statistics")
        ranged = {"value_min": Decimal("1000"), "value_max": Decimal("5000")}
        unindexed = '+"assets_assetbook"."original_value_fen" >='
        for sort, hinted in (
            ("-id", True),
            ("name", True),
            ("acquired_on", True),
            ("-original_value", False),
        ):
            qs = asset_list(actor=world.clerk_sch, filters=AssetFilters(**ranged, sort=sort))
            sql, params = qs.query.sql_with_params()
            assert (unindexed in sql) is hinted, (sort, sql)
            if hinted:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                    plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                assert "assetbook_original_value" not in plan, (sort, plan)

    def test_on_sqlite_a_region_wide_list_sorted_by_value_walks_the_value_index(self, world, many):
        """Sorted by value, a region-wide reader's region and category are written unindexed on
        SQLite, so the value index is walked; the rows are the same as PostgreSQL's order."""
        computers = make_asset(
            actor=world.clerk_oth, unit=world.OTH, name="台式机", category_code="A02010104"
        )
        category = computers.category.parent_id or computers.category_id
        for filters in (
            AssetFilters(sort="-original_value"),
            AssetFilters(sort="original_value", category_id=category),
        ):
            qs = asset_list(actor=world.finance, filters=filters)
            found = [a.pk for a in qs]
            categories = (
                selectors.category_with_descendants(filters.category_id) if filters.category_id else None
            )
            expected = Asset.objects.filter(region=world.region)
            if categories:
                expected = expected.filter(category_id__in=categories)
            assert found == [a.pk for a in expected.order_by(*selectors.SORTS[filters.sort])]
            assert walk(world.finance, filters, size=4) == found
            if connection.vendor != "sqlite":
                continue
            sql, params = qs.query.sql_with_params()
            assert '+"assets_asset"."region_id" IN' in sql
            assert ('+"assets_asset"."category_id" IN' in sql) is bool(categories)
            # With a category, the walk starts at the categories' value range and tests the book
            # row's copy of the category (assets.selectors, "Sorted by original value …").
            assert ('+"assets_assetbook"."category_id" IN' in sql) is bool(categories)
            assert ('"assets_assetbook"."original_value_fen" BETWEEN' in sql) is bool(categories)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            # Walked in value order; only cards of equal value are put in order of their id
            # ("TEMP B-TREE FOR RIGHT PART OF ORDER BY"), never the whole list.
            assert "assetbook_original_value" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan

    @pytest.mark.postgres_only
    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a choice of PostgreSQL's plan")
    @pytest.mark.parametrize("sort", ["original_value", "-original_value"])
    def test_on_postgresql_a_small_scope_sorted_by_value_is_read_and_sorted(
        self, world, many, sort, monkeypatch
    ):
        """A scope much smaller than the table is sorted by +value (no index can walk it); a scope
        that is most of the table walks the book's value index. Same rows, same pages, both ways."""
        filters = AssetFilters(sort=sort)
        expected = [a.pk for a in Asset.objects.filter(owner_unit=world.SCH).order_by(*selectors.SORTS[sort])]
        assert len(expected) == 27
        walked = '+"assets_assetbook"."original_value_fen"'
        # 27 cards of 1,000,000: 27² ≤ 2 × 21 × 1,000,000 → read; of 10: 27² > 2 × 21 × 10 → walk;
        # no statistics (0) → walk.
        for table_cards, reads in ((1_000_000, True), (10, False), (0, False)):
            monkeypatch.setattr(selectors, "_table_cards", lambda n=table_cards: n)
            qs = asset_list(actor=world.clerk_sch, filters=filters)
            sql, _params = qs.query.sql_with_params()
            assert (walked in sql.split("ORDER BY")[1]) is reads, (table_cards, sql)
            assert [a.pk for a in qs] == expected
            assert walk(world.clerk_sch, filters, size=4) == expected
            last = asset_page(
                asset_list(actor=world.clerk_sch, filters=filters), sort=sort, size=5, last=True
            )
            assert [a.pk for a in last] == expected[-5:] and last.has_previous
            before = asset_page(
                asset_list(actor=world.clerk_sch, filters=filters),
                sort=sort,
                size=5,
                before=last.previous_cursor,
            )
            assert [a.pk for a in before] == expected[-10:-5] and before.has_next
        # A region-wide reader walks the region; given one unit, reads it.
        monkeypatch.setattr(selectors, "_table_cards", lambda: 1_000_000)
        region_wide = asset_list(actor=world.finance, filters=filters)
        assert walked not in str(region_wide.query).split("ORDER BY")[1]
        one_unit = asset_list(actor=world.finance, filters=AssetFilters(sort=sort, unit_id=world.SCH.pk))
        assert walked in str(one_unit.query).split("ORDER BY")[1]
        assert [a.pk for a in one_unit] == expected
        # The counters give the scope, with the unit and status filters.
        assert selectors._tallied_cards(actor=world.finance, filters=AssetFilters(unit_id=world.SCH.pk)) == 27
        idle = AssetFilters(statuses=["idle"])
        assert selectors._tallied_cards(actor=world.clerk_sch, filters=idle) == 9

    @pytest.mark.postgres_only
    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's statistics")
    def test_table_cards_come_from_the_statistics(self, world, many, monkeypatch):
        monkeypatch.setitem(selectors._TABLE_CARDS, "at", -1e9)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE assets_asset")
        assert selectors._table_cards() == Asset.objects.count()

    def test_a_cursor_of_another_sort_or_garbage_is_ignored(self, world, many):
        qs = asset_list(actor=world.clerk_sch, filters=AssetFilters(sort="name"))
        page = asset_page(qs, sort="name", size=5)
        for cursor in (page.next_cursor, "garbage!", "W10"):
            other = asset_page(
                asset_list(actor=world.clerk_sch, filters=AssetFilters(sort="-id")),
                sort="-id",
                size=5,
                after=cursor,
            )
            assert len(other) == 5 and not other.has_previous

    def test_links_of_the_page(self, client, world, many):
        client.force_login(world.clerk_sch)
        first = client.get(reverse("assets:list"), {"sort": "name", "per_page": 20})
        html = first.content.decode()
        assert "共 27 项" in html and "第 1 页" in html
        cursor = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
        second = client.get(f"{reverse('assets:list')}?{cursor}")
        assert "第 2 页" in second.content.decode()
        assert len(numbers(first)) == 20 and len(numbers(second)) == 7
        assert not set(numbers(first)) & set(numbers(second))


def tallies_match() -> None:
    expected = {
        (row["owner_unit_id"], row["status"]): (row["n"], row["ov"] or 0, row["acc"] or 0)
        for row in Asset.objects.values("owner_unit_id", "status").annotate(
            n=Count("id"), ov=Sum("book__original_value_fen"), acc=Sum("book__accumulated_depreciation_fen")
        )
    }
    kept = {
        (t.owner_unit_id, t.status): (t.cards, t.original_value_fen, t.accumulated_depreciation_fen)
        for t in AssetTally.objects.all()
        if t.cards or t.original_value_fen or t.accumulated_depreciation_fen
    }
    assert kept == expected


class TestTallies:
    def test_kept_by_every_write(self, world, many):
        tallies_match()
        card = many[0]
        asset_update(
            actor=world.clerk_sch,
            asset_id=card.pk,
            expected_version=1,
            values={"status": "idle"},
            original_value="7777.00",
        )
        tallies_match()
        asset_apply_change(
            actor=world.keeper,
            asset_id=card.pk,
            values={"status": "in_warehouse", "owner_unit": world.WH, "user_unit": world.WH},
            event_type="intake_received",
        )
        tallies_match()
        # A set-based depreciation run (as the accounting app's) and a bulk status change.
        AssetBook.objects.filter(asset__owner_unit=world.SCH).update(accumulated_depreciation_fen=100)
        tallies_match()
        Asset.objects.filter(owner_unit=world.SCH, status="idle").update(status="under_repair")
        tallies_match()

    def test_rebuild_gives_the_same(self, world, many):
        before = sorted(
            AssetTally.objects.values_list("owner_unit_id", "status", "cards", "original_value_fen")
        )
        rebuild_tallies()
        after = sorted(
            AssetTally.objects.values_list("owner_unit_id", "status", "cards", "original_value_fen")
        )
        assert before == after

    def test_home_counts_come_from_the_counters(self, world, many):
        by_status = selectors.holdings(actor=world.clerk_sch).by_status
        assert by_status == {"in_use": 9, "idle": 9, "under_repair": 9}
        assert selectors.holdings(actor=world.clerk_oth) == selectors.Holdings(
            {}, {"original": 0, "accumulated": 0, "cards": 0, "net": 0}
        )
        totals = selectors.holdings(actor=world.finance).totals
        assert totals["cards"] == 27
        assert totals["original"] == sum(a.book.original_value_fen for a in many)
        assert totals["net"] == totals["original"] - totals["accumulated"]

    def test_home_totals_leave_out_disposed_cards(self, world, many):
        """A disposed card is counted under its status but not in the value totals."""
        gone = many[0]
        Asset.objects.filter(pk=gone.pk).update(status="disposed")  # the tally triggers follow
        visible = selectors.holdings(actor=world.finance)
        assert visible.by_status["disposed"] == 1 and sum(visible.by_status.values()) == 27
        assert visible.totals["cards"] == 26
        assert visible.totals["original"] == sum(a.book.original_value_fen for a in many[1:])


class TestCounts:
    def test_exact_from_counters_without_row_filters(self, world, many):
        count = selectors.asset_count(actor=world.clerk_sch, filters=AssetFilters(statuses=["idle"]))
        assert count == selectors.ListCount(9, True)

    def test_small_filtered_results_are_counted_exactly(self, world, many):
        filters = AssetFilters(query="桌")
        qs = asset_list(actor=world.clerk_sch, filters=filters)
        assert selectors.asset_count(actor=world.clerk_sch, filters=filters) == selectors.ListCount(
            qs.count(), True
        )

    @pytest.mark.parametrize("query", ["保险柜", "桌"])
    def test_a_page_holding_the_whole_list_is_the_count(self, client, world, many, query):
        """A search that finds nothing or fits on one page is counted from its rows: the count's own
        statements (the planner's estimate, the bounded count, or SQLite's COUNT) are not run."""
        from django.test.utils import CaptureQueriesContext

        expected = asset_list(actor=world.clerk_sch, filters=AssetFilters(query=query)).count()
        assert expected < 20
        client.force_login(world.clerk_sch)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("assets:list"), {"q": query})
        assert response.context["page"].is_whole_list
        assert response.context["count"] == selectors.ListCount(expected, True)
        assert f"共 {expected} 项" in response.content.decode()
        statements = [q["sql"] for q in ctx.captured_queries]
        assert not [sql for sql in statements if "COUNT(" in sql.upper() and "assets_asset" in sql]
        assert not [sql for sql in statements if sql.startswith("EXPLAIN")]

    def test_a_page_short_of_the_whole_list_still_counts(self, world, many):
        filters = AssetFilters()
        page = selectors.asset_page(asset_list(actor=world.clerk_sch, filters=filters), sort="-id", size=5)
        assert not page.is_whole_list
        last = selectors.asset_page(
            asset_list(actor=world.clerk_sch, filters=filters), sort="-id", size=5, last=True
        )
        assert not last.is_whole_list and len(last) == 5
        total = Asset.objects.filter(owner_unit=world.SCH).count()
        for given in (page, last, None):
            assert selectors.asset_count(
                actor=world.clerk_sch, filters=filters, page=given
            ) == selectors.ListCount(total, True)

    def test_a_count_that_takes_too_long_is_not_shown_as_exact(
        self, client, world, many, monkeypatch, settings
    ):
        settings.ASSET_LIST_PAGE_SIZES = [2]  # more matches than a page holds: the list is counted
        monkeypatch.setattr(selectors, "_bounded_count", lambda qs: None)
        client.force_login(world.clerk_sch)
        html = client.get(reverse("assets:list"), {"q": "桌"}).content.decode()
        if connection.vendor == "postgresql":
            assert "结果较多（未清点）" in html and "共 " not in html
        assert len(numbers(client.get(reverse("assets:list"), {"q": "桌"}))) > 0

    @pytest.mark.postgres_only
    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL statement timeout")
    def test_bounded_count_gives_up_after_its_time(self, world, many, monkeypatch):
        monkeypatch.setattr(selectors, "COUNT_TIME_LIMIT_MS", 1)
        qs = Asset.objects.extra(where=["pg_sleep(0.01) IS NOT NULL"])
        assert selectors._bounded_count(qs) is None
        monkeypatch.setattr(selectors, "COUNT_TIME_LIMIT_MS", 5000)
        assert selectors._bounded_count(Asset.objects.all()) == 27
        with connection.cursor() as cursor:  # the timeout does not outlive the count
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"

    def test_estimate_is_labelled(self, client, world, many, monkeypatch, settings):
        settings.ASSET_LIST_PAGE_SIZES = [2]  # more matches than a page holds: the list is counted
        monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 0)
        client.force_login(world.clerk_sch)
        html = client.get(reverse("assets:list"), {"q": "桌"}).content.decode()
        if connection.vendor == "postgresql":
            assert "约 " in html and "估算值" in html
        else:
            assert "共 " in html


class TestFixedNumberOfQueries:
    """The list, the card and the home page run the same number of queries whatever their size."""

    @pytest.mark.parametrize("who", ["clerk_sch", "finance"])
    @pytest.mark.parametrize(
        "params",
        [{}, {"q": "电脑"}, {"status": "idle", "sort": "name"}, {"category": "x", "sort": "-original_value"}],
    )
    def test_asset_list(
        self, client, world, many, who, params, django_assert_max_num_queries, categories, settings
    ):
        if params.get("category") == "x":
            params = {**params, "category": categories["A02010100"].pk}
        client.force_login(getattr(world, who))
        client.get(reverse("assets:list"), params)  # per-process caches (categories, contributions)
        from django.test.utils import CaptureQueriesContext

        counts: dict[bool, set[int]] = {True: set(), False: set()}  # whole list on the page? → counts
        for per_page in (2, 3, 20, 50, 100):
            settings.ASSET_LIST_PAGE_SIZES = [2, 3, 20, 50, 100]
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse("assets:list"), {**params, "per_page": per_page})
            assert response.status_code == 200
            counts[response.context["page"].is_whole_list].add(len(ctx.captured_queries))
        # The same number for every size; a page that holds the whole list asks no count (fewer).
        assert len(counts[False]) == 1 and len(counts[True]) <= 1
        assert all(whole < max(counts[False]) for whole in counts[True])
        # A second page costs no more.
        with django_assert_max_num_queries(max(counts[False])):
            client.get(reverse("assets:list"), {**params, "per_page": 2, "page": 2})

    def test_asset_list_pinned(self, client, world, many, django_assert_num_queries):
        client.force_login(world.clerk_sch)
        client.get(reverse("assets:list"))
        # session, user, the roles (scope and frame share one read), inbox counts of the other apps,
        # the filter form's choices
        # (units, departments, categories), the counters (count), the rows, their categories' and units'
        # names (one statement). 20 of the unit's 27 cards: a page that held them all would need no count.
        with django_assert_num_queries(PINNED_LIST_QUERIES):
            client.get(reverse("assets:list"), {"per_page": 20})

    def test_card_page(self, client, world, many):
        from django.test.utils import CaptureQueriesContext

        client.force_login(world.clerk_sch)
        few, lots = many[0], many[1]
        for i in range(40):
            asset_update(
                actor=world.clerk_sch,
                asset_id=lots.pk,
                expected_version=i + 1,
                values={"location": f"房间{i}"},
            )
        client.get(reverse("assets:detail", args=[few.pk]))
        counts = []
        for card in (few, lots):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("assets:detail", args=[card.pk])).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]

    def test_home(self, client, world, many):
        from django.test.utils import CaptureQueriesContext

        client.force_login(world.finance)
        client.get("/")
        with CaptureQueriesContext(connection) as small:
            client.get("/")
        for _ in range(30):
            make_asset(actor=world.clerk_oth, unit=world.OTH)
        with CaptureQueriesContext(connection) as large:
            client.get("/")
        assert len(small.captured_queries) == len(large.captured_queries)


PINNED_LIST_QUERIES = 10
