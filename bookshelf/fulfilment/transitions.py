"""The one table of allowed fulfilment transitions, by benefit kind.

Every move of a fulfilment is checked here and made by one conditional UPDATE
(`... WHERE state IN (allowed sources)`), so two callers racing for the same fulfilment
(a supplier's "fulfilled" and an agent's cancel, a callback retried five times at once)
cannot both move it. What each end state does to the quota hold is here too: settle (the
use is spent) or release (it is given back).

An *instant* benefit has no row in the table: its use is born fulfilled.
"""

from __future__ import annotations

from benefits.models import FulfilmentKind

from .models import FulfilmentState as S

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    FulfilmentKind.BOOKED: {
        S.REQUESTED: frozenset({S.BOOKED, S.FAILED, S.CANCELLED}),
        # booked → booked: a new appointment (rebooking).
        S.BOOKED: frozenset({S.BOOKED, S.FULFILLED, S.NO_SHOW, S.FAILED, S.CANCELLED}),
    },
    FulfilmentKind.ISSUED: {
        S.REQUESTED: frozenset({S.ISSUED, S.FAILED, S.CANCELLED}),
        S.ISSUED: frozenset({S.REDEEMED, S.EXPIRED, S.CANCELLED}),
    },
}

# Still held on the quota: the supplier has not delivered yet.
OPEN_STATES = frozenset({S.REQUESTED, S.BOOKED, S.ISSUED})
# The service happened (or the customer did not come): the use is spent.
SETTLING_STATES = frozenset({S.FULFILLED, S.NO_SHOW, S.REDEEMED})
# Nothing was delivered: the use is given back.
RELEASING_STATES = frozenset({S.FAILED, S.CANCELLED, S.EXPIRED})


def sources_for(kind: str, target: str) -> frozenset[str]:
    """The states a fulfilment of this kind may move to `target` from."""
    return frozenset(
        source for source, targets in TRANSITIONS.get(kind, {}).items() if target in targets
    )


def allowed(kind: str, source: str, target: str) -> bool:
    return target in TRANSITIONS.get(kind, {}).get(source, frozenset())


def targets_from(kind: str, source: str) -> frozenset[str]:
    return TRANSITIONS.get(kind, {}).get(source, frozenset())
