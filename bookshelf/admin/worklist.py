"""My worklist (我的待办): the agent's open items across their customers, ranked by urgency and
customer value, with bulk push and bulk dismiss; a supervisor sees the team's, by agent.

The page is the admin site's own (`admin:bookshelf_worklist`, /admin/bookshelf/worklist/,
`config.admin_site`): suggestions have no list of their own, the worklist is where they are
acted on. It
reads through `reach.selectors.worklist` and acts through `reach.services.worklist_push` and
`worklist_dismiss`, for the agents `agents_visible_to(user)`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.exceptions import DomainError
from customers.models import Tier
from customers.selectors import agents_visible_to

from ..reach.models import AgentSuggestion, PushChannel, Segment
from ..reach.selectors import (
    KIND_LABELS,
    ItemKind,
    WorklistFilters,
    WorklistItem,
    worklist,
    worklist_labels,
)
from ..reach.services import BulkResult, Outcome, worklist_dismiss, worklist_push

PER_PAGE = 50

# How each outcome reads in the page's messages, and how loudly.
OUTCOME_TEXT = {
    Outcome.PUSHED: (
        messages.SUCCESS,
        lambda n: ngettext("%(n)d pushed", "%(n)d pushed", n),
    ),
    Outcome.DISMISSED: (
        messages.SUCCESS,
        lambda n: ngettext("%(n)d dismissed", "%(n)d dismissed", n),
    ),
    Outcome.MARKED_READ: (
        messages.SUCCESS,
        lambda n: ngettext("%(n)d notice marked read", "%(n)d notices marked read", n),
    ),
    Outcome.NOT_USABLE: (
        messages.WARNING,
        lambda n: ngettext(
            "%(n)d not pushed: the customer cannot use the benefit now",
            "%(n)d not pushed: the customers cannot use the benefits now",
            n,
        ),
    ),
    Outcome.NO_CONSENT: (
        messages.WARNING,
        lambda n: ngettext(
            "%(n)d not pushed: no consent for this channel",
            "%(n)d not pushed: no consent for this channel",
            n,
        ),
    ),
    Outcome.RECENTLY_PUSHED: (
        messages.WARNING,
        lambda n: ngettext(
            "%(n)d not pushed: pushed to the customer a moment ago",
            "%(n)d not pushed: pushed to the customers a moment ago",
            n,
        ),
    ),
    Outcome.ALREADY_HANDLED: (
        messages.INFO,
        lambda n: ngettext("%(n)d already handled", "%(n)d already handled", n),
    ),
    Outcome.REFUSED: (
        messages.WARNING,
        lambda n: ngettext(
            "%(n)d left as it is: this action does not apply to it",
            "%(n)d left as they are: this action does not apply to them",
            n,
        ),
    ),
    Outcome.NOT_FOUND: (
        messages.ERROR,
        lambda n: ngettext("%(n)d not found", "%(n)d not found", n),
    ),
}


class WorklistFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    tier = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    due_before = forms.DateField(
        label=_("Due by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, agents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything: list[tuple[Any, Any]] = [("", gettext("All"))]
        choices: dict[str, list[tuple[Any, Any]]] = {
            "kind": [(k.value, KIND_LABELS[k]) for k in ItemKind],
            "tier": list(Tier.choices),
            "segment": list(Segment.choices),
            "agent": [(a.pk, str(a)) for a in agents],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = everything + options
        if len(agents) <= 1:
            del self.fields["agent"]

    def filters(self) -> WorklistFilters:
        if not self.is_valid():
            return WorklistFilters()
        data = self.cleaned_data
        return WorklistFilters(
            kinds=[data["kind"]] if data.get("kind") else [],
            tiers=[data["tier"]] if data.get("tier") is not None else [],
            segments=[data["segment"]] if data.get("segment") else [],
            due_before=data.get("due_before"),
            agent_id=data.get("agent"),
        )


def _url(name: str, *args: Any) -> str:
    """A link to a page another workspace may not have (yet): none rather than an error."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _row(item: WorklistItem) -> dict[str, Any]:
    """The item with the links the table shows."""
    links = item.links
    customer = item.customer
    open_url = ""
    if "case_id" in links:
        open_url = _url("admin:bookshelf_operationscase_change", links["case_id"])
    elif "notice_id" in links:
        open_url = _url("admin:bookshelf_agentnotification_change", links["notice_id"])
    return {
        "item": item,
        "kind_label": KIND_LABELS[ItemKind(item.kind)],
        "desk_url": _url("admin:customers_customer_change", customer.id) if customer else "",
        "call_url": (
            _url("admin:bookshelf_detractorfollowup_change", links["followup_id"])
            if "call" in item.actions
            else ""
        ),
        "open_url": open_url,
        "selectable": "push" in item.actions or "dismiss" in item.actions,
    }


