"""Admin pages of demand grouping: the synonym table product staff edit, the demand groups
(merge two or more), the split of chosen requests into a new group, and the run page's
discoverability findings (customers asking for what their tier already holds).

Thin: the actions call `bookshelf.review.services`; the pages only read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from benefits.admin import TopCategoryFilter
from config.display import join_list

from ..review.models import DemandGroup, DemandSignal, DemandSynonym, ReviewRun
from ..review.selectors import colon, tier_label
from ..review.services import demand_group_split, demand_groups_merge
from .review_pages import count

# Discoverability rows on the run page (most customers first).
DISCOVERABILITY_ROWS = 20


@admin.register(DemandSynonym)
class DemandSynonymAdmin(admin.ModelAdmin):
    list_display = ["term", "canonical", "updated_at"]
    list_editable = ["canonical"]
    search_fields = ["term", "canonical"]
    ordering = ["canonical", "term"]


class DemandTopCategoryFilter(TopCategoryFilter):
    """A demand's top category (the shelf's columns), whether it named the top or a sub-category:
    one choice per column instead of all 44 categories."""

    code_field = "category__path_code"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(
            Q(category__path_code=value) | Q(category__path_code__startswith=f"{value}.")
        )


@admin.register(DemandGroup)
class DemandGroupAdmin(admin.ModelAdmin):
    # The group's normalised words are on its page, not the list's; "requests" sorts by size.
    list_display = ["label", "category", "requests", "created_at"]
    list_filter = [DemandTopCategoryFilter]
    search_fields = ["label", "key"]
    readonly_fields = ["key", "seeds_text", "created_at", "updated_at"]
    fields = ["label", "category", "key", "seeds_text", "created_at", "updated_at"]
    actions = ["merge_groups"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DemandGroup]:
        return (
            super()
            .get_queryset(request)
            .select_related("category")
            .annotate(n_requests=Count("signals"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # groups come from requests (and from a split)

    @admin.display(description=gettext_lazy("requests"), ordering="n_requests")
    def requests(self, group: DemandGroup) -> int:
        return int(getattr(group, "n_requests", 0))

    @admin.display(description=gettext_lazy("wordings compared with"))
    def seeds_text(self, group: DemandGroup) -> str:
        return " / ".join(group.seeds)

    @admin.action(
        description=gettext_lazy("Merge the selected groups into the one with most requests"),
        permissions=["change"],
    )
    def merge_groups(self, request: HttpRequest, queryset: QuerySet[DemandGroup]) -> None:
        groups = sorted(queryset, key=lambda g: (-self.requests(g), g.pk))
        if len(groups) < 2:
            self.message_user(request, _("Choose two groups or more to merge."), messages.WARNING)
            return
        into, others = groups[0], groups[1:]
        moved = demand_groups_merge(into=into, others=others)
        self.message_user(
            request,
            ngettext(
                "%(n)s request moved into “%(group)s”.",
                "%(n)s requests moved into “%(group)s”.",
                moved,
            )
            % {"n": moved, "group": into.label},
            messages.SUCCESS,
        )


@admin.action(
    description=gettext_lazy("Split the selected requests into a new group"),
    permissions=["change"],
)
def split_into_new_group(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[DemandSignal]
) -> None:
    group = demand_group_split(signal_ids=list(queryset.values_list("pk", flat=True)))
    if group is not None:
        modeladmin.message_user(
            request,
            _("A new group “%(group)s” holds the selected requests.") % {"group": group.label},
            messages.SUCCESS,
        )


def _tiers_text(tiers: dict[str, int]) -> str:
    return join_list(
        colon(tier_label(int(t)), str(n)) for t, n in tiers.items() if t.lstrip("-").isdigit()
    )


def discoverability_table(run: ReviewRun) -> SafeString:
    """Customers who asked for what their tier already holds, most customers first: one
    query. Not pulls: the shelf has it, they did not find it."""
    rows = list(
        run.discoverability.select_related("benefit").order_by(
            "-customers", "-requests", "benefit__code"
        )[:DISCOVERABILITY_ROWS]
    )
    if not rows:
        return format_html("<p>{}</p>", _("Nobody asked for something their tier already holds."))
    items = format_html_join(
        "",
        '<tr><td lang="{}">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                "zh-Hans" if any("\u3400" <= ch <= "\u9fff" for ch in f.wording) else "en",
                f.wording,
                count(f.customers),
                f"{f.benefit.code} {f.benefit.display_name}",
                _tiers_text(f.tiers),
            )
            for f in rows
        ),
    )
    return format_html(
        '<table class="discoverability"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
        "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("What they asked for"),
        _("Customers who asked"),
        _("On their shelf already"),
        _("By tier"),
        items,
    )


# How many of a group's wordings a pull proposal's page lists.
PULL_WORDINGS = 20


def pull_wordings(proposal: Any) -> SafeString:
    """A pull proposal's group: its wordings, most frequent first with their counts, and a link
    to the group (one query for the wordings)."""
    key = proposal.key or ""
    if not key.startswith("group:") or not key[6:].isdigit():
        return format_html("<p>{}</p>", _("This request is not in a demand group."))
    group_id = int(key[6:])
    wordings = list(
        DemandSignal.objects.filter(group_id=group_id)
        .values("text")
        .annotate(n=Count("id"))
        .order_by("-n", "text")[:PULL_WORDINGS]
    )
    if not wordings:
        return format_html("<p>{}</p>", _("No request is in this group any more."))
    items = format_html_join(
        "",
        '<li><span lang="{}">{}</span> <span class="count">× {}</span></li>',
        (
            (
                "zh-Hans" if any("\u3400" <= c <= "\u9fff" for c in w["text"]) else "en",
                w["text"],
                count(w["n"]),
            )
            for w in wordings
        ),
    )
    link = reverse("admin:bookshelf_demandgroup_change", args=[group_id])
    return format_html(
        '<ul class="pull-wordings">{}</ul><p><a href="{}">{}</a></p>',
        items,
        link,
        _("Open the demand group"),
    )
