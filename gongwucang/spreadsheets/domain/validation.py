"""Checking a ledger row by row: from raw cells to a parsed card, or cell errors saying row, column,
value and reason in Chinese. Pure Python: what the database knows (categories, units,
departments, people, existing cards) comes in as plain lookups built by a selector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gongwucang.assets.domain.status import INITIAL_STATUSES, MANUAL_TRANSITIONS, can_transition
from gongwucang.core.money import fen_to_yuan

from . import cells
from .cells import CellProblem, display, is_blank, normalise_name
from .codes import label_of, parse_code
from .columns import COLUMNS_BY_KEY, LEDGER_COLUMNS, LedgerColumn, match_header

REQUIRED_KEYS = tuple(c.key for c in LEDGER_COLUMNS if c.required)
# Parsed columns that are card fields under the same name.
_CARD_KEYS = (
    "name",
    "model_spec",
    "brand",
    "measure_unit",
    "quantity",
    "acquisition_method",
    "acquired_on",
    "booked_on",
    "funding_source",
    "useful_life_months",
    "depreciation_method",
    "depreciation_status",
    "is_nominal_value",
    "location",
    "usage",
    "counterparty_name",
    "counterparty_contact",
    "counterparty_phone",
    "status",
    "condition",
    "note",
)


@dataclass(frozen=True)
class Ref:
    """A related row as the ledger shows it: its id and its text (str() of the object)."""

    id: int
    text: str


@dataclass(frozen=True)
class CategoryRef:
    id: int
    code: str
    text: str
    depreciable: bool
    default_life_months: int | None
    measure_unit: str
    is_active: bool


@dataclass(frozen=True)
class UnitRef:
    id: int
    text: str
    code: str
    writable: bool


AMBIGUOUS = Ref(-1, "")


@dataclass
class Lookups:
    """What the database knows, as plain dictionaries (built by spreadsheets.selectors)."""

    categories: dict[str, CategoryRef]
    units: dict[str, UnitRef]  # by normalised name, short name and code
    departments: dict[tuple[int, str], Ref]  # (unit id, normalised name)
    people: dict[tuple[int, str], Ref]  # (unit id, normalised full name or user name); AMBIGUOUS if several
    default_unit: UnitRef
    today: dt.date
    date1904: bool = False
    closed_months: frozenset[dt.date] = frozenset()  # first days of the region's closed periods (结账)


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # the header as written in the file
    value: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.value, self.reason]

    def message(self) -> str:
        shown = f"「{self.value}」" if self.value != "" else "（空）"
        return f"第 {self.row} 行「{self.column}」列 {shown}：{self.reason}"


@dataclass(slots=True)
class ParsedRow:
    """One row that passed the cell checks. `values` holds card fields (related rows as Ref /
    CategoryRef / UnitRef); only the columns present and not blank are in it."""

    row: int
    asset_no: str
    owner_unit: UnitRef
    values: dict[str, Any]
    original_fen: int | None
    accumulated_fen: int | None
    months_depreciated: int | None
    net_fen: int | None = None
    raw: Sequence[Any] = field(default_factory=list)
    # The writer's values of the new card this row would become (writer.CardWriter.prepare_ahead),
    # made by the reading thread while the database writes the previous batch; None until then.
    prepared: Any = field(default=None, repr=False, compare=False)


class HeaderProblem(ValueError):
    """The header row cannot be used (missing or duplicate columns)."""


@dataclass
class ColumnPlan:
    """Which file column feeds which ledger column."""

    used: list[tuple[int, LedgerColumn, str]]  # (index in the row, column, header as in the file)
    ignored: list[str]
    headers: list[str]

    def header_of(self, key: str) -> str:
        for _, column, header in self.used:
            if column.key == key:
                return header
        return COLUMNS_BY_KEY[key].header

    def has(self, key: str) -> bool:
        return any(column.key == key for _, column, _ in self.used)


def plan_columns(header: Sequence[str]) -> ColumnPlan:
    used: list[tuple[int, LedgerColumn, str]] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        if is_blank(text):
            continue
        key = match_header(text)
        if key is None:
            ignored.append(str(text))
            continue
        if key in seen:
            raise HeaderProblem(
                f"列「{seen[key]}」和列「{text}」都表示「{COLUMNS_BY_KEY[key].header}」，请只保留一列"
            )
        seen[key] = str(text)
        used.append((index, COLUMNS_BY_KEY[key], str(text)))
    missing = [COLUMNS_BY_KEY[k].header for k in REQUIRED_KEYS if k not in seen]
    if missing:
        raise HeaderProblem(f"缺少必需的列：{'、'.join(missing)}。请使用下载的导入模板")
    return ColumnPlan(used=used, ignored=ignored, headers=[str(h) for h in header])


MEMO_LIMIT = 20_000
_MISS = object()


class _Bad:
    """A remembered cell problem (its reason); raised afresh each time it is met."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _RowValues:
    """The raw cells of one row by column key (for error messages)."""

    __slots__ = ("index_of", "row")

    def __init__(self, row: Sequence[Any], index_of: dict[str, int]) -> None:
        self.row, self.index_of = row, index_of

    def __getitem__(self, key: str) -> Any:
        index = self.index_of[key]
        return self.row[index] if index < len(self.row) else None


