"""The database triggers of the accounting app (created by migration 0002, re-ensured on SQLite).

Why a module of its own: on SQLite, a later migration of the assets app that alters assets_asset
rebuilds the table, and SQLite drops a table's triggers with it. So after every `migrate` the
SQLite triggers are created again if missing (apps.AccountingConfig, post_migrate). PostgreSQL
alters tables in place and keeps its triggers.

1. accounting_depreciationentry: no entry may be written into a closed period; an entry is never
   updated (both vendors) nor deleted (PostgreSQL; SQLite's test runner flushes tables with
   DELETE, so there the code paths refuse deletes, as for the asset ledger).
2. assets_asset (a rule of this app on another app's table, so it lives here): a card may not be
   booked (入账日期) in a closed period, and its booking or disposal date may not be moved into or
   out of a closed period.
3. accounting_period: a closed period is never deleted (PostgreSQL).

PostgreSQL checks inserts once per statement over the transition table (a posting writes a
million entries in one statement; a row trigger would cost seconds), updates per row but only
when a date actually changes. SQLite uses row triggers (its scale is the embedded mode's).
"""

from __future__ import annotations

from typing import Any

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION accounting_entry_refuse_closed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed_label text;
BEGIN
    SELECT to_char(p.month, 'YYYY-MM') INTO closed_label
    FROM accounting_period p
    WHERE p.status = 'closed' AND p.id IN (SELECT DISTINCT period_id FROM new_rows)
    LIMIT 1;
    IF closed_label IS NOT NULL THEN
        RAISE EXCEPTION '会计期间 % 已结账，不能再写入折旧明细', closed_label
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounting_entry_refuse_closed AFTER INSERT ON accounting_depreciationentry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION accounting_entry_refuse_closed();

CREATE OR REPLACE FUNCTION accounting_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '折旧明细只能追加，不能修改或删除（%）', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER accounting_entry_append_only BEFORE UPDATE OR DELETE ON accounting_depreciationentry
    FOR EACH ROW EXECUTE FUNCTION accounting_entry_append_only();

CREATE OR REPLACE FUNCTION accounting_asset_insert_refuse_closed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed_label text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM accounting_period WHERE status = 'closed') THEN
        RETURN NULL;
    END IF;
    SELECT to_char(p.month, 'YYYY-MM') INTO closed_label
    FROM new_rows n
    JOIN accounting_period p
      ON p.region_id = n.region_id AND p.month = date_trunc('month', n.booked_on)::date
    WHERE p.status = 'closed'
    LIMIT 1;
    IF closed_label IS NOT NULL THEN
        RAISE EXCEPTION '入账日期所在的会计期间 % 已结账，不能登记资产', closed_label
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounting_asset_insert_refuse_closed AFTER INSERT ON assets_asset
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION accounting_asset_insert_refuse_closed();

CREATE OR REPLACE FUNCTION accounting_asset_dates_refuse_closed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed_label text;
BEGIN
    SELECT to_char(p.month, 'YYYY-MM') INTO closed_label
    FROM accounting_period p
    WHERE p.region_id = NEW.region_id AND p.status = 'closed' AND (
        (OLD.booked_on IS DISTINCT FROM NEW.booked_on
         AND p.month IN (date_trunc('month', OLD.booked_on)::date, date_trunc('month', NEW.booked_on)::date))
        OR (OLD.disposed_on IS DISTINCT FROM NEW.disposed_on
         AND p.month IN (date_trunc('month', OLD.disposed_on)::date,
                         date_trunc('month', NEW.disposed_on)::date))
    )
    LIMIT 1;
    IF closed_label IS NOT NULL THEN
        RAISE EXCEPTION '会计期间 % 已结账，不能把入账或处置日期改入或改出该期间', closed_label
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER accounting_asset_dates_refuse_closed BEFORE UPDATE OF booked_on, disposed_on ON assets_asset
    FOR EACH ROW
    WHEN (OLD.booked_on IS DISTINCT FROM NEW.booked_on OR OLD.disposed_on IS DISTINCT FROM NEW.disposed_on)
    EXECUTE FUNCTION accounting_asset_dates_refuse_closed();

