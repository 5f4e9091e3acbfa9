"""Writes of the spreadsheets app: upload an asset ledger, check it (dry run), commit it.

An import goes uploaded → validating → validated (the preview: N new, M updates, K errors, the
before/after of updates) → committing → committed. The commit reads and checks the file again
against the database as it is then, and writes every card in ONE transaction: all-or-nothing by
default, or only the valid rows when the user chose so. A worker killed mid-commit leaves
nothing written; the job row, stuck in "committing", is marked interrupted by
asset_imports_recover_stale() (run before every import and by the command).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gongwucang.assets.exceptions import AssetNotWritable
from gongwucang.core.collector import fewer_collections
from gongwucang.org.models import Unit, User
from gongwucang.org.scoping import scope_for

from . import selectors
from .domain.reading import FileRefused, ReadLimits, Table, open_table
from .domain.validation import (
    CellError,
    ColumnPlan,
    Existing,
    HeaderProblem,
    ParsedRow,
    RowChecker,
    check_new,
    check_update,
    plan_columns,
    proposed_snapshot,
)
from .models import AssetImport, ImportMode, ImportStatus
from .writer import CardWriter

BATCH_ROWS = 5000
CHANGES_KEPT = 200
PROGRESS_EVERY_SECONDS = 1.0
PIPELINE = True  # PostgreSQL: write in a second thread while reading and checking (see _Pipeline)
# While pipelined, the writing thread needs the GIL for a moment after every 32 KB the database
# has taken, and the reading thread, busy in Python, hands it over only every switch interval
# (5 ms by default: meanwhile the database may run dry). Set for the run, restored after; None
# leaves it. Measured (bench/import.py, 1,000,000-row .csv): 169 s against 176/178 s at 5 ms.
PIPELINE_SWITCH_SECONDS: float | None = 0.0005


class ImportAborted(Exception):
    """All-or-nothing commit met errors: the transaction is rolled back."""


def read_limits() -> ReadLimits:
    return ReadLimits(
        max_bytes=settings.SPREADSHEET_IMPORT_MAX_BYTES,
        max_rows=settings.SPREADSHEET_IMPORT_MAX_ROWS,
        max_columns=settings.SPREADSHEET_IMPORT_MAX_COLUMNS,
        max_uncompressed_bytes=settings.SPREADSHEET_IMPORT_MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.SPREADSHEET_IMPORT_MAX_COMPRESSION_RATIO,
    )


# ------------------------------------------------------------------ upload


@transaction.atomic
def asset_import_upload(*, actor: User, unit: Unit, uploaded: UploadedFile) -> AssetImport:
    """Keep an uploaded ledger file as a new import of `unit`. Checks scope, name and size only;
    the content is checked by asset_import_check (in the background)."""
    if not scope_for(actor).can_write(unit.pk):
        raise AssetNotWritable(gettext("您没有在该单位导入资产的权限"))
    name = (uploaded.name or "").rsplit("/", 1)[-1][:255]
    if not name.lower().endswith((".xlsx", ".xls", ".csv")):
        raise ValidationError({"file": gettext("请上传 .xlsx、.xls 或 .csv 文件")})
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError({"file": gettext("文件是空的（0 字节），请检查后重新上传")})
    limit = settings.SPREADSHEET_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {
                "file": gettext("文件大小 %(size).1f MB 超过上限 %(limit).0f MB，请分成几个文件导入")
                % {"size": size / 1048576, "limit": limit / 1048576}
            }
        )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    job = AssetImport(
        token=secrets.token_hex(16),
        region_id=unit.region_id,
        unit=unit,
        created_by=actor,
        original_name=name,
        size_bytes=size,
        sha256=digest.hexdigest(),
    )
    job.file.save(f"upload.{name.rsplit('.', 1)[-1].lower()}", uploaded, save=False)
    job.save()
    job.number = f"DR-{timezone.localtime(job.created_at):%Y}-{job.pk:06d}"
    job.save(update_fields=["number"])
    return job


# ------------------------------------------------------------------ progress


def progress_file(job_id: int, token: str | None = None) -> Path:
    """Where a commit on SQLite leaves its progress (see _save_progress); the job's random token
    in the name keeps a leftover file from ever being read as another job's."""
    if token is None:
        token = AssetImport.objects.filter(pk=job_id).values_list("token", flat=True).first() or "none"
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{job_id}-{token}.json"


