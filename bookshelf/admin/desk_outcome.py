"""Where the desk shows what just happened: the outcome of a use or a push is drawn next to
where the agent acted (the benefit's row, the push card, the suggestions), with what is left,
instead of at the top of a page the browser has scrolled away from.

A desk action adds its message with `outcome_tags(...)`, and redirects to `desk_url(...,
anchor=OUTCOME_ANCHOR)`; the desk page splits its messages with `outcome_from_messages`: the
outcome goes to its spot (the element with id="outcome", which the anchor scrolls to), every
other message stays at the top as before."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.messages.storage.base import Message
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext

from customers.models import Customer

from ..ledger.selectors import ShelfEntry
from ..reach.selectors import CustomerDesk

OUTCOME_TAG = "desk-outcome"
OUTCOME_ANCHOR = "outcome"

# Spots on the page an outcome can be drawn at.
SPOT_ROW = "row"  # under the benefit's row on the shelf
SPOT_RECORD = "record"  # the "Record a use" card (a benefit with no row of its own)
SPOT_PUSH = "push"  # the "Push a benefit" card
SPOT_SUGGESTED = "suggested"  # the "Suggested now" card
SPOT_REQUESTS = "requests"  # the "Open requests" card (a cancel or a rebooking)

# The session key under which a use's plain code waits for the one page that shows it.
CODE_ONCE_KEY = "desk-code-once"


def desk_url(customer: Customer, *, benefit: str = "", anchor: str = "") -> str:
    """The desk, optionally with the forms preselecting `benefit` and scrolled to `anchor`."""
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    if benefit:
        url = f"{url}?{urlencode({'benefit': benefit})}"
    return f"{url}#{anchor}" if anchor else url


def outcome_tags(kind: str, code: str = "", redemption_id: int | None = None) -> str:
    """The message's extra tags that tell the desk where to draw it: `kind` is "use", "push"
    or "suggested"; a use names its benefit and, once recorded, the redemption."""
    parts = [kind, code, str(redemption_id or "")]
    return f"{OUTCOME_TAG} {OUTCOME_TAG}:{':'.join(parts)}"


def left_label(entry: ShelfEntry | None, *, family: bool = False) -> str:
    """What is left of a benefit, as the agent reads it: "2 left this period", "Unlimited
    uses", "None left"; `family`: what a family member may still take of a shared one."""
    if entry is None:
        return gettext("None left")
    remaining = entry.remaining
    if family:
        share = max(entry.family_quota - entry.family_used, 0)
        remaining = share if remaining is None else min(remaining, share)
    if remaining is None:
        return gettext("Unlimited uses")
    if remaining <= 0:
        return gettext("None left this period")
    return ngettext("%(n)s left this period", "%(n)s left this period", remaining) % {
        "n": remaining
    }


def entry_for_code(desk: CustomerDesk, code: str) -> ShelfEntry | None:
    """The entry the desk shows for a benefit: the first with a use left, in shelf order,
    else the first at all (used up), else None (not on the shelf)."""
    found = [e for e in desk.shelf_order if e.code == code]
    usable = [e for e in found if e.remaining is None or e.remaining > 0]
    rows = usable or found
    return rows[0] if rows else None


@dataclass
class DeskOutcome:
    """The outcome of the agent's last action, where it is drawn and what is left now."""

    kind: str
    code: str
    spot: str
    redemption_id: int | None
    left: str
    messages: list[Message] = field(default_factory=list)
    # An issued benefit's plain code, on the page right after the use only (`code_once`).
    plain_code: str = ""
    code_valid_until: date | None = None

    @property
    def level(self) -> str:
        """The worst level among the messages: "error", "warning", "info" or "success"."""
        levels = {m.level_tag for m in self.messages}
        return next((lv for lv in ("error", "warning", "info") if lv in levels), "success")


def _parse(message: Message) -> tuple[str, str, int | None] | None:
    for tag in str(message.extra_tags or "").split():
        if tag.startswith(f"{OUTCOME_TAG}:"):
            kind, code, rid = [*tag.split(":", 1)[1].split(":"), "", ""][:3]
            return kind, code, int(rid) if rid.isdigit() else None
    return None


def _spot(desk: CustomerDesk, kind: str, code: str, cards: set[str]) -> str | None:
    if kind == "use":
        rows = {e.code for group in desk.tier_groups for e in group.entries}
        if code in rows:
            return SPOT_ROW
        return SPOT_RECORD if SPOT_RECORD in cards else None
    return kind if kind in cards else None


