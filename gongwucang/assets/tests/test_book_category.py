"""The book row's copy of its card's category (assets migration 0013), and the list sorted by
original value and filtered by category that reads it (assets.selectors, "Sorted by original value
on PostgreSQL")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongwucang.assets import selectors
from gongwucang.assets.models import Asset, AssetBook
from gongwucang.assets.selectors import AssetFilters, asset_count, asset_list, asset_page
from gongwucang.assets.services import asset_update
from gongwucang.core.testing import make_asset
from gongwucang.spreadsheets.services import run_import
from gongwucang.spreadsheets.tests.helpers import row, write_csv

from .test_list_at_scale import walk

pytestmark = pytest.mark.django_db

postgres_only = [
    pytest.mark.postgres_only,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the value sort's plan on PostgreSQL"),
]


def copies() -> dict[int, tuple[int | None, int]]:
    """card → (its book row's category, its own category), for every card."""
    return {
        b["asset_id"]: (b["category_id"], b["asset__category_id"])
        for b in AssetBook.objects.values("asset_id", "category_id", "asset__category_id")
    }


def assert_copies_equal() -> None:
    pairs = copies()
    assert pairs and all(book == card for book, card in pairs.values()), pairs


class TestTheCopyIsKept:
    def test_by_registration_and_a_change_of_category(self, world, categories):
        card = make_asset(actor=world.clerk_sch, unit=world.SCH, category_code="A02010108")
        assert AssetBook.objects.get(pk=card.pk).category_id == categories["A02010108"].pk
        asset_update(
            actor=world.clerk_sch,
            asset_id=card.pk,
            expected_version=card.version,
            values={"category": categories["A05010100"]},
        )
        assert AssetBook.objects.get(pk=card.pk).category_id == categories["A05010100"].pk
        assert_copies_equal()

    def test_by_a_set_based_change_of_the_cards(self, world, categories):
        cards = [make_asset(actor=world.clerk_sch, unit=world.SCH) for _ in range(3)]
        Asset.objects.filter(pk__in=[c.pk for c in cards[:2]]).update(category=categories["A05010301"])
        assert {AssetBook.objects.get(pk=c.pk).category_id for c in cards[:2]} == {categories["A05010301"].pk}
        assert_copies_equal()

    def test_a_book_row_written_without_it_or_with_another_gets_the_cards(self, world, categories):
        card = make_asset(actor=world.clerk_sch, unit=world.SCH, category_code="A02010108")
        AssetBook.objects.filter(pk=card.pk).delete()
        AssetBook.objects.create(asset=card, original_value_fen=100)  # no category named
        assert AssetBook.objects.get(pk=card.pk).category_id == categories["A02010108"].pk
        AssetBook.objects.filter(pk=card.pk).update(category=categories["A05010100"])
        assert AssetBook.objects.get(pk=card.pk).category_id == categories["A02010108"].pk
        assert_copies_equal()

    def test_by_the_import_new_cards_and_updates(self, world, categories, tmp_path):
        """The import writes the category itself (COPY on PostgreSQL, bulk_create on SQLite)."""
        rows = [row("BC-1", code="A02010108"), row("BC-2", name="办公椅", code="A05010301")]
        path = write_csv(tmp_path / "new.csv", rows)
        result = run_import(
            actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="new.csv", commit=True
        )
        assert result.created == 2
        assert_copies_equal()
        path = write_csv(tmp_path / "upd.csv", [row("BC-1", code="A02010105")])
        result = run_import(
            actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="upd.csv", commit=True
        )
        assert result.updated == 1
        assert AssetBook.objects.get(asset__asset_no="BC-1").category_id == categories["A02010105"].pk
        assert_copies_equal()


@pytest.fixture
def mixed(world):  # type: ignore[no-untyped-def]
    """Cards of the school and the clinic: computers (three kinds, under 计算机 A02010100) priced in
    the middle, with dearer cars and cheaper chairs around them — the order in which a walk of
    the value index meets them — and ties."""
    made = []
    for i in range(12):
        for code, name, value in (
            (["A02010104", "A02010105", "A02010108"][i % 3], "笔记本电脑", 4000 + (i % 5) * 500),
            ("A02030500", "乘用车", 150000 + i),
            ("A05010301", "办公椅", 300 + i),
        ):
            made.append(
                make_asset(
                    actor=world.clerk_sch,
                    unit=world.SCH,
                    category_code=code,
                    name=name,
                    original_value=Decimal(value),
                )
            )
    for i in range(4):
        made.append(
            make_asset(
                actor=world.clerk_cln,
                unit=world.CLN,
                category_code="A02010105",
                original_value=Decimal(3000 + i * 4000),
            )
        )
    return made


class TestListByCategorySortedByValue:
    @pytest.mark.parametrize("who", ["clerk_sch", "finance"])
    @pytest.mark.parametrize("sort", ["original_value", "-original_value"])
    @pytest.mark.parametrize("walked", [True, False])
    def test_same_rows_and_pages_as_the_cards_sorted(
        self, world, categories, mixed, who, sort, walked, monkeypatch
    ):
        """Walked (a large scope) or read (a small one): the computers of the scope, in the sort's
        order, page by page, backwards from the last page too."""
        monkeypatch.setattr(selectors, "_table_cards", lambda: 10 if walked else 1_000_000)
        actor = getattr(world, who)
        computers = categories["A02010100"]
        filters = AssetFilters(category_id=computers.pk, sort=sort)
        scope = Asset.objects.filter(category__code__startswith="A020101")
        if who == "clerk_sch":
            scope = scope.filter(owner_unit=world.SCH)
        expected = list(scope.order_by(*selectors.SORTS[sort]).values_list("pk", flat=True))
        assert len(expected) == (12 if who == "clerk_sch" else 16)
        assert walk(actor, filters, size=5) == expected
        last = asset_page(asset_list(actor=actor, filters=filters), sort=sort, size=5, last=True)
        assert [a.pk for a in last] == expected[-5:] and last.has_previous
        before = asset_page(
            asset_list(actor=actor, filters=filters), sort=sort, size=5, before=last.previous_cursor
        )
        assert [a.pk for a in before] == expected[-10:-5]
        assert asset_count(actor=actor, filters=filters) == selectors.ListCount(len(expected), True)

    def test_the_list_and_its_count_read_the_category_tree_once(self, world, categories, mixed):
        """A page's list and its count are given the same filters: the category's descendants
        (each reading asks the database how large the tree is) are read for the first only."""
        filters = AssetFilters(category_id=categories["A02010100"].pk, sort="-original_value", query="电脑")
        with CaptureQueriesContext(connection) as queries:
            rows = list(asset_list(actor=world.finance, filters=filters))
            count = asset_count(actor=world.finance, filters=filters)
        assert len(rows) == 16 and count == selectors.ListCount(16, True)
        sizes = [q["sql"] for q in queries.captured_queries if q["sql"].endswith('FROM "assets_category"')]
        assert sizes == ['SELECT COUNT(*) AS "__count" FROM "assets_category"'], sizes

    @pytest.mark.parametrize("kind", ["walked", "read"])
    def test_a_category_without_cards_is_an_empty_list(self, world, categories, mixed, kind, monkeypatch):
        monkeypatch.setattr(selectors, "_table_cards", lambda: 10 if kind == "walked" else 1_000_000)
        filters = AssetFilters(category_id=categories["A05010100"].pk, sort="-original_value")  # desks: none
        for actor in (world.clerk_sch, world.finance):
            assert list(asset_list(actor=actor, filters=filters)) == []
            assert not asset_page(
                asset_list(actor=actor, filters=filters), sort=filters.sort, size=5
            ).object_list


@pytest.mark.parametrize("sort", ["original_value", "-original_value"])
class TestOnPostgreSQL:
    pytestmark = postgres_only

    def test_the_walk_is_bounded_by_the_categories_value_range(
        self, world, categories, mixed, sort, monkeypatch
    ):
        """The region's walk starts at the categories' first card and tests the category in the
        book row: the statement names the book's category and the range read before it."""
        monkeypatch.setattr(selectors, "_table_cards", lambda: 10)  # a large scope: walked
        filters = AssetFilters(category_id=categories["A02010100"].pk, sort=sort)
        assert selectors._category_value_range(selectors.category_with_descendants(filters.category_id)) == (
            300000,
            1500000,
        )
        sql, params = asset_list(actor=world.finance, filters=filters).query.sql_with_params()
        assert '"assets_assetbook"."category_id" IN' in sql
        assert '"assets_assetbook"."original_value_fen" BETWEEN' in sql
        assert 300000 in params and 1500000 in params
        with connection.cursor() as cursor:  # and never in parallel (migration 0013)
            cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'assets_assetbook'::regclass")
            assert "parallel_workers=0" in cursor.fetchone()[0]

    def test_a_small_scope_is_read_without_the_range(self, world, categories, mixed, sort, monkeypatch):
        monkeypatch.setattr(selectors, "_table_cards", lambda: 1_000_000)
        filters = AssetFilters(category_id=categories["A02010100"].pk, sort=sort)
        sql = str(asset_list(actor=world.clerk_sch, filters=filters).query)
        assert "BETWEEN" not in sql and '+"assets_assetbook"."original_value_fen"' in sql
