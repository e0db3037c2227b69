"""What the review pages show, formatted one way: rates as percentages with one decimal,
counts with thousands separators, yuan as ¥ with two decimals, thresholds by their names,
tiers by their labels, and Chinese punctuation on Chinese pages. The run page's summary and
its findings grouped by verdict (each group collapsed, its first rows shown, the rest one
link away).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, F, IntegerField, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from benefits.models import Category

from ..review.models import Proposal, ReviewFinding, ReviewRun, ReviewSettings, Verdict
from ..review.selectors import colon, list_sep, tier_label

# Most telling first: what the review proposes, then what it flags, then the rest.
VERDICT_ORDER = [
    Verdict.RETIRE,
    Verdict.COSTLY,
    Verdict.PROMOTE,
    Verdict.PENDING,
    Verdict.LOW,
    Verdict.GRACE,
    Verdict.HEALTHY,
    Verdict.TOO_FEW,
]
# Rows shown in each verdict group of the run page; the findings list has the rest.
GROUP_ROWS = 15


def pct(value: float | None) -> str:
    """A rate (0..1) as a percentage with one decimal, or a dash when there is none."""
    return "–" if value is None else f"{value * 100:.1f}%"


def count(n: int | None) -> str:
    """A count with thousands separators (in every language the same way)."""
    return "–" if n is None else number_format(n, force_grouping=True)


def yuan(value: Decimal | str | None) -> str:
    """Yuan with two decimals and thousands separators (¥1,234.50), or a dash."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return "¥" + number_format(amount, decimal_pos=2, force_grouping=True)


def signed(n: int | None) -> str:
    return "–" if n is None else f"{n:+d}"


def nps_text(nps: int | None, responses: int) -> str:
    if nps is None:
        return "–"
    return ngettext("%(nps)s (%(n)s answer)", "%(nps)s (%(n)s answers)", responses) % {
        "nps": signed(nps),
        "n": count(responses),
    }


def users_of(users: int, eligible: int) -> str:
    return f"{count(users)} / {count(eligible)}"


def tier_rates(findings: list[ReviewFinding]) -> str:
    """Each tier's users / could use (rate), by tier label."""
    return list_sep().join(
        colon(tier_label(f.tier), f"{users_of(f.users, f.eligible)} ({pct(f.rate)})")
        for f in findings
    )


# -- thresholds -------------------------------------------------------------------------------

_PERCENT = {"min_usage_rate"}
_SIGNED = {"promote_nps"}
_YUAN = {"max_cost_per_user"}


def threshold_name(key: str) -> str:
    """A threshold's name as product staff edit it (its setting's label, units included)."""
    try:
        return str(capfirst(getattr(ReviewSettings._meta.get_field(key), "verbose_name", key)))
    except FieldDoesNotExist:  # a key an older snapshot kept and the settings no longer have
        return str(capfirst(key.replace("_", " ")))


def threshold_value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if key in _PERCENT:
        return pct(float(value))
    if key in _SIGNED:
        return signed(int(value))
    if key in _YUAN:
        return yuan(value)
    return count(int(value))


def thresholds_table(run: ReviewRun) -> SafeString:
    """One row per threshold (its name), one column for the default and each category that
    overrides it (by name); a category's value equal to the default is dimmed."""
    default = run.thresholds.get("default", {})
    overrides = run.thresholds.get("categories", {})
    categories = {c.path_code: c for c in Category.objects.filter(path_code__in=list(overrides))}
    columns = [
        (str(categories[code]) if code in categories else code, overrides[code])
        for code in sorted(overrides)
    ]
    head = format_html_join("", '<th scope="col">{}</th>', ((name,) for name, _values in columns))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td>{}</tr>',
        (
            (
                threshold_name(key),
                threshold_value(key, value),
                format_html_join(
                    "",
                    '<td class="{}">{}</td>',
                    (
                        (
                            "same" if values.get(key) == value else "",
                            threshold_value(key, values.get(key)),
                        )
                        for _name, values in columns
                    ),
                ),
            )
            for key, value in default.items()
        ),
    )
    return format_html(
        '<table class="review-thresholds"><thead><tr><th></th><th scope="col">{}</th>{}</tr>'
        "</thead><tbody>{}</tbody></table>",
        _("Default"),
        head,
        rows,
    )