def _save_progress(job_id: int, fields: dict[str, Any], token: str | None = None) -> None:
    """Write progress so the page sees it now, even from inside the commit's transaction: on
    PostgreSQL through a second connection (a short thread); on SQLite, whose one writer is the
    commit itself, into a small file beside the uploads that the page and the stale-job check
    read (selectors.live_progress) — the database row cannot be written until the commit ends."""
    fields = {**fields, "heartbeat_at": timezone.now()}
    if not connection.in_atomic_block:
        AssetImport.objects.filter(pk=job_id).update(**fields)
        return
    if connection.vendor != "postgresql":
        target = progress_file(job_id, token)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".part")
        data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items()}
        part.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(part, target)
        return

    def write() -> None:
        from django.db import connections

        try:
            AssetImport.objects.filter(pk=job_id).update(**fields)
        finally:
            connections.close_all()

    thread = threading.Thread(target=write, name="import-progress")
    thread.start()
    thread.join()


def _clear_progress_file(job_id: int) -> None:
    progress_file(job_id).unlink(missing_ok=True)


@dataclass
class Progress:
    job_id: int | None
    token: str | None = None
    total: int = 0
    done: int = 0
    stage: str = ""
    callback: Callable[[int, int, str], None] | None = None
    _last: float = 0.0

    def set(self, done: int, stage: str | None = None, force: bool = False) -> None:
        self.done = done
        if stage is not None:
            self.stage = stage
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        if self.job_id is not None:
            _save_progress(
                self.job_id,
                {
                    "progress_done": min(self.done, 2**31 - 1),
                    "progress_total": min(self.total, 2**31 - 1),
                    "stage": self.stage[:100],
                },
                self.token,
            )
        if self.callback:
            self.callback(self.done, self.total, self.stage)


# ------------------------------------------------------------------ the run


