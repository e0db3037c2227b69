"""The agent's worklist (我的待办): every open item across the agent's customers, ranked by
urgency and then by customer value, and the bulk actions on it.

Items come from four rooms: open suggestions (reach: a life event's, "moment", or an
expiring quota's, "expiring"), open operations cases of a fulfilment of the agent's customer
(fulfilment: "fulfilment"), open detractor follow-ups (reach: "detractor"; escalated to a
supervisor: "escalation") and unread retirement notices (review: "notice").

Reading a page costs a fixed number of statements whatever the number of customers: one
for the counts (by agent and kind), one for the page (a UNION ALL of the sources, each row
carrying its urgency band, its customer's value score and its due day; ORDER BY, LIMIT,
OFFSET), then one per kind of source on the page to load its rows (at most four).

Who sees what: the caller passes the agents they may act for (`agents_visible_to(user)`);
a suggestion or a case belongs to the customer's current agent (a case: the beneficiary's,
or the holder's when the beneficiary has none), a follow-up to the agent it was opened for,
an escalation to the supervisor it went to, a notice to its agent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from config.exceptions import DomainError
from customers.models import Customer, Tier
from customers.pii import mask_name

from ..fulfilment.models import OperationsCase
from ..review.models import AgentNotification
from .error_codes import ReachErrorCode
from .models import (
    AgentSuggestion,
    DetractorFollowUp,
    Segment,
    SuggestionStatus,
)


class ItemKind(StrEnum):
    MOMENT = "moment"
    EXPIRING = "expiring"
    FULFILMENT = "fulfilment"
    DETRACTOR = "detractor"
    ESCALATION = "escalation"
    NOTICE = "notice"


KIND_LABELS: dict[str, Any] = {
    ItemKind.MOMENT: pgettext_lazy("worklist kind", "Moment"),
    ItemKind.EXPIRING: pgettext_lazy("worklist kind", "Expiring"),
    ItemKind.FULFILMENT: pgettext_lazy("worklist kind", "Fulfilment"),
    ItemKind.DETRACTOR: pgettext_lazy("worklist kind", "Detractor"),
    ItemKind.ESCALATION: pgettext_lazy("worklist kind", "Escalation"),
    ItemKind.NOTICE: pgettext_lazy("worklist kind", "Notice"),
}

# The source of each kind: the prefix of its items' ids ("suggestion:12").
SOURCE_OF_KIND = {
    ItemKind.MOMENT: "suggestion",
    ItemKind.EXPIRING: "suggestion",
    ItemKind.FULFILMENT: "case",
    ItemKind.DETRACTOR: "followup",
    ItemKind.ESCALATION: "escalation",
    ItemKind.NOTICE: "notice",
}
ACTIONS: dict[str, tuple[str, ...]] = {
    ItemKind.MOMENT: ("push", "dismiss"),
    ItemKind.EXPIRING: ("push", "dismiss"),
    ItemKind.FULFILMENT: ("open",),
    ItemKind.DETRACTOR: ("call",),
    ItemKind.ESCALATION: ("call",),
    ItemKind.NOTICE: ("open", "dismiss"),
}


# Urgency bands, the first key of the ranking.
OVERDUE, TODAY, THIS_WEEK, LATER = 0, 1, 2, 3
# A notice is due a week after it was sent; a suggestion without a due day likewise.
NOTICE_DAYS = 7
WEEK = timedelta(days=7)
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class WorklistFilters:
    """What the list is narrowed to; empty means everything. `due_before` is inclusive (due
    on or before that day); `agent_id` picks one agent of those passed (a supervisor)."""

    kinds: Sequence[str] = ()
    tiers: Sequence[int] = ()
    segments: Sequence[str] = ()
    due_before: date | None = None
    agent_id: int | None = None


@dataclass(frozen=True)
class WorklistCustomer:
    id: int
    number: str
    masked_name: str
    tier: int
    tier_label: str


@dataclass(frozen=True)
class WorklistItem:
    kind: str
    id: str  # "suggestion:12": what the bulk actions take
    agent_id: int
    customer: WorklistCustomer | None
    title: str
    reason: str
    due: date | datetime
    overdue: bool
    band: int
    score: float | None  # the customer's value score (0-100), None without a customer
    segment: str  # a `Segment` value, "" when not computed yet
    actions: tuple[str, ...]
    # Plain ids for the caller to build its links: customer_no, benefit_code, followup_id,
    # case_id, fulfilment_id, redemption_id, notice_id.
    links: dict[str, Any] = field(default_factory=dict)

    @property
    def segment_label(self) -> str:
        return str(Segment(self.segment).label) if self.segment else ""


@dataclass(frozen=True)
class AgentCounts:
    agent_id: int
    open: int
    overdue: int
    by_kind: dict[str, int]


@dataclass(frozen=True)
class WorklistCounts:
    total: int
    overdue: int
    by_kind: dict[str, int]
    by_agent: list[AgentCounts]


@dataclass(frozen=True)
class WorklistPage:
    items: list[WorklistItem]
    total: int
    page: int
    pages: int
    per_page: int
    counts: dict[str, int]  # by kind
    overdue: int
    by_agent: list[AgentCounts]


# --- The sources, each a queryset of the same named columns ------------------------------

_COLUMNS = ("w_kind", "w_pk", "w_agent", "w_customer", "w_score", "w_day", "w_band")


@dataclass(frozen=True)
class _Clock:
    now: datetime
    today: date

    @property
    def tomorrow(self) -> datetime:
        """The start of tomorrow, local time."""
        start = datetime.combine(self.today + timedelta(days=1), datetime.min.time())
        return timezone.make_aware(start)

    @property
    def week_end(self) -> datetime:
        return self.tomorrow + WEEK


def _band_by_day(day: str, clock: _Clock) -> Case:
    return Case(
        When(**{f"{day}__lt": clock.today}, then=Value(OVERDUE)),
        When(**{day: clock.today}, then=Value(TODAY)),
        When(**{f"{day}__lte": clock.today + WEEK}, then=Value(THIS_WEEK)),
        default=Value(LATER),
        output_field=IntegerField(),
    )


def _band_by_time(at: str, clock: _Clock, shift: timedelta = timedelta(0)) -> Case:
    """The band of a deadline `at + shift` (shifted by moving the thresholds instead)."""
    return Case(
        When(**{f"{at}__lt": clock.now - shift}, then=Value(OVERDUE)),
        When(**{f"{at}__lt": clock.tomorrow - shift}, then=Value(TODAY)),
        When(**{f"{at}__lt": clock.week_end - shift}, then=Value(THIS_WEEK)),
        default=Value(LATER),
        output_field=IntegerField(),
    )


def _text(value: str) -> Cast:
    return Cast(Value(value), CharField())


def _customer_filters(qs: QuerySet[Any], prefix: str, filters: WorklistFilters) -> QuerySet[Any]:
    if filters.tiers:
        qs = qs.filter(**{f"{prefix}tier__in": list(filters.tiers)})
    if filters.segments:
        qs = qs.filter(**{f"{prefix}value__segment__in": list(filters.segments)})
    return qs


def _suggestions(kinds: set[str], agents: list[int], f: WorklistFilters, clock: _Clock) -> Any:
    qs = AgentSuggestion.objects.filter(status=SuggestionStatus.OPEN, customer__agent_id__in=agents)
    if ItemKind.MOMENT not in kinds:
        qs = qs.filter(dedupe_key__startswith="expiring:")
    if ItemKind.EXPIRING not in kinds:
        qs = qs.exclude(dedupe_key__startswith="expiring:")
    fallback = TruncDate(ExpressionWrapper(F("created_at") + WEEK, output_field=DateTimeField()))
    qs = _customer_filters(qs, "customer__", f).annotate(
        _w_kind=Case(
            When(dedupe_key__startswith="expiring:", then=_text(ItemKind.EXPIRING)),
            default=_text(ItemKind.MOMENT),
            output_field=CharField(),
        ),
        _w_pk=F("pk"),
        _w_agent=F("customer__agent_id"),
        _w_customer=F("customer_id"),
        _w_score=Coalesce(F("customer__value__score"), Value(0.0), output_field=FloatField()),
        _w_day=Coalesce(F("due_on"), fallback, output_field=DateField()),
    )
    return qs.annotate(_w_band=_band_by_day("_w_day", clock))


def _cases(agents: list[int], f: WorklistFilters, clock: _Clock) -> Any:
    has_own = Q(fulfilment__beneficiary__agent_id__isnull=False)

    def whose(column: str, output: Any) -> Case:
        return Case(
            When(has_own, then=F(f"fulfilment__beneficiary__{column}")),
            default=F(f"fulfilment__holder__{column}"),
            output_field=output,
        )

    qs = OperationsCase.objects.filter(closed_at__isnull=True).annotate(
        _w_kind=_text(ItemKind.FULFILMENT),
        _w_pk=F("pk"),
        _w_agent=whose("agent_id", IntegerField()),
        _w_customer=whose("id", IntegerField()),
        _w_tier=whose("tier", IntegerField()),
        _w_segment=whose("value__segment", CharField()),
        _w_score=Coalesce(whose("value__score", FloatField()), Value(0.0)),
        _w_due=Coalesce(F("due_at"), F("opened_at")),
    )
    qs = qs.filter(_w_agent__in=agents)
    if f.tiers:
        qs = qs.filter(_w_tier__in=list(f.tiers))
    if f.segments:
        qs = qs.filter(_w_segment__in=list(f.segments))
    return qs.annotate(_w_day=TruncDate("_w_due"), _w_band=_band_by_time("_w_due", clock))


def _followups(kind: str, agents: list[int], f: WorklistFilters, clock: _Clock) -> Any:
    owner = "agent_id" if kind == ItemKind.DETRACTOR else "escalated_to_id"
    qs = DetractorFollowUp.objects.filter(closed_at__isnull=True, **{f"{owner}__in": agents})
    return _customer_filters(qs, "customer__", f).annotate(
        _w_kind=_text(kind),
        _w_pk=F("pk"),
        _w_agent=F(owner),
        _w_customer=F("customer_id"),
        _w_score=Coalesce(F("customer__value__score"), Value(0.0), output_field=FloatField()),
        _w_day=TruncDate("due_at"),
        _w_band=_band_by_time("due_at", clock),
    )


def _notices(agents: list[int], clock: _Clock) -> Any:
    due = ExpressionWrapper(
        F("created_at") + timedelta(days=NOTICE_DAYS), output_field=DateTimeField()
    )
    return AgentNotification.objects.filter(read_at__isnull=True, agent_id__in=agents).annotate(
        _w_kind=_text(ItemKind.NOTICE),
        _w_pk=F("pk"),
        _w_agent=F("agent_id"),
        _w_customer=Cast(Value(None), IntegerField()),
        _w_score=Cast(Value(0.0), FloatField()),
        _w_day=TruncDate(due),
        _w_band=_band_by_time("created_at", clock, shift=timedelta(days=NOTICE_DAYS)),
    )


def _union(
    *, agent_ids: Iterable[int], filters: WorklistFilters, clock: _Clock
) -> tuple[str, list[Any]] | None:
    """The SQL of every open item of these agents as rows of `_COLUMNS`, and its
    parameters; None when there is nothing to look for (no agent, or a filter nothing can
    match)."""
    agents = sorted(set(agent_ids))
    if filters.agent_id is not None:
        agents = [a for a in agents if a == filters.agent_id]
    kinds = set(filters.kinds) or set(ItemKind)
    if not agents:
        return None
    parts: list[Any] = []
    if kinds & {ItemKind.MOMENT, ItemKind.EXPIRING}:
        parts.append(_suggestions(kinds, agents, filters, clock))
    if ItemKind.FULFILMENT in kinds:
        parts.append(_cases(agents, filters, clock))
    for kind in (ItemKind.DETRACTOR, ItemKind.ESCALATION):
        if kind in kinds:
            parts.append(_followups(kind, agents, filters, clock))
    # A notice has no customer: a tier or segment filter leaves it out. Last in the union,
    # so the typed columns of the others come first.
    if ItemKind.NOTICE in kinds and not filters.tiers and not filters.segments:
        parts.append(_notices(agents, clock))
    if filters.due_before is not None:
        parts = [p.filter(_w_day__lte=filters.due_before) for p in parts]
    if not parts:
        return None
    # The ORM compiles each part (its values are parameters); the columns are then picked by
    # name from it, because the order the ORM selects annotations in varies with their kind.
    picked = ", ".join(f"p._{c} AS {c}" for c in _COLUMNS)
    sqls, params = [], []
    for part in parts:
        sql, part_params = (
            part.order_by().values(*[f"_{c}" for c in _COLUMNS]).query.sql_with_params()
        )
        sqls.append(f"SELECT {picked} FROM ({sql}) p")  # noqa: S608 (names are ours)
        params.extend(part_params)
    return " UNION ALL ".join(sqls), params


def _validate(filters: WorklistFilters, page: int, per_page: int) -> None:
    unknown = set(filters.kinds) - set(ItemKind)
    if unknown:
        raise DomainError(
            ReachErrorCode.INVALID,
            _("Unknown kind of worklist item: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))},
            field="kind",
        )
    if set(filters.tiers) - set(Tier.values):
        raise DomainError(ReachErrorCode.INVALID, _("Unknown tier."), field="tier")
    if set(filters.segments) - set(Segment.values):
        raise DomainError(ReachErrorCode.INVALID, _("Unknown segment."), field="segment")
    if page < 1:
        raise DomainError(ReachErrorCode.INVALID, _("Pages start at 1."), field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise DomainError(
            ReachErrorCode.INVALID,
            _("Ask for 1 to %(n)s items a page.") % {"n": MAX_PER_PAGE},
            field="per_page",
        )


def _clock(now: datetime | None) -> _Clock:
    now = now or timezone.now()
    return _Clock(now=now, today=timezone.localdate(now))


_GROUPED_SQL = (
    "SELECT w.w_agent, w.w_kind, COUNT(*), SUM(CASE WHEN w.w_band = {overdue} THEN 1 ELSE 0 END)"
    " FROM ({union}) w GROUP BY w.w_agent, w.w_kind"
)


# Overdue first, then today, the week, later; the most valuable customer first in a band;
# then the earliest due; the kind and id make the order total (stable pages).
_PAGE_SQL = (
    "SELECT w.* FROM ({union}) w"
    " ORDER BY w.w_band, w.w_score DESC, w.w_day, w.w_kind, w.w_pk LIMIT %s OFFSET %s"
)


def _row(values: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(_COLUMNS, values, strict=True))
    day = row["w_day"]
    if isinstance(day, str):  # SQLite
        row["w_day"] = date.fromisoformat(day[:10])
    row["w_score"] = float(row["w_score"] or 0)
    return row


def worklist_counts(
    *,
    agent_ids: Iterable[int],
    filters: WorklistFilters | None = None,
    now: datetime | None = None,
) -> WorklistCounts:
    """How many open and overdue items, by kind and by agent: one statement."""
    filters = filters or WorklistFilters()
    _validate(filters, 1, 1)
    union = _union(agent_ids=agent_ids, filters=filters, clock=_clock(now))
    by_agent: dict[int, dict[str, int]] = {}
    overdue_by_agent: dict[int, int] = {}
    if union is not None:
        sql, params = union
        with connection.cursor() as cursor:
            # The union is the ORM's own SQL (its values are parameters); only the
            # grouping around it is written here.
            grouped = _GROUPED_SQL.format(overdue=OVERDUE, union=sql)
            cursor.execute(grouped, params)
            for agent, kind, n, late in cursor.fetchall():
                by_agent.setdefault(agent, {})[kind] = int(n)
                overdue_by_agent[agent] = overdue_by_agent.get(agent, 0) + int(late or 0)
    by_kind: dict[str, int] = {k.value: 0 for k in ItemKind}
    rows = []
    for agent in sorted(by_agent):
        kinds = by_agent[agent]
        for kind, n in kinds.items():
            by_kind[kind] += n
        rows.append(
            AgentCounts(
                agent_id=agent,
                open=sum(kinds.values()),
                overdue=overdue_by_agent.get(agent, 0),
                by_kind={k.value: kinds.get(k.value, 0) for k in ItemKind},
            )
        )
    return WorklistCounts(
        total=sum(by_kind.values()),
        overdue=sum(overdue_by_agent.values()),
        by_kind=by_kind,
        by_agent=rows,
    )


def worklist(
    *,
    agent_ids: Iterable[int],
    filters: WorklistFilters | None = None,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> WorklistPage:
    """One page of the agents' open items: overdue first, then due today, within the week,
    later; within a band the most valuable customer first, then the earliest due. A page past
    the last is the last. At most six statements, whatever the number of customers."""
    filters = filters or WorklistFilters()
    _validate(filters, page, per_page)
    agent_ids = list(agent_ids)
    clock = _clock(now)
    counts = worklist_counts(agent_ids=agent_ids, filters=filters, now=clock.now)
    pages = max(1, math.ceil(counts.total / per_page))
    page = min(page, pages)
    items: list[WorklistItem] = []
    if counts.total:
        union = _union(agent_ids=agent_ids, filters=filters, clock=clock)
        assert union is not None  # counted some
        sql, params = union
        with connection.cursor() as cursor:
            cursor.execute(
                _PAGE_SQL.format(union=sql),
                [*params, per_page, (page - 1) * per_page],
            )
            rows = [_row(r) for r in cursor.fetchall()]
        items = _items(rows, clock)
    return WorklistPage(
        items=items,
        total=counts.total,
        page=page,
        pages=pages,
        per_page=per_page,
        counts=counts.by_kind,
        overdue=counts.overdue,
        by_agent=counts.by_agent,
    )


# --- Loading the page's rows: one query per source ---------------------------------------


def _customer(c: Customer | None) -> WorklistCustomer | None:
    if c is None:
        return None
    return WorklistCustomer(
        id=c.pk,
        number=c.customer_no,
        masked_name=mask_name(c.name),
        tier=c.tier,
        tier_label=str(Tier(c.tier).label),
    )


def _segment(c: Customer | None) -> str:
    value = getattr(c, "value", None) if c is not None else None
    return value.segment if value is not None else ""


def _items(rows: list[dict[str, Any]], clock: _Clock) -> list[WorklistItem]:
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(SOURCE_OF_KIND[ItemKind(row["w_kind"])], []).append(row["w_pk"])
    loaded: dict[str, dict[int, Any]] = {
        "suggestion": _load_suggestions(wanted.get("suggestion", [])),
        "case": _load_cases(wanted.get("case", [])),
        "followup": _load_followups(wanted.get("followup", []) + wanted.get("escalation", [])),
        "notice": _load_notices(wanted.get("notice", [])),
    }
    loaded["escalation"] = loaded["followup"]
    items = []
    for row in rows:
        kind = ItemKind(row["w_kind"])
        source = SOURCE_OF_KIND[kind]
        obj = loaded[source].get(row["w_pk"])
        if obj is None:  # handled between the two statements
            continue
        build = _BUILDERS[source]
        items.append(build(obj, row, kind, clock))
    return items


def _load_suggestions(ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    qs = AgentSuggestion.objects.filter(pk__in=ids).select_related(
        "benefit", "customer", "customer__value"
    )
    return {s.pk: s for s in qs}


def _load_cases(ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    qs = OperationsCase.objects.filter(pk__in=ids).select_related(
        "supplier",
        "fulfilment__benefit",
        "fulfilment__beneficiary__value",
        "fulfilment__holder__value",
    )
    return {c.pk: c for c in qs}


def _load_followups(ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    qs = DetractorFollowUp.objects.filter(pk__in=set(ids)).select_related(
        "benefit", "customer", "customer__value", "feedback", "agent"
    )
    return {f.pk: f for f in qs}


def _load_notices(ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {n.pk: n for n in AgentNotification.objects.filter(pk__in=ids).select_related("benefit")}


def _item(
    row: dict[str, Any],
    kind: ItemKind,
    *,
    customer: Customer | None,
    title: str,
    reason: str,
    due: date | datetime,
    links: dict[str, Any],
) -> WorklistItem:
    return WorklistItem(
        kind=kind.value,
        id=f"{SOURCE_OF_KIND[kind]}:{row['w_pk']}",
        agent_id=row["w_agent"],
        customer=_customer(customer),
        title=title,
        reason=reason,
        due=due,
        overdue=row["w_band"] == OVERDUE,
        band=row["w_band"],
        score=float(row["w_score"]) if customer is not None else None,
        segment=_segment(customer),
        actions=ACTIONS[kind],
        links=links,
    )


def _suggestion_item(
    s: AgentSuggestion, row: dict[str, Any], kind: ItemKind, clock: _Clock
) -> WorklistItem:
    return _item(
        row,
        kind,
        customer=s.customer,
        title=s.benefit.display_name,
        reason=s.reason,
        due=s.due_on or row["w_day"],
        links={
            "customer_no": s.customer.customer_no,
            "benefit_code": s.benefit.code,
            "suggestion_id": s.pk,
        },
    )


def _case_item(
    c: OperationsCase, row: dict[str, Any], kind: ItemKind, clock: _Clock
) -> WorklistItem:
    ful = c.fulfilment
    customer = ful.beneficiary if ful.beneficiary.agent_id is not None else ful.holder
    return _item(
        row,
        kind,
        customer=customer,
        title=f"{c.get_kind_display()}: {ful.benefit.display_name}",
        reason=_("Use #%(use)s, supplier %(supplier)s")
        % {"use": ful.redemption_id, "supplier": c.supplier.name},
        due=c.due_at or c.opened_at,
        links={
            "customer_no": customer.customer_no,
            "case_id": c.pk,
            "fulfilment_id": ful.pk,
            "redemption_id": ful.redemption_id,
        },
    )


def _followup_item(
    f: DetractorFollowUp, row: dict[str, Any], kind: ItemKind, clock: _Clock
) -> WorklistItem:
    title = _("Scored %(score)s for %(benefit)s: call back") % {
        "score": f.score,
        "benefit": f.benefit.display_name,
    }
    if kind == ItemKind.ESCALATION:
        title = _("Escalated from %(agent)s: %(title)s") % {
            "agent": f.agent.name if f.agent is not None else "-",
            "title": title,
        }
    return _item(
        row,
        kind,
        customer=f.customer,
        title=title,
        reason=f.feedback.comment,
        due=f.due_at,
        links={
            "customer_no": f.customer.customer_no,
            "followup_id": f.pk,
            "redemption_id": f.redemption_id,
        },
    )


def _notice_item(
    n: AgentNotification, row: dict[str, Any], kind: ItemKind, clock: _Clock
) -> WorklistItem:
    return _item(
        row,
        kind,
        customer=None,
        title=str(n.get_kind_display()),
        reason=n.message,
        due=n.created_at + timedelta(days=NOTICE_DAYS),
        links={"notice_id": n.pk, "benefit_code": n.benefit.code if n.benefit else ""},
    )


_BUILDERS: dict[str, Any] = {
    "suggestion": _suggestion_item,
    "case": _case_item,
    "followup": _followup_item,
    "escalation": _followup_item,
    "notice": _notice_item,
}