class RowChecker:
    """Parses rows with a column plan and lookups. Cross-row and database checks (duplicate
    numbers, new or update) are the caller's; see check_new / plan_update.

    Speed: each used column gets its parser once, and remembers the outcome for each text value
    it has seen (a ledger repeats the same codes, names, units and dates on most rows), so most
    cells cost one dictionary look-up. A column whose values keep being new (asset numbers,
    amounts) stops remembering after MEMO_LIMIT values: memory stays bounded."""

    def __init__(self, plan: ColumnPlan, lookups: Lookups) -> None:
        self.plan = plan
        self.lookups = lookups
        self._date1904 = lookups.date1904
        self.columns: list[tuple[int, str, dict[str, Any], Callable[[Any], Any], bool, str]] = [
            (index, column.key, {}, self._parser(column), column.required, header)
            for index, column, header in plan.used
        ]
        self.width = max((index for index, *_ in self.columns), default=-1) + 1
        self.header_of = {column.key: header for _, column, header in plan.used}
        self.index_of = {column.key: index for index, column, _ in plan.used}

    def _error(self, errors: list[CellError], row: int, header: str, value: Any, reason: str) -> None:
        errors.append(CellError(row, header, display(value), reason))

    def parse(self, row_no: int, row: Sequence[Any]) -> tuple[ParsedRow | None, list[CellError]]:
        """(parsed row, []) or (None, errors). A wholly blank row gives (None, [])."""
        errors: list[CellError] = []
        got: dict[str, Any] = {}
        if len(row) < self.width:
            row = [*row, *([None] * (self.width - len(row)))]
        blank_row = True
        missing: list[tuple[str, str]] | None = None
        for index, key, memo, parse, required, header in self.columns:
            raw = row[index]
            if raw.__class__ is str:
                value = memo.get(raw, _MISS)
                if value is not _MISS:
                    blank_row = False
                    if value.__class__ is _Bad:
                        errors.append(CellError(row_no, header, display(raw), value.reason))
                    else:
                        got[key] = value
                    continue
                if not raw or raw.isspace():
                    if required:
                        missing = [*(missing or ()), (key, header)]
                    continue
                try:
                    value = parse(raw)
                except CellProblem as problem:
                    value = _Bad(str(problem))
                if len(memo) < MEMO_LIMIT:
                    memo[raw] = value
                blank_row = False
                if value.__class__ is _Bad:
                    errors.append(CellError(row_no, header, display(raw), value.reason))
                else:
                    got[key] = value
                continue
            if raw is None:
                if required:
                    missing = [*(missing or ()), (key, header)]
                continue
            blank_row = False
            try:
                got[key] = parse(raw)
            except CellProblem as problem:
                errors.append(CellError(row_no, header, display(raw), str(problem)))
        if blank_row:
            return None, []
        if missing:
            for _key, header in missing:
                errors.append(CellError(row_no, header, "", "必填，不能为空"))
        parsed = self._resolve(row_no, got, self.header_of, _RowValues(row, self.index_of), errors)
        if errors:
            return None, errors
        assert parsed is not None
        parsed.raw = row
        return parsed, []

    def _parser(self, column: LedgerColumn) -> Callable[[Any], Any]:
        """The function that turns one raw cell of `column` into its value (or CellProblem)."""
        kind = column.kind
        if column.key == "net_value" or kind == "money":
            return cells.parse_money_fen
        if kind in ("text", "derived"):
            max_length = column.max_length
            return lambda raw: cells.parse_text(raw, max_length)
        if kind == "date":
            date1904 = self._date1904
            return lambda raw: cells.parse_date(raw, date1904=date1904)
        if kind == "int":
            return cells.parse_int
        if kind == "code":
            name = column.choices or column.key
            return lambda raw: parse_code(name, raw)
        if kind == "bool":
            return cells.parse_bool
        if kind == "category":
            return self._category
        if kind == "unit":
            return self._unit
        # department / person: resolved against the using unit in _resolve
        return normalise_name

    def _category(self, raw: Any) -> CategoryRef:
        code = normalise_name(raw).upper()
        category = self.lookups.categories.get(code)
        if category is None:
            if len(code) != 9 or not code[0].isalpha() or not code[1:].isdigit():
                raise CellProblem("分类代码应为1个大写字母加8位数字，如 A02010108")
            raise CellProblem("系统中没有这个资产分类代码（见“资产分类”表）")
        if not category.is_active:
            raise CellProblem("该资产分类已停用")
        return category

    def _unit(self, raw: Any) -> UnitRef:
        unit = self.lookups.units.get(normalise_name(raw))
        if unit is None:
            raise CellProblem("本区域没有这个单位（请写单位全称、简称或单位编码）")
        return unit

    def _resolve(
        self,
        row_no: int,
        got: dict[str, Any],
        headers: dict[str, str],
        raw_of: Any,
        errors: list[CellError],
    ) -> ParsedRow | None:
        lookups = self.lookups
        named_owner: UnitRef | None = got.pop("owner_unit", None)
        owner: UnitRef = named_owner or lookups.default_unit
        if named_owner is not None and not owner.writable:
            self._error(
                errors,
                row_no,
                headers["owner_unit"],
                raw_of["owner_unit"],
                "您没有在该单位登记或修改资产的权限",
            )
        user_unit: UnitRef = got.get("user_unit") or owner
        values: dict[str, Any] = {key: got[key] for key in _CARD_KEYS if key in got}
        if "category_code" in got:
            values["category"] = got["category_code"]
        if "user_unit" in got:
            values["user_unit"] = got["user_unit"]
        if "department" in got:
            department = lookups.departments.get((user_unit.id, got["department"]))
            if department is None:
                self._error(
                    errors,
                    row_no,
                    headers["department"],
                    raw_of["department"],
                    f"「{user_unit.text}」没有这个部门",
                )
            else:
                values["department"] = department
        if "custodian" in got:
            person = lookups.people.get((user_unit.id, got["custodian"])) or (
                lookups.people.get((owner.id, got["custodian"])) if owner.id != user_unit.id else None
            )
            if person is None:
                self._error(
                    errors,
                    row_no,
                    headers["custodian"],
                    raw_of["custodian"],
                    f"「{user_unit.text}」没有这个人员（请写系统中登记的姓名）",
                )
            elif person is AMBIGUOUS:
                self._error(
                    errors,
                    row_no,
                    headers["custodian"],
                    raw_of["custodian"],
                    f"「{user_unit.text}」有多个同名人员，请改写为登录名",
                )
            else:
                values["custodian"] = person
        for key in ("fiscal_amount", "non_fiscal_amount"):
            if key in got:
                values[f"{key}_fen"] = got[key]
        quantity = values.get("quantity")
        if quantity is not None and quantity < 1:
            self._error(errors, row_no, headers["quantity"], raw_of["quantity"], "数量至少为 1")
        life = values.get("useful_life_months")
        if life is not None and life < 1:
            self._error(
                errors,
                row_no,
                headers["useful_life_months"],
                raw_of["useful_life_months"],
                "折旧年限至少为 1 个月",
            )
        acquired = values.get("acquired_on")
        if acquired and acquired > lookups.today:
            self._error(errors, row_no, headers["acquired_on"], raw_of["acquired_on"], "取得日期不能晚于今天")
        booked = values.get("booked_on")
        if booked and acquired and booked < acquired:
            self._error(errors, row_no, headers["booked_on"], raw_of["booked_on"], "入账日期不能早于取得日期")
        original = got.get("original_value")
        accumulated = got.get("accumulated_depreciation")
        if original is not None and accumulated is not None and accumulated > original:
            self._error(
                errors,
                row_no,
                headers["accumulated_depreciation"],
                raw_of["accumulated_depreciation"],
                "累计折旧不能大于原值",
            )
        net = got.get("net_value")
        if net is not None and original is not None and net != original - (accumulated or 0):
            self._error(
                errors,
                row_no,
                headers["net_value"],
                raw_of["net_value"],
                "净值应等于原值减累计折旧（净值由系统计算，可删除此列）",
            )
        if errors:
            return None
        return ParsedRow(
            row=row_no,
            asset_no=got.get("asset_no", ""),
            owner_unit=owner,
            values=values,
            original_fen=original,
            accumulated_fen=accumulated,
            months_depreciated=got.get("months_depreciated"),
            net_fen=net,
        )


