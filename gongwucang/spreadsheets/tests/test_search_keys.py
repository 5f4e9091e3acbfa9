"""The importer writes each new card's search keys itself (PostgreSQL; migration 0008 lets the
insert trigger fire only when they are empty): they must be exactly what the database's
gwc_search_keys makes of the card's search text, for every kind of text a ledger holds."""

from __future__ import annotations

import pytest
from django.db import connection

from gongwucang.assets.domain.search_keys import pg_text_array, search_grams
from gongwucang.assets.models import Asset
from gongwucang.spreadsheets.services import run_import

from .helpers import HEADER, card, row, write_csv

pytestmark = pytest.mark.django_db

# (asset number, name, model/spec, brand): Chinese, pinyin, mixed-case latin, digits, one
# character, and the characters a text[] literal must escape.
SAMPLE = [
    ("SK-001", "笔记本电脑", "ThinkPad E14", "联想"),
    ("SK-002", "桌", "", ""),
    ("SK-003", "椅", "1", "A"),
    ("SK-004", "HP激光打印机", "LaserJet Pro M404dn", "惠普"),
    ("SK-005", "bjb", "xyz", "abc"),
    ("SK-006", "空调机 KFR-35GW", "3匹 变频", "格力"),
    ("SK-007", "文件柜", '柜"A"{1,2}', "null"),
    ("SK-008", "投影仪", "back\\slash, comma", "NULL"),
    ("SK-009", "12345", "000", "7"),
    ("SK-010", "显示器😀", "27寸 4K", "Dell"),
    ("", "复印机", "", ""),  # numbered by the import
]


def _import(world, tmp_path):  # type: ignore[no-untyped-def]
    header = [*HEADER, "品牌"]
    rows = [[*row(no, name=name, spec=spec), brand] for no, name, spec, brand in SAMPLE]
    path = write_csv(tmp_path / "keys.csv", rows, header=header)
    preview = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="keys.csv", commit=False
    )
    assert not preview.errors, preview.errors
    result = run_import(
        actor=world.clerk_sch, unit=world.SCH, path=str(path), filename="keys.csv", commit=True
    )
    assert result.created == len(SAMPLE), result.errors


def test_python_grams() -> None:
    assert search_grams("桌") == {"桌"}
    assert search_grams("ab  c") == {"a", "b", "ab", "c"}
    assert search_grams("") == set()


@pytest.mark.postgres_only
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="search keys are a PostgreSQL column")
def test_imported_keys_equal_the_database_function(world, tmp_path) -> None:
    _import(world, tmp_path)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT asset_no, search_text, search_keys, gwc_search_keys(search_text) FROM assets_asset "
            "WHERE owner_unit_id = %s",
            [world.SCH.pk],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(SAMPLE)
    for asset_no, text, stored, derived in rows:
        assert len(stored) == len(set(stored)), asset_no  # distinct, as array_agg(DISTINCT …)
        assert set(stored) == set(derived) == search_grams(text), asset_no
    texts = {text for _, text, _, _ in rows}
    assert any('"a"{1,2}' in t for t in texts) and any("back\\slash," in t for t in texts)


@pytest.mark.postgres_only
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="search keys are a PostgreSQL column")
def test_imported_cards_are_found_by_the_search(world, tmp_path) -> None:
    _import(world, tmp_path)
    with connection.cursor() as cursor:
        for key in ("电脑", "桌", "bjb", "dyj", '"a"', "h,", "k\\s", "nul"):
            cursor.execute("SELECT count(*) FROM assets_asset WHERE search_keys @> ARRAY[%s]", [key])
            assert cursor.fetchone()[0] >= 1, key


