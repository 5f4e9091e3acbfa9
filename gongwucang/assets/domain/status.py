"""Which status an asset card may move to from which, and which moves a clerk may make by hand.

Moves into and out of the warehouse, loans, leases and disposal are made by their orders
(workflow and warehouse apps); a clerk editing a card may only make the everyday moves in
MANUAL_TRANSITIONS. Everything else raises StatusTransitionError.
"""

from __future__ import annotations

from django.utils.translation import gettext

from .choices import AssetStatus as S


class StatusTransitionError(ValueError):
    """A status change the transition table does not allow."""


TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_USE: frozenset(
        {S.IDLE, S.IN_WAREHOUSE, S.ON_LOAN, S.LEASED, S.LENT, S.UNDER_REPAIR, S.PENDING_DISPOSAL}
    ),
    S.IDLE: frozenset({S.IN_USE, S.IN_WAREHOUSE, S.LEASED, S.LENT, S.UNDER_REPAIR, S.PENDING_DISPOSAL}),
    # In the pool: allocated (in use at the receiver), lent out, repaired, disposed, or withdrawn idle.
    S.IN_WAREHOUSE: frozenset({S.IN_USE, S.IDLE, S.ON_LOAN, S.UNDER_REPAIR, S.PENDING_DISPOSAL}),
    S.ON_LOAN: frozenset({S.IN_WAREHOUSE, S.IN_USE, S.IDLE}),
    S.LEASED: frozenset({S.IN_USE, S.IDLE, S.IN_WAREHOUSE}),
    S.LENT: frozenset({S.IN_USE, S.IDLE, S.IN_WAREHOUSE}),
    S.UNDER_REPAIR: frozenset({S.IN_USE, S.IDLE, S.IN_WAREHOUSE, S.PENDING_DISPOSAL}),
    # A disposal that is rejected returns the card to where it was.
    S.PENDING_DISPOSAL: frozenset({S.DISPOSED, S.IN_USE, S.IDLE, S.IN_WAREHOUSE}),
    S.DISPOSED: frozenset(),  # closed for good; the card stays, never deleted
}

# Everyday moves a clerk makes on the card itself, with no order behind them.
MANUAL_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.IN_USE, S.IDLE),
        (S.IDLE, S.IN_USE),
        (S.IN_USE, S.UNDER_REPAIR),
        (S.IDLE, S.UNDER_REPAIR),
        (S.UNDER_REPAIR, S.IN_USE),
        (S.UNDER_REPAIR, S.IDLE),
    }
)

# Statuses a card may be registered with (a new card cannot start in the pool or disposed).
INITIAL_STATUSES: frozenset[str] = frozenset({S.IN_USE, S.IDLE, S.UNDER_REPAIR})


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str, *, manual: bool = False) -> None:
    """Raise StatusTransitionError (with a Chinese message) unless current → target is allowed."""
    if current == target:
        return
    if not can_transition(current, target) or (manual and (current, target) not in MANUAL_TRANSITIONS):
        raise StatusTransitionError(
            gettext("资产状态不能从「%(current)s」直接改为「%(target)s」")
            % {"current": S(current).label, "target": S(target).label}
            + (gettext("（请通过相应单据办理）") if can_transition(current, target) else "")
        )


def manual_targets(current: str) -> list[str]:
    """Statuses a clerk may pick on the card form, the current one first."""
    return [current] + [t for (f, t) in sorted(MANUAL_TRANSITIONS) if f == current]