def _closed_month_error(
    parsed: ParsedRow, plan: ColumnPlan, when: dt.date, closed_months: frozenset[dt.date]
) -> CellError | None:
    if when.replace(day=1) not in closed_months:
        return None
    key = "booked_on" if plan.has("booked_on") and "booked_on" in parsed.values else "acquired_on"
    return CellError(
        parsed.row,
        plan.header_of(key),
        when.isoformat(),
        f"入账日期所在的会计期间 {when:%Y-%m} 已结账，不能在该期间登记或变更资产（请改为未结账的月份）",
    )


def check_new(
    parsed: ParsedRow, plan: ColumnPlan, closed_months: frozenset[dt.date] = frozenset()
) -> list[CellError]:
    """Rules that hold only for a card that does not exist yet."""
    errors: list[CellError] = []
    booked = parsed.values.get("booked_on") or parsed.values.get("acquired_on")
    if closed_months and booked is not None:
        closed = _closed_month_error(parsed, plan, booked, closed_months)
        if closed is not None:
            errors.append(closed)
    if not parsed.owner_unit.writable:
        errors.append(
            CellError(
                parsed.row,
                plan.header_of("owner_unit"),
                parsed.owner_unit.text,
                "您没有在该单位登记资产的权限",
            )
        )
    status = parsed.values.get("status")
    if status is not None and status not in INITIAL_STATUSES:
        allowed = "、".join(label_of("status", s) for s in ("in_use", "idle", "under_repair"))
        errors.append(
            CellError(
                parsed.row,
                plan.header_of("status"),
                label_of("status", status),
                f"新登记的资产状态只能是{allowed}；其他状态请登记后通过相应单据办理",
            )
        )
    return errors