# -- the run's summary and its findings by verdict ----------------------------------------------


def _findings_link(run: ReviewRun, verdict: str) -> str:
    url = reverse("admin:bookshelf_reviewfinding_changelist")
    return f"{url}?run__id__exact={run.pk}&verdict__exact={verdict}&tier__isnull=True"


def summary_table(run: ReviewRun, counts: dict[str, int]) -> SafeString:
    """Benefits by verdict, most telling first, each linking to its group's whole list."""
    total = sum(counts.values())
    rows = format_html_join(
        "",
        '<tr data-verdict="{}"><th scope="row"><a href="#findings-{}">{}</a></th>'
        '<td class="num">{}</td><td class="num">{}</td></tr>',
        (
            (
                verdict,
                verdict,
                Verdict(verdict).label,
                count(counts[verdict]),
                pct(counts[verdict] / total),
            )
            for verdict in VERDICT_ORDER
            if counts.get(verdict)
        ),
    )
    proposals = ngettext(
        "%(n)s retirement proposal", "%(n)s retirement proposals", run.retire_proposals
    ) % {"n": count(run.retire_proposals)}
    pulls = ngettext("%(n)s pull proposal", "%(n)s pull proposals", run.pull_proposals) % {
        "n": count(run.pull_proposals)
    }
    reviewed = ngettext(
        "%(n)s benefit reviewed", "%(n)s benefits reviewed", run.benefits_reviewed
    ) % {"n": count(run.benefits_reviewed)}
    return format_html(
        '<p class="review-summary-line">{}</p>'
        '<table class="review-summary"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
        list_sep().join([reviewed, proposals, pulls]),
        _("Verdict"),
        _("Benefits"),
        _("Share"),
        rows,
    )


def _grouped_rows(run: ReviewRun) -> QuerySet[ReviewFinding]:
    """The first `GROUP_ROWS` benefit findings of each verdict, lowest rate first: one
    query whatever the shelf's size."""
    return (
        run.findings.filter(tier__isnull=True)
        .select_related("benefit")
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("verdict")],
                order_by=[F("rate").asc(nulls_first=True), F("benefit__code").asc()],
            )
        )
        .filter(row__lte=GROUP_ROWS)
        .order_by("verdict", "row")
    )


def _findings_header() -> SafeString:
    return format_html_join(
        "",
        '<th scope="col">{}</th>',
        (
            (h,)
            for h in (
                _("Benefit"),
                _("Best tier's rate"),
                _("Low reviews in a row"),
                _("Users / could use"),
                _("Uses"),
                _("Cost"),
                _("Cost per use"),
                _("Cost per user"),
                _("Cost per promoter"),
                _("NPS (answers)"),
                _("By tier: users / could use (rate)"),
            )
        ),
    )


def _findings_group(
    run: ReviewRun,
    verdict: str,
    n: int,
    rows: list[ReviewFinding],
    tiers: dict[int, list[ReviewFinding]],
    *,
    open_: bool,
) -> SafeString:
    """One verdict's `<details>`: its first rows, and a link to all `n` when there are more."""
    body = format_html_join(
        "",
        '<tr data-code="{}"><td>{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td>{}</td></tr>',
        (
            (
                f.benefit.code,
                f.benefit,
                pct(f.rate),
                count(f.low_streak),
                users_of(f.users, f.eligible),
                count(f.uses),
                yuan(f.cost),
                yuan(f.cost_per_use),
                yuan(f.cost_per_user),
                yuan(f.cost_per_promoter),
                nps_text(f.nps, f.responses),
                tier_rates(tiers.get(f.benefit_id, [])),
            )
            for f in rows
        ),
    )
    more = (
        format_html(
            '<p class="more"><a href="{}">{}</a></p>',
            _findings_link(run, verdict),
            ngettext(
                "Showing %(shown)s of %(n)s: see it in the findings list",
                "Showing %(shown)s of %(n)s: see them all in the findings list",
                n,
            )
            % {"shown": count(min(n, GROUP_ROWS)), "n": count(n)},
        )
        if n > GROUP_ROWS
        else ""
    )
    return format_html(
        '<details class="findings-group" id="findings-{}" data-verdict="{}"{}>'
        "<summary>{} <span>{}</span></summary>"
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>{}</details>",
        verdict,
        verdict,
        " open" if open_ else "",
        Verdict(verdict).label,
        ngettext("%(n)s benefit", "%(n)s benefits", n) % {"n": count(n)},
        _findings_header(),
        body,
        more,
    )


