"""The database itself refuses bad rows: raw SQL around the ORM, on SQLite and PostgreSQL."""

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test import RequestFactory

from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def card(world):
    return make_asset(actor=world.clerk_sch, unit=world.SCH)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("quantity", 0),
        ("fiscal_amount_fen", -1),
        ("non_fiscal_amount_fen", -1),
        ("disposal_income_fen", -5),
        ("useful_life_months", 0),
        ("booked_on", "2000-01-01"),  # before acquired_on
        ("status", "lost"),
        ("asset_no", ""),
        ("name", ""),
    ],
)
def test_card_constraints(card, column, value):
    with pytest.raises(IntegrityError):
        raw(f"UPDATE assets_asset SET {column} = %s WHERE id = %s", [value, card.pk])


def test_asset_no_unique(world, card):
    other = make_asset(actor=world.clerk_sch, unit=world.SCH)
    with pytest.raises(IntegrityError):
        raw("UPDATE assets_asset SET asset_no = %s WHERE id = %s", [card.asset_no, other.pk])


@pytest.mark.parametrize(
    ("assignments", "params"),
    [
        ("original_value_fen = %s", [-1]),
        ("accumulated_depreciation_fen = %s", [-1]),
        ("accumulated_depreciation_fen = original_value_fen + %s", [1]),
    ],
)
def test_book_constraints(card, assignments, params):
    with pytest.raises(IntegrityError):
        raw(f"UPDATE assets_assetbook SET {assignments} WHERE asset_id = %s", [*params, card.pk])


def test_book_accepts_fully_depreciated(card):
    raw(
        "UPDATE assets_assetbook SET accumulated_depreciation_fen = original_value_fen WHERE asset_id = %s",
        [card.pk],
    )
    card.book.refresh_from_db()
    assert card.book.net_value_fen == 0


class TestLedgerIsAppendOnly:
    def test_database_refuses_update(self, card):
        event = AssetEvent.objects.get(asset=card)
        with pytest.raises(DatabaseError):
            raw("UPDATE assets_assetevent SET note = 'forged' WHERE id = %s", [event.pk])
        assert AssetEvent.objects.get(pk=event.pk).note == ""

    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite refuses deletes in code only")
    @pytest.mark.postgres_only
    def test_database_refuses_delete_on_postgresql(self, card):
        with pytest.raises(DatabaseError):
            raw("DELETE FROM assets_assetevent WHERE asset_id = %s", [card.pk])
        assert AssetEvent.objects.filter(asset=card).count() == 1

    def test_model_and_queryset_refuse(self, card):
        event = AssetEvent.objects.get(asset=card)
        event.note = "changed"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()
        with pytest.raises(PermissionError):
            AssetEvent.objects.filter(asset=card).update(note="x")
        with pytest.raises(PermissionError):
            AssetEvent.objects.filter(asset=card).delete()

    def test_card_with_history_cannot_be_deleted(self, card):
        # Foreign keys are checked at commit (deferred); check_constraints() checks them now.
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM assets_assetbook WHERE asset_id = %s", [card.pk])
                cursor.execute("DELETE FROM assets_asset WHERE id = %s", [card.pk])
            connection.check_constraints()
        assert Asset.objects.filter(pk=card.pk).exists()

    def test_admin_offers_no_change_or_delete(self, world):
        request = RequestFactory().get("/admin/")
        request.user = world.finance
        request.user.is_superuser = True
        model_admin = site._registry[AssetEvent]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.get_actions(request) == {}