@dataclass(frozen=True)
class Existing:
    """An existing card as the import sees it (built by a selector)."""

    id: int
    asset_no: str
    owner_unit_id: int
    writable: bool
    status: str
    version: int
    snapshot: dict[str, Any]  # assets.ledger.snapshot() of the card


def check_update(
    parsed: ParsedRow, existing: Existing, plan: ColumnPlan, closed_months: frozenset[dt.date] = frozenset()
) -> list[CellError]:
    """Rules for a row that names an existing card (matched by asset no.)."""
    errors: list[CellError] = []
    booked = parsed.values.get("booked_on")
    old_booked = existing.snapshot.get("booked_on")
    if closed_months and booked is not None and old_booked and booked.isoformat() != old_booked:
        for when in (dt.date.fromisoformat(old_booked), booked):
            closed = _closed_month_error(parsed, plan, when, closed_months)
            if closed is not None:
                errors.append(closed)
                break
    where = plan.header_of("asset_no")
    if not existing.writable:
        return [CellError(parsed.row, where, parsed.asset_no, "该资产编号已被您无权修改的单位使用")]
    if existing.status == "disposed":
        return [CellError(parsed.row, where, parsed.asset_no, "该资产已处置，不能再通过导入修改")]
    if parsed.owner_unit.id != existing.owner_unit_id:
        errors.append(
            CellError(
                parsed.row,
                plan.header_of("owner_unit"),
                parsed.owner_unit.text,
                "产权单位不能通过导入变更（请办理调剂或划转）",
            )
        )
    target = parsed.values.get("status")
    if (
        target is not None
        and target != existing.status
        and (
            not can_transition(existing.status, target) or (existing.status, target) not in MANUAL_TRANSITIONS
        )
    ):
        errors.append(
            CellError(
                parsed.row,
                plan.header_of("status"),
                label_of("status", target),
                f"资产状态不能从「{label_of('status', existing.status)}」直接改为"
                f"「{label_of('status', target)}」（请通过相应单据办理）",
            )
        )
    snap = existing.snapshot
    if parsed.accumulated_fen is not None and parsed.accumulated_fen != _fen(
        snap["accumulated_depreciation_fen"]
    ):
        errors.append(
            CellError(
                parsed.row,
                plan.header_of("accumulated_depreciation"),
                _yuan(parsed.accumulated_fen) or "",
                f"已有卡片的累计折旧（{snap['accumulated_depreciation_fen']}）由计提折旧产生，不能通过导入修改",
            )
        )
    if parsed.months_depreciated is not None and parsed.months_depreciated != snap["months_depreciated"]:
        errors.append(
            CellError(
                parsed.row,
                plan.header_of("months_depreciated"),
                str(parsed.months_depreciated),
                f"已有卡片的已提折旧月数（{snap['months_depreciated']}）由计提折旧产生，不能通过导入修改",
            )
        )
    original = parsed.original_fen
    accumulated = _fen(snap["accumulated_depreciation_fen"])
    if original is not None and original < accumulated:
        errors.append(
            CellError(
                parsed.row, plan.header_of("original_value"), _yuan(original) or "", "原值不能小于累计折旧"
            )
        )
    return errors