def findings_groups(run: ReviewRun, counts: dict[str, int]) -> SafeString:
    """One collapsed group per verdict (the first one open): its first rows, and a link to
    all of them in the findings list. Two queries whatever the shelf's size."""
    rows = list(_grouped_rows(run))
    tiers: dict[int, list[ReviewFinding]] = {}
    for f in run.findings.filter(
        tier__isnull=False, benefit_id__in=[r.benefit_id for r in rows]
    ).order_by("benefit_id", "tier"):
        tiers.setdefault(f.benefit_id, []).append(f)
    shown = [v for v in VERDICT_ORDER if counts.get(v)]
    return format_html_join(
        "",
        "{}",
        (
            (
                _findings_group(
                    run,
                    verdict,
                    counts[verdict],
                    [f for f in rows if f.verdict == verdict],
                    tiers,
                    open_=i == 0,
                ),
            )
            for i, verdict in enumerate(shown)
        ),
    )


def verdict_order_case() -> Case:
    """SQL ordering of verdicts, most telling first (for the chart)."""
    return Case(
        *(When(verdict=v, then=Value(i)) for i, v in enumerate(VERDICT_ORDER)),
        output_field=IntegerField(),
    )


# -- a proposal's cost ------------------------------------------------------------------------


def proposal_cost(proposal: Proposal) -> SafeString:
    """What the benefit cost in the review's window and what the proposal saves a year; for
    a costly benefit, the smaller quota per costly tier and what it would save instead."""
    ev = proposal.evidence
    if ev.get("cost") is None and proposal.saving_per_year is None:
        return format_html("<p>{}</p>", _("No use in the window had a contract price."))
    lines = format_html(
        "<p>{}</p><p>{}</p>",
        _(
            "Cost in the window: %(cost)s (%(per_use)s per use, %(per_user)s per active "
            "user, %(per_promoter)s per promoter)."
        )
        % {
            "cost": yuan(ev.get("cost")),
            "per_use": yuan(ev.get("cost_per_use")),
            "per_user": yuan(ev.get("cost_per_user")),
            "per_promoter": yuan(ev.get("cost_per_promoter")),
        },
        _("Retiring it saves about %(saving)s a year.")
        % {"saving": yuan(proposal.saving_per_year)},
    )
    quotas = ev.get("smaller_quotas") or {}
    if not quotas:
        return lines
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td></tr>',
        (
            (
                tier_label(int(tier)),
                _("Unlimited") if row.get("quota") is None else count(row["quota"]),
                count(row.get("smaller_quota")),
                yuan(row.get("saving_per_year")),
            )
            for tier, row in sorted(quotas.items(), key=lambda i: int(i[0]))
        ),
    )
    return format_html(
        '{}<p>{}</p><table class="review-quotas"><thead><tr><th scope="col">{}</th>'
        '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        lines,
        _(
            "Or a smaller quota in the tiers above %(max)s per active user (the saving counts "
            "only uses above the new quota, so it is at least this much):"
        )
        % {"max": yuan(ev.get("max_cost_per_user"))},
        _("Tier"),
        _("Quota now"),
        _("Smaller quota"),
        _("Saving a year"),
        rows,
    )