def outcome_from_messages(
    stored: Iterable[Message], *, desk: CustomerDesk, cards: set[str]
) -> tuple[list[Message], DeskOutcome | None]:
    """Split the page's messages: (those shown at the top, the outcome drawn at its spot).
    `cards`: the spots this user's page has (the record and push cards need permissions);
    an outcome whose spot is not on the page stays at the top."""
    top: list[Message] = []
    outcome: DeskOutcome | None = None
    for message in stored:
        parsed = _parse(message)
        spot = _spot(desk, parsed[0], parsed[1], cards) if parsed else None
        if parsed is None or spot is None:
            top.append(message)
            continue
        kind, code, rid = parsed
        if outcome is None or (outcome.kind, outcome.code) != (kind, code):
            if outcome is not None:  # an older action's outcome: back to the top
                top.extend(outcome.messages)
            entry = entry_for_code(desk, code) if code else None
            outcome = DeskOutcome(
                kind=kind,
                code=code,
                spot=spot,
                redemption_id=rid,
                left=left_label(entry) if code else "",
            )
        outcome.messages.append(message)
    return top, outcome


def outcome_context(outcome: DeskOutcome | None, desk: CustomerDesk) -> dict[str, Any]:
    """The template's view of the outcome: which category group to open for its row."""
    group = ""
    if outcome is not None and outcome.spot == SPOT_ROW:
        group = next(
            (g.code for g in desk.tier_groups if any(e.code == outcome.code for e in g.entries)),
            "",
        )
    return {"outcome": outcome, "outcome_group": group}


def use_outcome_text(result: Any) -> str:
    """What recording a use did, in words: spent at once, requested from its supplier (and
    when it answers), or a code issued (the code itself is shown apart, once)."""
    redemption = result.redemption
    values = {"benefit": redemption.benefit.display_name, "code": redemption.benefit_code}
    fulfilment = result.fulfilment
    if fulfilment is None:
        if result.remaining is None:
            return gettext("Recorded a use of %(benefit)s (%(code)s). Unlimited uses.") % values
        return ngettext(
            "Recorded a use of %(benefit)s (%(code)s). %(n)s left this period.",
            "Recorded a use of %(benefit)s (%(code)s). %(n)s left this period.",
            result.remaining,
        ) % {**values, "n": result.remaining}
    if result.code:
        if result.code_valid_until:
            return gettext(
                "Code issued for %(benefit)s, valid until %(date)s. Read it to the customer "
                "now: it is not shown again."
            ) % {**values, "date": formats.date_format(result.code_valid_until, "DATE_FORMAT")}
        return (
            gettext(
                "Code issued for %(benefit)s. Read it to the customer now: it is not shown again."
            )
            % values
        )
    supplier = str(fulfilment.supplier.name)
    due = fulfilment.confirm_due_at
    if due is None:
        return gettext("Requested from %(supplier)s: the supplier confirms a time.") % {
            "supplier": supplier
        }
    hours = max(1, round((due - redemption.created_at).total_seconds() / 3600))
    return ngettext(
        "Requested from %(supplier)s: the supplier confirms a time within %(n)d hour.",
        "Requested from %(supplier)s: the supplier confirms a time within %(n)d hours.",
        hours,
    ) % {"supplier": supplier, "n": hours}


def code_once_keep(request: HttpRequest, result: Any) -> None:
    """Keep a use's plain code for the next desk page only (server side, in the session:
    never in a cookie or a URL)."""
    if result.code:
        valid = result.code_valid_until.isoformat() if result.code_valid_until else ""
        request.session[CODE_ONCE_KEY] = {
            "use": result.redemption.pk,
            "code": result.code,
            "valid_until": valid,
        }


def code_once_show(request: HttpRequest, outcome: DeskOutcome | None) -> None:
    """Take the kept code out of the session (whatever the page shows) and put it on the
    outcome of the use that claimed it: a reload shows it no more."""
    kept = request.session.pop(CODE_ONCE_KEY, None) if CODE_ONCE_KEY in request.session else None
    if not kept or outcome is None or outcome.kind != "use":
        return
    if outcome.redemption_id != kept.get("use"):
        return
    outcome.plain_code = str(kept.get("code", ""))
    valid = kept.get("valid_until") or ""
    outcome.code_valid_until = date.fromisoformat(valid) if valid else None