def _fen(yuan_text: str) -> int:
    whole, _, part = yuan_text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((part + "00")[:2]))


_PLAIN = frozenset({str, int, bool, type(None)})  # values a snapshot holds as they are


def _ref_json(value: Any) -> Any:
    if value.__class__ in _PLAIN:  # most values: tested first, it runs for every cell of a re-import
        return value
    if isinstance(value, Ref | CategoryRef | UnitRef):
        return {"id": value.id, "text": value.text}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _yuan(fen: int | None) -> str | None:
    """An amount as the ledger's snapshots hold it ('12.34')."""
    return None if fen is None else str(fen_to_yuan(fen))


def proposed_snapshot(parsed: ParsedRow, current: dict[str, Any]) -> dict[str, Any]:
    """The card's snapshot after applying the row's values to `current` (a ledger snapshot)."""
    after = dict(current)
    for key, value in parsed.values.items():
        if key.endswith("_fen"):
            after[key] = _yuan(value)
        else:
            after[key] = _ref_json(value)
    if parsed.original_fen is not None:
        after["original_value_fen"] = _yuan(parsed.original_fen)
    return after


def new_card_snapshot(
    fields: dict[str, Any],
    *,
    original_fen: int,
    accumulated_fen: int,
    months: int,
    field_order: Sequence[str],
) -> dict[str, Any]:
    """The ledger snapshot of a new card, shaped exactly like assets.ledger.snapshot()."""
    data: dict[str, Any] = {}
    for name in field_order:
        value = fields.get(name)
        if name.endswith("_fen"):
            data[name] = _yuan(value)
        else:
            data[name] = _ref_json(value)
    data["original_value_fen"] = _yuan(original_fen)
    data["accumulated_depreciation_fen"] = _yuan(accumulated_fen)
    data["months_depreciated"] = months
    return data