class WorklistPage:
    """The worklist is a page of its own, not a model's list (it shows suggestions, cases,
    follow-ups and notices): served by the admin site at /admin/bookshelf/worklist/."""

    admin_site = admin.site
    opts = AgentSuggestion._meta

    def message_user(self, request: HttpRequest, message: str, level: int) -> None:
        messages.add_message(request, level, message)

    def worklist_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("bookshelf.view_agentsuggestion"):
            raise PermissionDenied
        agents = list(agents_visible_to(request.user).order_by("agent_no"))
        agent_ids = [a.pk for a in agents]
        if request.method == "POST":
            return self._act(request, agent_ids)
        form = WorklistFilterForm(request.GET or None, agents=agents)
        try:
            page_no = max(1, int(request.GET.get("p", "1")))
        except ValueError:
            page_no = 1
        page = worklist(
            agent_ids=agent_ids, filters=form.filters(), page=page_no, per_page=PER_PAGE
        )
        names = {a.pk: a for a in agents}
        query = {k: v for k, v in request.GET.items() if k != "p" and v}
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("My worklist"),
            "opts": self.opts,
            "form": form,
            "page": page,
            "rows": [_row(item) for item in page.items],
            "team": len(agents) > 1,
            "by_agent": [
                (names.get(r.agent_id), r, [r.by_kind[k.value] for k in ItemKind])
                for r in page.by_agent
            ],
            "kinds": [(k.value, KIND_LABELS[k]) for k in ItemKind],
            "channels": PushChannel.choices,
            "can_act": request.user.has_perm("bookshelf.change_agentsuggestion"),
            "previous_url": "?" + urlencode({**query, "p": page.page - 1}),
            "next_url": "?" + urlencode({**query, "p": page.page + 1}),
        }
        return TemplateResponse(request, "admin/bookshelf/worklist/worklist.html", context)

    def _act(self, request: HttpRequest, agent_ids: list[int]) -> HttpResponse:
        """Push or dismiss the selected items, then back to the same list (its filters and
        page kept) with one message per kind of outcome."""
        back = HttpResponseRedirect(request.get_full_path())
        if not request.user.has_perm("bookshelf.change_agentsuggestion"):
            raise PermissionDenied
        action = request.POST.get("action")
        item_ids = request.POST.getlist("item")
        try:
            if action == "push":
                result = worklist_push(
                    item_ids=item_ids,
                    channel=request.POST.get("channel", ""),
                    agent_ids=agent_ids,
                    by=request.user,
                )
            elif action == "dismiss":
                result = worklist_dismiss(item_ids=item_ids, agent_ids=agent_ids, by=request.user)
            else:
                raise DomainError("invalid", gettext("Choose push or dismiss."))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return back
        self._report(request, result, agent_ids)
        return back

    def _report(self, request: HttpRequest, result: BulkResult, agent_ids: list[int]) -> None:
        labels = worklist_labels(item_ids=list(result.outcomes), agent_ids=agent_ids)
        for outcome, (level, text) in OUTCOME_TEXT.items():
            ids = result.ids(outcome)
            if not ids:
                continue
            message = text(len(ids)) % {"n": len(ids)}
            if level != messages.SUCCESS:
                message += gettext(": %(items)s") % {"items": ", ".join(labels[i] for i in ids)}
            self.message_user(request, message, level)


admin.site.page(  # type: ignore[attr-defined]  # config.admin_site.BookshelfAdminSite
    "bookshelf/worklist/", WorklistPage().worklist_view, "bookshelf_worklist"
)