@pytest.mark.postgres_only
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="search keys are a PostgreSQL column")
def test_keys_compare_as_bytes_and_the_search_still_uses_the_index(world, tmp_path) -> None:
    """Assets migration 0012: search_keys is COLLATE "C" (the GIN index compares bytes, cheaper
    on every imported card); the search's `@> %s::text[]` takes the column's collation, so the
    index still serves it and finds the same cards."""
    from gongwucang.assets.selectors import apply_search

    _import(world, tmp_path)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcollation::regcollation::text FROM pg_attribute "
            "WHERE attrelid = 'assets_asset'::regclass AND attname = 'search_keys'"
        )
        assert cursor.fetchone()[0] == '"C"'
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            'EXPLAIN SELECT id FROM assets_asset WHERE "assets_asset"."search_keys" @> %s::text[]', [["电脑"]]
        )
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "asset_search_keys_gin" in plan, plan
    found = apply_search(Asset.objects.filter(owner_unit=world.SCH), "电脑", use_keys=True)
    assert list(found.values_list("asset_no", flat=True)) == ["SK-001"]
    found = apply_search(Asset.objects.filter(owner_unit=world.SCH), "打印机", use_keys=True)
    assert list(found.values_list("asset_no", flat=True)) == ["SK-004"]


@pytest.mark.postgres_only
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="search keys are a PostgreSQL column")
def test_other_writers_still_get_keys_from_the_trigger(world) -> None:
    one = card(actor=world.clerk_sch, unit=world.SCH, asset_no="TRG-1", name="保险柜", model_spec="B-2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_text, search_keys FROM assets_asset WHERE id = %s", [one.pk])
        text, keys = cursor.fetchone()
        assert keys and set(keys) == search_grams(text)
        # An update of the search text derives them again (the update trigger is unchanged).
        cursor.execute("UPDATE assets_asset SET search_text = %s WHERE id = %s", ["台灯 td", one.pk])
        cursor.execute("SELECT search_keys FROM assets_asset WHERE id = %s", [one.pk])
        assert set(cursor.fetchone()[0]) == search_grams("台灯 td")


@pytest.mark.postgres_only
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL array literal")
def test_text_array_literal_round_trips() -> None:
    items = {"a", "桌", '"', "\\", ",", "{", "}", "null", "NULL", "a b", "😀", "'"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [pg_text_array(items)])
        assert set(cursor.fetchone()[0]) == items
        cursor.execute("SELECT %s::text[]", [pg_text_array(set())])
        assert cursor.fetchone()[0] == []


def test_unused_indexes_are_gone() -> None:
    """Migrations 0008/0009: no single-column index on category or department (the composite indexes
    asset_category_id / asset_department_id start with them), no LIKE index on the number."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Asset._meta.db_table)
    plain = [
        info["columns"]
        for info in constraints.values()
        if info.get("index") and not info.get("unique") and not info.get("primary_key")
    ]
    assert ["category_id"] not in plain and ["department_id"] not in plain
    assert ["category_id", "id"] in plain and ["department_id", "id"] in plain
    assert not [name for name in constraints if name.endswith("_like")]
    with connection.cursor() as cursor:  # migration 0009: the ledger's asset_id alone
        events = connection.introspection.get_constraints(cursor, "assets_assetevent")
    plain = [info["columns"] for info in events.values() if info.get("index") and not info.get("unique")]
    assert ["asset_id"] not in plain and ["asset_id", "occurred_at", "id"] in plain


def test_counters_stay_exact_over_many_copy_batches(world, tmp_path, monkeypatch) -> None:
    """Many small COPY statements in one import (the tally triggers plan each statement afresh
    on PostgreSQL, migration 0010): the counters hold every card and its original value."""
    from gongwucang.assets.models import AssetTally
    from gongwucang.spreadsheets import services, writer

    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    monkeypatch.setattr(writer, "FLUSH_ROWS", 2)
    _import(world, tmp_path)
    cards = Asset.objects.filter(owner_unit=world.SCH)
    tally = AssetTally.objects.filter(owner_unit=world.SCH)
    assert sum(t.cards for t in tally) == cards.count() == len(SAMPLE)
    assert sum(t.original_value_fen for t in tally) == sum(c.book.original_value_fen for c in cards)