@dataclass
class RunResult:
    table: Table | None = None
    plan: ColumnPlan | None = None
    rows_total: int = 0
    rows_new: int = 0
    rows_update: int = 0
    rows_unchanged: int = 0
    rows_error: int = 0
    errors_total: int = 0
    errors: list[list[Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class _Run:
    """One pass over the file: read → check → (when committing) write, batch by batch."""

    def __init__(
        self,
        *,
        actor: User,
        unit: Unit,
        path: str,
        filename: str,
        commit: bool,
        mode: str,
        reference: str,
        progress: Progress,
    ) -> None:
        self.actor, self.unit, self.path, self.filename = actor, unit, path, filename
        self.commit, self.mode, self.reference, self.progress = commit, mode, reference, progress
        self.result = RunResult()
        self.max_errors = settings.SPREADSHEET_IMPORT_MAX_ERRORS_KEPT
        self.seen_numbers: dict[str, int] = {}
        self.writer: CardWriter | None = None
        self.t_read = self.t_check = self.t_write = self.t_wait = self.t_prepare = 0.0
        self.closed_months: frozenset[Any] = frozenset()
        self.lock = threading.Lock()  # the result is added to by the reading and the writing thread

    def _errors(self, errors: list[CellError]) -> None:
        result = self.result
        with self.lock:
            result.rows_error += 1
            result.errors_total += len(errors)
            room = self.max_errors - len(result.errors)
            if room > 0:
                result.errors.extend(e.as_list() for e in errors[:room])
        if self.commit and self.mode == ImportMode.ALL_OR_NOTHING:
            raise ImportAborted

    def run(self) -> RunResult:
        started = time.perf_counter()
        result = self.result
        table = open_table(self.path, self.filename, read_limits())
        result.table = table
        try:
            plan = plan_columns(table.header)
        except HeaderProblem as exc:
            raise FileRefused(str(exc)) from exc
        result.plan = plan
        lookups = selectors.build_lookups(actor=self.actor, unit=self.unit)
        self.closed_months = lookups.closed_months
        checker = RowChecker(plan, lookups)
        self.progress.total = table.estimated_rows or 0
        if self.commit:
            self.writer = CardWriter(
                actor=self.actor,
                region_id=self.unit.region_id,
                reference=self.reference,
                note=f"导入 {self.reference}",
                reserved=self.seen_numbers,
            )
        rows = table.rows
        clock = time.perf_counter
        # PostgreSQL: the database writes one batch while this thread reads and checks the next.
        sink = (
            _Pipeline(self, plan) if self.commit and PIPELINE and connection.vendor == "postgresql" else None
        )
        switch = sys.getswitchinterval()
        if sink is not None and PIPELINE_SWITCH_SECONDS is not None:
            sys.setswitchinterval(PIPELINE_SWITCH_SECONDS)
        try:
            with fewer_collections():  # millions of short-lived objects (core.collector)
                count = self._read_and_check(rows, checker, plan, sink)
        finally:
            if sink is not None:
                sink.close()
            sys.setswitchinterval(switch)
        if self.writer is not None:
            t = clock()
            self.writer.finish()
            self.t_write += clock() - t
            result.created, result.updated = self.writer.created, self.writer.updated
        result.rows_total = count
        result.timings = {
            "read": round(self.t_read, 3),
            "check": round(self.t_check, 3),
            "write": round(self.t_write, 3),
            "handover": round(self.t_wait, 3),
            "prepare": round(self.t_prepare, 3),  # the reading thread's share of the write
            **(
                {f"write_{k}": round(v, 3) for k, v in self.writer.timings.items()}
                if self.writer is not None
                else {}
            ),
            "total": round(time.perf_counter() - started, 3),
        }
        self.progress.set(count, force=True)
        return result

    def _read_and_check(
        self, rows: Any, checker: RowChecker, plan: ColumnPlan, sink: _Pipeline | None
    ) -> int:
        """The loop over the rows; each full batch goes to _batch (directly, or to the writing
        thread). Returns the number of data rows."""
        batch: list[ParsedRow] = []
        clock = time.perf_counter
        count = 0
        t_read = t_check = t_wait = 0.0
        submit = sink.submit if sink is not None else (lambda b: self._batch(b, plan))
        # Pipelined, the reading thread also prepares the new cards' COPY values of each full batch
        # (it has time: it mostly waits for the database) — off the writing thread's path.
        prepare = self.writer.prepare_ahead if sink is not None and self.writer is not None else None
        t_prepare = 0.0
        duplicate_header = plan.header_of("asset_no")
        seen = self.seen_numbers
        while True:
            t0 = clock()
            item = next(rows, None)
            t1 = clock()
            t_read += t1 - t0
            if item is None:
                break
            row_no, raw = item
            parsed, errors = checker.parse(row_no, raw)
            if errors:
                count += 1
                self._errors(errors)
            elif parsed is not None:
                count += 1
                number = parsed.asset_no
                if number:
                    first = seen.get(number)
                    if first is not None:
                        t_check += clock() - t1
                        self._errors(
                            [CellError(row_no, duplicate_header, number, f"与第 {first} 行的资产编号重复")]
                        )
                        continue
                    seen[number] = row_no
                batch.append(parsed)
            t2 = clock()
            t_check += t2 - t1
            if len(batch) >= BATCH_ROWS:
                if prepare is not None:
                    prepare(batch)
                    t3 = clock()
                    t_prepare += t3 - t2
                    t2 = t3
                submit(batch)
                batch = []
                self.progress.set(count, "正在导入" if self.commit else "正在校验")
                t_wait += clock() - t2
        if batch:
            t2 = clock()
            if prepare is not None:
                prepare(batch)
                t3 = clock()
                t_prepare += t3 - t2
                t2 = t3
            submit(batch)
            t_wait += clock() - t2
        if sink is not None:
            t2 = clock()
            sink.finish()
            t_wait += clock() - t2
        with self.lock:
            self.t_read += t_read
            self.t_check += t_check
            self.t_wait = t_wait
            self.t_prepare = t_prepare
        return count

    def _proposed(
        self, parsed: ParsedRow, info: Existing, plan: ColumnPlan
    ) -> tuple[dict[str, Any], list[str]] | None:
        """The snapshot a row would give an existing card and the keys it changes; None when the
        row is refused (its errors recorded) or changes nothing (counted as unchanged)."""
        errors = check_update(parsed, info, plan, self.closed_months)
        if errors:
            self._errors(errors)
            return None
        before = info.snapshot
        after = proposed_snapshot(parsed, before)
        # Dict equality first (in C): a re-imported ledger leaves most of its cards as they are.
        changed = [] if after == before else [k for k in after if before.get(k) != after.get(k)]
        if not changed:
            with self.lock:
                self.result.rows_unchanged += 1
            return None
        return after, changed

    def _batch(self, batch: list[ParsedRow], plan: ColumnPlan) -> None:
        t = time.perf_counter()
        result = self.result
        numbers = [p.asset_no for p in batch if p.asset_no]
        existing = selectors.existing_cards(actor=self.actor, asset_nos=numbers) if numbers else {}
        writes: list[ParsedRow] = []
        # Rows that change a card: (row, the card as read, its snapshot after, the keys changed)
        candidates: list[tuple[ParsedRow, Existing, dict[str, Any], list[str]]] = []
        issued = self.writer.issued if self.writer is not None else {}
        for parsed in batch:
            if parsed.asset_no in issued:
                # A number typed here that an earlier row without one was given meanwhile: two
                # different rows must not become one card.
                first = issued[parsed.asset_no]
                self._errors(
                    [
                        CellError(
                            parsed.row,
                            plan.header_of("asset_no"),
                            parsed.asset_no,
                            f"该编号已自动分配给本文件第 {first} 行（该行未填资产编号）。请改用其他编号，"
                            f"或为第 {first} 行填写编号",
                        )
                    ]
                )
                continue
            info = existing.get(parsed.asset_no) if parsed.asset_no else None
            if info is None:
                errors = check_new(parsed, plan, self.closed_months)
                if errors:
                    self._errors(errors)
                    continue
                with self.lock:
                    result.rows_new += 1
                writes.append(parsed)
                continue
            proposed = self._proposed(parsed, info, plan)
            if proposed is not None:
                candidates.append((parsed, info, *proposed))
        updates: list[tuple[Any, ParsedRow, dict[str, Any], dict[str, Any]]] = []
        # Committing, the cards that change are read again, locked: the change is made to the card
        # as it is now (another person may have changed it since it was read above).
        locked = (
            selectors.cards_for_update(actor=self.actor, ids=[c[1].id for c in candidates])
            if self.writer is not None and candidates
            else {}
        )
        for parsed, info, after, changed in candidates:
            asset = None
            if self.writer is not None:
                # Cards are never deleted (their ledger rows keep them): each is found again.
                fresh, asset = locked[info.id]
                if fresh.snapshot != info.snapshot:  # the status and the owner are in it too
                    proposed = self._proposed(parsed, fresh, plan)
                    if proposed is None:
                        continue
                    info, (after, changed) = fresh, proposed
            with self.lock:
                result.rows_update += 1
            if len(result.changes) < CHANGES_KEPT:
                result.changes.append(
                    {
                        "row": parsed.row,
                        "asset_no": parsed.asset_no,
                        "asset_id": info.id,
                        "before": {k: info.snapshot.get(k) for k in changed},
                        "after": {k: after.get(k) for k in changed},
                    }
                )
            updates.append((asset, parsed, info.snapshot, after))
        checked = time.perf_counter() - t
        written = 0.0
        if self.writer is not None:
            t = time.perf_counter()
            for asset, parsed, before, after in updates:
                self.writer.update(asset, parsed, before, after)
            for parsed in writes:
                self.writer.add_new(parsed)
            written = time.perf_counter() - t
        with self.lock:
            self.t_check += checked
            self.t_write += written


class _Pipeline:
    """Hands full batches to a second thread that does the database side of the run (existing
    cards, numbers, COPY) on the run's own connection and transaction, while the calling thread
    reads and checks the next batch: PostgreSQL works on one CPU, Python on the other. At most
    one batch waits; an error in either thread stops both (and the transaction is rolled back by
    the caller)."""

    def __init__(self, run: _Run, plan: ColumnPlan) -> None:
        self.run, self.plan = run, plan
        self.queue: queue.Queue[list[ParsedRow] | None] = queue.Queue(maxsize=1)
        self.failure: BaseException | None = None
        self.connection = connections["default"]
        self.connection.inc_thread_sharing()
        self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self.closed = False
        self.thread.start()

    def _work(self) -> None:
        connections["default"] = self.connection  # the same connection, so the same transaction
        try:
            while (batch := self.queue.get()) is not None:
                if self.failure is None:
                    self.run._batch(batch, self.plan)
        except BaseException as exc:  # handed to the reading thread
            self.failure = exc
            while self.queue.get() is not None:  # let the reading thread finish its put()s
                pass

    def _check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def submit(self, batch: list[ParsedRow]) -> None:
        self._check()
        while True:
            try:
                self.queue.put(batch, timeout=0.5)
                return
            except queue.Full:
                self._check()

    def finish(self) -> None:
        """All batches given: wait for the writing thread, re-raise its error if any."""
        self.close()
        self._check()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        while self.thread.is_alive():
            try:
                self.queue.put(None, timeout=0.5)
                break
            except queue.Full:
                continue
        self.thread.join()
        self.connection.dec_thread_sharing()


def run_import(
    *,
    actor: User,
    unit: Unit,
    path: str,
    filename: str,
    commit: bool,
    mode: str = ImportMode.ALL_OR_NOTHING,
    reference: str = "",
    job_id: int | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> RunResult:
    """Check (commit=False) or import (commit=True) a ledger file for `unit`.

    The commit is one transaction: ImportAborted (all-or-nothing met an error) or any other
    exception rolls everything back. Raises FileRefused when the file itself is refused.
    """
    if not scope_for(actor).can_write(unit.pk):
        raise AssetNotWritable(gettext("您没有在该单位导入资产的权限"))
    token = AssetImport.objects.filter(pk=job_id).values_list("token", flat=True).first() if job_id else None
    progress = Progress(job_id=job_id, token=token, callback=on_progress)
    runner = _Run(
        actor=actor,
        unit=unit,
        path=path,
        filename=filename,
        commit=commit,
        mode=mode,
        reference=reference,
        progress=progress,
    )
    if not commit:
        return runner.run()
    try:
        with transaction.atomic():
            return runner.run()
    except ImportAborted:
        # Count the rest of the file for the report, without writing (the transaction is gone).
        checker = _Run(
            actor=actor,
            unit=unit,
            path=path,
            filename=filename,
            commit=False,
            mode=mode,
            reference=reference,
            progress=progress,
        )
        result = checker.run()
        # Errors only the commit can meet (a typed number issued meanwhile to a row without one)
        # are not in the dry run: keep them.
        extra = [e for e in runner.result.errors if e not in result.errors]
        if extra:
            result.errors = sorted(result.errors + extra, key=lambda e: int(e[0]))
            result.rows_error += len({e[0] for e in extra})
            result.errors_total += len(extra)
        raise ImportFailed(result) from None


class ImportFailed(Exception):
    """An all-or-nothing commit found errors; nothing was written. Carries the check's result."""

    def __init__(self, result: RunResult) -> None:
        super().__init__("导入的文件中有错误，未导入任何数据")
        self.result = result


# ------------------------------------------------------------------ jobs


def _store(job: AssetImport, result: RunResult) -> None:
    table = result.table
    if table is not None:
        job.file_format, job.encoding, job.sheet_name = table.format, table.encoding, table.sheet_name[:100]
        job.notes = list(table.notes)
    if result.plan is not None:
        mapped = {index: column.key for index, column, _ in result.plan.used}
        job.columns = [[header, mapped.get(index, "")] for index, header in enumerate(result.plan.headers)]
        if result.plan.ignored:
            job.notes = [*job.notes, f"未识别的列已忽略：{'、'.join(result.plan.ignored)}"]
    job.rows_total, job.rows_new, job.rows_update = result.rows_total, result.rows_new, result.rows_update
    job.rows_unchanged, job.rows_error, job.errors_total = (
        result.rows_unchanged,
        result.rows_error,
        result.errors_total,
    )
    job.errors, job.changes = result.errors, result.changes
    job.timings = result.timings


def asset_import_check(
    *, import_id: int, on_progress: Callable[[int, int, str], None] | None = None
) -> AssetImport:
    """The dry run of an uploaded import (the task body): reads and checks every row, writes no card."""
    asset_imports_recover_stale()
    job = AssetImport.objects.select_related("unit", "created_by").get(pk=import_id)
    if job.status not in (
        ImportStatus.UPLOADED,
        ImportStatus.VALIDATING,
        ImportStatus.VALIDATED,
        ImportStatus.FAILED,
        ImportStatus.INTERRUPTED,
    ):
        return job
    _save_progress(
        job.pk,
        {
            "status": ImportStatus.VALIDATING,
            "stage": "正在读取文件",
            "progress_done": 0,
            "progress_total": 0,
            "message": "",
        },
    )
    try:
        result = run_import(
            actor=job.created_by,
            unit=job.unit,
            path=job.file.path,
            filename=job.original_name,
            commit=False,
            job_id=job.pk,
            on_progress=on_progress,
        )
    except FileRefused as exc:
        job.refresh_from_db()
        job.status, job.message, job.stage = ImportStatus.REFUSED, str(exc), ""
        job.save()
        return job
    except AssetNotWritable as exc:
        job.refresh_from_db()
        job.status, job.message = ImportStatus.REFUSED, str(exc)
        job.save()
        return job
    job.refresh_from_db()
    _clear_progress_file(job.pk)
    _store(job, result)
    job.status, job.stage, job.validated_at = ImportStatus.VALIDATED, "", timezone.now()
    job.progress_done = job.progress_total = result.rows_total
    job.save()
    return job


def asset_import_commit(
    *, actor: User, import_id: int, mode: str, on_progress: Callable[[int, int, str], None] | None = None
) -> AssetImport:
    """Import the checked file (the task body). One transaction; see the module docstring."""
    asset_imports_recover_stale()
    job = AssetImport.objects.select_related("unit").get(pk=import_id)
    if not scope_for(actor).can_write(job.unit_id):
        raise AssetNotWritable(gettext("您没有在该单位导入资产的权限"))
    if job.status != ImportStatus.COMMITTING:
        _mark_committing(job, actor=actor, mode=mode)
    try:
        result = run_import(
            actor=actor,
            unit=job.unit,
            path=job.file.path,
            filename=job.original_name,
            commit=True,
            mode=mode,
            reference=job.number or "",
            job_id=job.pk,
            on_progress=on_progress,
        )
    except ImportFailed as failed:
        job.refresh_from_db()
        _clear_progress_file(job.pk)
        _store(job, failed.result)
        job.status, job.stage = ImportStatus.FAILED, ""
        job.message = (
            f"文件中有 {failed.result.rows_error} 行错误，按“全部正确才导入”的方式，本次没有导入任何数据。"
            "请下载标出错误的文件，改正后重新上传；或选择“只导入正确的行”。"
        )
        job.save()
        return job
    except FileRefused as exc:
        job.refresh_from_db()
        job.status, job.message, job.stage = ImportStatus.REFUSED, str(exc), ""
        job.save()
        return job
    except DatabaseError as exc:
        # A rule the database holds and the cell checks do not know of (e.g. a booking date in a
        # closed accounting period, or a number issued meanwhile by someone else): the transaction
        # is rolled back; the database's own message says why.
        job.refresh_from_db()
        _clear_progress_file(job.pk)
        job.status, job.stage = ImportStatus.FAILED, ""
        job.message = f"数据库拒绝了这次导入，没有写入任何数据：{_database_reason(exc)}"
        job.save()
        return job
    job.refresh_from_db()
    _clear_progress_file(job.pk)
    _store(job, result)
    job.status, job.stage = ImportStatus.COMMITTED, ""
    job.created_count, job.updated_count = result.created, result.updated
    job.skipped_count = result.rows_error
    job.committed_at, job.committed_by = timezone.now(), actor
    job.message = ""
    job.save()
    return job


_DUPLICATE_NUMBER = re.compile(r"\(asset_no\)=\(([^)]*)\)|assets_asset\.asset_no")


def _database_reason(exc: DatabaseError) -> str:
    """Why the database refused, for the user: our triggers speak Chinese already; a duplicate
    asset number (a number typed further down the file that an earlier row without a number was
    given meanwhile) is said in Chinese; anything else is quoted."""
    text = str(exc.__cause__ or exc).strip()
    duplicate = _DUPLICATE_NUMBER.search(text)
    if duplicate:
        number = f"「{duplicate.group(1)}」" if duplicate.group(1) else ""
        return (
            f"资产编号{number}已被使用（文件中靠前的无编号行已按本单位规则自动编号为它）。"
            "请为文件中写有该编号的行改用其他编号，或把无编号的行都填上编号，然后重新上传。"
        )
    first = (text.splitlines() or ["未知原因"])[0][:300]
    return f"{first}。请改正后重新上传。"


def _mark_committing(job: AssetImport, *, actor: User, mode: str) -> None:
    with transaction.atomic():
        locked = AssetImport.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.VALIDATED and locked.status != ImportStatus.FAILED:
            raise ValidationError(gettext("该导入当前不能执行（请先完成校验）"))
        locked.status, locked.mode, locked.stage = ImportStatus.COMMITTING, mode, "排队等待导入"
        locked.committed_by, locked.heartbeat_at, locked.message = actor, timezone.now(), ""
        locked.save()


def asset_import_request_commit(*, actor: User, import_id: int, mode: str) -> AssetImport:
    """The user's "import" click: check it may run, mark it committing and queue the task."""
    from .tasks import commit_import_task

    job = selectors.import_queryset(actor=actor).get(pk=import_id)
    if not scope_for(actor).can_write(job.unit_id):
        raise AssetNotWritable(gettext("您没有在该单位导入资产的权限"))
    if mode not in ImportMode.values:
        raise ValidationError(gettext("导入方式无效"))
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED):
        raise ValidationError(gettext("该导入当前不能执行（请先完成校验）"))
    if job.rows_error and mode == ImportMode.ALL_OR_NOTHING:
        raise ValidationError(gettext("文件中有错误：请改正后重新上传，或选择“只导入正确的行”"))
    if not (job.rows_new or job.rows_update):
        raise ValidationError(gettext("没有需要导入的新增或更新"))
    _mark_committing(job, actor=actor, mode=mode)
    result = commit_import_task.enqueue(import_id=job.pk, actor_id=actor.pk, mode=mode)
    AssetImport.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def asset_import_request_check(*, job: AssetImport) -> AssetImport:
    from .tasks import check_import_task

    _save_progress(job.pk, {"status": ImportStatus.VALIDATING, "stage": "排队等待校验"})
    result = check_import_task.enqueue(import_id=job.pk)
    AssetImport.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def asset_imports_recover_stale() -> int:
    """Mark imports whose worker died (no heartbeat for SPREADSHEET_IMPORT_STALE_MINUTES) as
    interrupted. Their transaction was rolled back by the database: nothing of them was written.
    On SQLite a running commit beats in its progress file (see _save_progress), not in the row."""
    limit = timezone.now() - timedelta(minutes=settings.SPREADSHEET_IMPORT_STALE_MINUTES)
    candidates = AssetImport.objects.filter(
        status__in=[ImportStatus.VALIDATING, ImportStatus.COMMITTING], heartbeat_at__lt=limit
    ).values_list("pk", "token")
    stale = []
    for pk, token in candidates:
        try:
            beat = datetime.fromtimestamp(progress_file(pk, token).stat().st_mtime, tz=UTC)
        except FileNotFoundError:
            beat = None
        if beat is None or beat < limit:
            stale.append(pk)
            progress_file(pk, token).unlink(missing_ok=True)
    if not stale:
        return 0
    return AssetImport.objects.filter(
        pk__in=stale, status__in=[ImportStatus.VALIDATING, ImportStatus.COMMITTING]
    ).update(
        status=ImportStatus.INTERRUPTED,
        stage="",
        message="导入进程意外中止，数据库已自动撤销未完成的写入，没有写入任何数据。请重新校验后再导入。",
    )
