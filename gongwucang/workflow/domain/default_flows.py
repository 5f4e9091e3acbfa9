"""The default approval flows (DOMAIN.md §4), as plain data. Every region edits them in the admin.

Default chain: unit head → (supervising unit when total original value ≥ 50,000 yuan or a line is
a house, land or vehicle) → finance office (same condition; for allocations also any move across
supervising units). Allocations and loans are also reviewed by the warehouse (its keeper
confirms the goods are there); intakes are not — a keeper does not approve what they will
receive (DOMAIN.md §2).
"""

from __future__ import annotations

THRESHOLD_FEN = 5_000_000  # 50,000.00 yuan
# Houses and structures (A01), vehicles (A0203), land-use rights (A0801). Editable per region.
SPECIAL_CLASSES = "A01,A0203,A0801"

# order type → (flow name, [(seq, name, role, scope, min_total_fen, prefixes, cross_department)])
DEFAULT_FLOWS: dict[str, tuple[str, list[tuple[int, str, str, str, int | None, str, bool]]]] = {
    "intake": (
        "入仓审批",
        [
            (10, "单位负责人审核", "unit_head", "own_unit", None, "", False),
            (20, "主管部门审核", "supervisor", "supervising_unit", THRESHOLD_FEN, SPECIAL_CLASSES, False),
            (30, "财政部门审批", "finance", "finance", THRESHOLD_FEN, SPECIAL_CLASSES, False),
        ],
    ),
    "allocation": (
        "调剂申领审批",
        [
            (10, "单位负责人审核", "unit_head", "own_unit", None, "", False),
            (20, "公物仓审核", "keeper", "keeper", None, "", False),
            (30, "主管部门审核", "supervisor", "supervising_unit", THRESHOLD_FEN, SPECIAL_CLASSES, False),
            (40, "财政部门审批", "finance", "finance", THRESHOLD_FEN, SPECIAL_CLASSES, True),
        ],
    ),
    "loan": (
        "借用审批",
        [
            (10, "单位负责人审核", "unit_head", "own_unit", None, "", False),
            (20, "公物仓审核", "keeper", "keeper", None, "", False),
            (30, "主管部门审核", "supervisor", "supervising_unit", THRESHOLD_FEN, SPECIAL_CLASSES, False),
            (40, "财政部门审批", "finance", "finance", THRESHOLD_FEN, SPECIAL_CLASSES, False),
        ],
    ),
    "loan_extension": (
        "借用延期审批",
        [
            (10, "单位负责人审核", "unit_head", "own_unit", None, "", False),
            (20, "公物仓审核", "keeper", "keeper", None, "", False),
        ],
    ),
}