CREATE OR REPLACE FUNCTION accounting_period_keep_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'closed' THEN
        RAISE EXCEPTION '已结账的会计期间不能删除' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER accounting_period_keep_closed BEFORE DELETE ON accounting_period
    FOR EACH ROW EXECUTE FUNCTION accounting_period_keep_closed();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS accounting_entry_refuse_closed ON accounting_depreciationentry;
DROP TRIGGER IF EXISTS accounting_entry_append_only ON accounting_depreciationentry;
DROP TRIGGER IF EXISTS accounting_asset_insert_refuse_closed ON assets_asset;
DROP TRIGGER IF EXISTS accounting_asset_dates_refuse_closed ON assets_asset;
DROP TRIGGER IF EXISTS accounting_period_keep_closed ON accounting_period;
DROP FUNCTION IF EXISTS accounting_entry_refuse_closed();
DROP FUNCTION IF EXISTS accounting_entry_append_only();
DROP FUNCTION IF EXISTS accounting_asset_insert_refuse_closed();
DROP FUNCTION IF EXISTS accounting_asset_dates_refuse_closed();
DROP FUNCTION IF EXISTS accounting_period_keep_closed();
"""

SQLITE_FORWARD = [
    """
CREATE TRIGGER IF NOT EXISTS accounting_entry_refuse_closed BEFORE INSERT ON accounting_depreciationentry
WHEN EXISTS (SELECT 1 FROM accounting_period p WHERE p.id = NEW.period_id AND p.status = 'closed')
BEGIN
    SELECT RAISE(ABORT, '会计期间已结账，不能再写入折旧明细');
END;
""",
    """
CREATE TRIGGER IF NOT EXISTS accounting_entry_no_update BEFORE UPDATE ON accounting_depreciationentry
BEGIN
    SELECT RAISE(ABORT, '折旧明细只能追加，不能修改');
END;
""",
    """
CREATE TRIGGER IF NOT EXISTS accounting_asset_insert_refuse_closed BEFORE INSERT ON assets_asset
WHEN EXISTS (
    SELECT 1 FROM accounting_period p
    WHERE p.region_id = NEW.region_id AND p.status = 'closed'
      AND p.month = date(NEW.booked_on, 'start of month')
)
BEGIN
    SELECT RAISE(ABORT, '入账日期所在的会计期间已结账，不能登记资产');
END;
""",
    """
CREATE TRIGGER IF NOT EXISTS accounting_asset_dates_refuse_closed
BEFORE UPDATE OF booked_on, disposed_on ON assets_asset
WHEN EXISTS (
    SELECT 1 FROM accounting_period p
    WHERE p.region_id = NEW.region_id AND p.status = 'closed' AND (
        (OLD.booked_on IS NOT NEW.booked_on
         AND p.month IN (date(OLD.booked_on, 'start of month'), date(NEW.booked_on, 'start of month')))
        OR (OLD.disposed_on IS NOT NEW.disposed_on
         AND p.month IN (date(OLD.disposed_on, 'start of month'), date(NEW.disposed_on, 'start of month')))
    )
)
BEGIN
    SELECT RAISE(ABORT, '会计期间已结账，不能把入账或处置日期改入或改出该期间');
END;
""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounting_entry_refuse_closed",
    "DROP TRIGGER IF EXISTS accounting_entry_no_update",
    "DROP TRIGGER IF EXISTS accounting_asset_insert_refuse_closed",
    "DROP TRIGGER IF EXISTS accounting_asset_dates_refuse_closed",
]


def create(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def drop(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement, params=None)


def ensure_sqlite_triggers(connection: Any) -> None:
    """Create the SQLite triggers that a table rebuild may have dropped (idempotent)."""
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    if not {"accounting_period", "accounting_depreciationentry", "assets_asset"} <= tables:
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_FORWARD:
            cursor.execute(statement)
