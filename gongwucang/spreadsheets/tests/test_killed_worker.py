"""A worker killed in the middle of an import leaves nothing half-written, and the next run starts
clean. A real process (`manage.py import_assets`) imports a 40,000-row ledger; as soon as it
reports 15,000 rows imported (at least 5,000 cards written inside its one transaction) it gets SIGKILL — no
clean-up code of ours runs. Then: no card, book row, ledger event, counter or asset number of it
is left; the job is marked interrupted once its heartbeat is old; and a second run imports the
whole file, each card with exactly one ledger event.

On SQLite the test database lives in memory, so it is copied to a file the subprocess can open.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from gongwucang.assets.models import Asset, AssetBook, AssetEvent, AssetNumberSequence, AssetTally
from gongwucang.spreadsheets.models import AssetImport, ImportStatus
from gongwucang.spreadsheets.services import progress_file

from .helpers import row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 40_000
# Rows checked when the process is killed. On PostgreSQL the writing thread trails the reading one
# by at most two batches of 5,000 (services._Pipeline), so by then at least 5,000 cards are written.
KILL_AFTER = 15_000
ROOT = Path(settings.BASE_DIR)
WRITTEN = re.compile(r"正在导入[^\r\n]*?([\d,]+)(?:/[\d,]+)? 行")


def _database_url(tmp_path: Path) -> tuple[str, Path | None]:
    """A URL the subprocess can use for the test database (SQLite: a file copy of it)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "test.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}", copy
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}", None


def _command(path: Path, unit_code: str, username: str) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "manage.py"),
        "import_assets",
        str(path),
        "--unit",
        unit_code,
        "--user",
        username,
    ]


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONUNBUFFERED": "1",
    }


def _counts(copy: Path | None) -> dict[str, int]:
    tables = {"asset": Asset, "book": AssetBook, "event": AssetEvent}
    if copy is None:
        counts = {key: model.objects.count() for key, model in tables.items()}
        counts["tally_cards"] = sum(AssetTally.objects.values_list("cards", flat=True))
        counts["sequence"] = sum(AssetNumberSequence.objects.values_list("last_value", flat=True))
        return counts
    with sqlite3.connect(copy) as db:
        counts = {
            key: db.execute(f"SELECT count(*) FROM {model._meta.db_table}").fetchone()[0]
            for key, model in tables.items()
        }
        counts["tally_cards"] = db.execute(
            "SELECT coalesce(sum(cards), 0) FROM assets_assettally"
        ).fetchone()[0]
        counts["sequence"] = db.execute(
            "SELECT coalesce(sum(last_value), 0) FROM assets_assetnumbersequence"
        ).fetchone()[0]
    return counts


def _asset_id_sequence() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM assets_asset_id_seq")
        return cursor.fetchone()[0]


def test_killed_mid_import_leaves_nothing_and_the_next_run_is_clean(world, tmp_path) -> None:
    # Every tenth row has no number (issued from the unit's sequence under a lock while writing).
    rows = [row("" if n % 10 == 0 else f"KILL-{n:06d}", location=f"库房{n % 50}") for n in range(1, ROWS + 1)]
    path = write_csv(tmp_path / "台账.csv", rows)
    url, copy = _database_url(tmp_path)
    before = _counts(copy)
    seq_before = _asset_id_sequence() if copy is None else None

    process = subprocess.Popen(
        _command(path, world.SCH.code, world.clerk_sch.username),
        cwd=ROOT,
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    written = threading.Event()
    seen: list[str] = []

    def watch() -> None:
        assert process.stderr is not None
        text = ""
        while chunk := os.read(process.stderr.fileno(), 4096):
            text += chunk.decode("utf-8", "replace")
            if any(int(m.replace(",", "")) >= KILL_AFTER for m in WRITTEN.findall(text)):
                seen.append(text)
                written.set()
                return

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    assert written.wait(timeout=240), "the import never reported written rows"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    killed_after = max(int(m.replace(",", "")) for m in WRITTEN.findall(seen[-1]))
    assert KILL_AFTER <= killed_after < ROWS, killed_after

    # Nothing of the killed run is visible: no card, book value, ledger row, counter, number.
    if copy is None:
        # PostgreSQL notices the dead client and rolls back; wait until its backend is gone.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
                if cursor.fetchone()[0] == 0:
                    break
            time.sleep(0.2)
        # The killed run had reserved card ids (sequences are not transactional) — it did write.
        assert _asset_id_sequence() >= seq_before + 5000
    assert _counts(copy) == before

    # The job row says "committing" until its heartbeat is old, then it is marked interrupted.
    def job_status() -> tuple[str, int]:
        if copy is None:
            job = AssetImport.objects.order_by("pk").last()
            return job.status, job.pk
        with sqlite3.connect(copy) as db:
            pk, status = db.execute(
                "SELECT id, status FROM spreadsheets_assetimport ORDER BY id DESC"
            ).fetchone()
        return status, pk

    status, first_pk = job_status()
    assert status == ImportStatus.COMMITTING
    stale = timezone.now() - timedelta(minutes=settings.SPREADSHEET_IMPORT_STALE_MINUTES + 1)
    if copy is None:
        AssetImport.objects.filter(pk=first_pk).update(heartbeat_at=stale)
    else:
        # SQLite: the commit beat in its progress file (its row was locked); that ages too.
        with sqlite3.connect(copy) as db:
            token = db.execute(
                "SELECT token FROM spreadsheets_assetimport WHERE id = ?", [first_pk]
            ).fetchone()[0]
        beat = progress_file(first_pk, token)
        assert beat.exists()
        os.utime(beat, (stale.timestamp(), stale.timestamp()))
        with sqlite3.connect(copy) as db:
            db.execute(
                "UPDATE spreadsheets_assetimport SET heartbeat_at = ? WHERE id = ?",
                [stale.strftime("%Y-%m-%d %H:%M:%S.%f"), first_pk],
            )

    # The next run starts clean and imports the whole file.
    again = subprocess.run(
        _command(path, world.SCH.code, world.clerk_sch.username),
        cwd=ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "已将 1 个中断的导入标记为“已中断”" in again.stdout
    after = _counts(copy)
    assert after["asset"] == after["book"] == after["event"] == before["asset"] + ROWS
    assert after["tally_cards"] == before["tally_cards"] + ROWS
    assert after["sequence"] == before["sequence"] + ROWS // 10
    if copy is None:
        first = AssetImport.objects.get(pk=first_pk)
        assert first.status == ImportStatus.INTERRUPTED and "没有写入任何数据" in first.message
        assert not AssetEvent.objects.filter(reference=first.number).exists()
        assert Asset.objects.filter(asset_no__startswith="KILL-").count() == ROWS - ROWS // 10
    else:
        with sqlite3.connect(copy) as db:
            status, number = db.execute(
                "SELECT status, number FROM spreadsheets_assetimport WHERE id = ?", [first_pk]
            ).fetchone()
            assert status == ImportStatus.INTERRUPTED
            assert (
                db.execute("SELECT count(*) FROM assets_assetevent WHERE reference = ?", [number]).fetchone()[
                    0
                ]
                == 0
            )
