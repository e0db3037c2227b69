"""The admin of customers, agents, policies and the tier ladder.

Two rules hold on every page here: a staff user sees only the customers
`customers_visible_to` gives them (an agent's own, a supervisor's team's, everyone for
product staff), and personal data (name, phone, ID number, birth date) is masked for anyone
without the personal-data permission. Writes go through the services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.dates import SafeDateHierarchyChangeList
from config.display import join_list, money
from config.history_admin import HistoryAdmin
from config.requestid import current_request_id
from config.translated_admin import SideBySideTranslations, both

from .cities import city_label
from .models import (
    Agent,
    Customer,
    FamilyLink,
    PiiAccessLog,
    Policy,
    ProfileTag,
    Tier,
    TierChange,
    TierOverride,
    TierPolicy,
    TierRule,
)
from .pii import MOBILE_RE, can_view_pii, mask_id_number, mask_name, mask_phone
from .selectors import (
    customer_search,
    customer_search_full_number,
    customer_search_reference,
    customer_tier_decide,
    customers_visible_to,
    user_sees_all_customers,
)
from .services import (
    customer_create,
    customer_tier_refresh,
    family_link_create,
    family_link_delete,
    pii_access_record_many,
    policy_create,
    tier_override_create,
)


def profile_tags_formfield(db_field: Any) -> forms.Field:
    """Profile tags as checkboxes instead of raw JSON."""
    return forms.MultipleChoiceField(
        choices=ProfileTag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=capfirst(db_field.verbose_name),
    )


def tier_badge(tier: int) -> SafeString:
    value = Tier(tier)
    return format_html('<span class="tier-badge tier-{}">{}</span>', value.slug, value.label)


class CityFilter(admin.SimpleListFilter):
    """By city, each shown in the reader's language (the stored values, as the stock filter
    offers them, under the same `city` parameter)."""

    title = _("city")
    parameter_name = "city"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        stored = (
            model_admin.get_queryset(request)
            .exclude(city="")
            .order_by("city")
            .values_list("city", flat=True)
            .distinct()
        )
        return [(city, city_label(city)) for city in stored]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(city=value) if value else queryset


class CityColumnMixin:
    @admin.display(description=_("city"), ordering="city")
    def city_col(self, obj: Any) -> str:
        return city_label(obj.city) or "-"


def scope_to_visible_customers(
    user: Any, queryset: QuerySet[Any], fields: Iterable[str]
) -> QuerySet[Any]:
    """Rows about customers the user may not see are left out (the customer fields given)."""
    if user_sees_all_customers(user):
        return queryset
    visible = customers_visible_to(user).values("pk")
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__in": visible})
    return queryset.filter(condition)


class OfferedLookupsChangeList(SafeDateHierarchyChangeList):
    """A change list that filters only by what its page offers: its list filters, its date
    hierarchy (by year, month and day), the search box, ordering by shown columns and the
    page number. Any other query parameter is refused (400) before a row is read, the same
    way whatever its value, so no URL can ask a yes/no question about a hidden field. A date
    hierarchy period past the calendar's ends is a bad lookup, not a 500 (the parent class)."""

    def get_filters(self, request: HttpRequest) -> Any:
        given = self.get_filters_params()
        result = super().get_filters(request)  # the filters take the parameters they offer
        remaining = result[2]
        generated: set[str] = set()
        hierarchy = self.date_hierarchy
        if hierarchy and f"{hierarchy}__year" in given:
            generated = {f"{hierarchy}__gte", f"{hierarchy}__lt"}
        refused = [
            key
            for key in remaining
            if key in given
            and key not in generated
            and not _related_widget_lookup(self.model, key, given[key])
        ]
        if refused:
            # For the security log, as the stock admin words it (parameter names only).
            raise DisallowedModelAdminLookup(f"Filtering by {', '.join(refused)} not allowed")
        return result


def _related_widget_lookup(model: Any, key: str, values: list[str]) -> bool:
    """The raw-id popup of a key with `limit_choices_to` passes those limits as parameters:
    those exact pairs (and no others) are allowed, as the stock admin allows them."""
    for fk_lookup in model._meta.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        pairs = url_params_from_lookup_dict(fk_lookup)
        if all((key, value) in pairs.items() for value in values):
            return True
    return False


class OfferedLookupsOnlyMixin:
    """For every admin list about people (customers, their records, agents, the audit
    trail): no lookup oracle. Only the page's own filters are accepted (see
    `OfferedLookupsChangeList`); the stock admin accepts any lookup on the model's fields."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return OfferedLookupsChangeList


class CustomerChoicesScopedMixin:
    """Every foreign key to a customer (or to a row about customers that the user's lists
    scope) offers, and on POST accepts, only the rows the user may see: add and change forms,
    inlines, raw-id and autocomplete widgets all validate against this queryset."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped = self._scoped_choices(db_field, request)
        if scoped is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped = self._scoped_choices(db_field, request)
        if scoped is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def _scoped_choices(self, db_field: Any, request: HttpRequest) -> QuerySet[Any] | None:
        related = db_field.related_model
        if related is Customer:
            return customers_visible_to(request.user)
        site = getattr(self, "admin_site", admin.site)
        related_admin = site._registry.get(related)
        if isinstance(related_admin, CustomerScopedAdmin):
            return related_admin.get_queryset(request)
        return None


class NotFoundWhenHiddenMixin:
    """An object outside the user's scope answers 404, like one that does not exist (the
    stock admin redirects to the index with a message instead)."""

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404(gettext("Not found."))
        return obj


class CustomerScopedAdmin(
    OfferedLookupsOnlyMixin, CustomerChoicesScopedMixin, NotFoundWhenHiddenMixin, admin.ModelAdmin
):  # type: ignore[type-arg]
    """For models about customers: rows outside the user's customers are not shown."""

    customer_fields: tuple[str, ...] = ("customer",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return scope_to_visible_customers(request.user, qs, self.customer_fields)


class ReadOnlyAdminMixin:
    """Rows written only by the services (audit trails, counters): look, never touch."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


FULL_NUMBER_REFUSED = _(
    "Searching by a full phone or ID number needs the personal-data permission. "
    "Search by customer number or the last four digits of the phone."
)
# A full number is unique to one customer (or a handful of duplicates): audit that many.
MAX_AUDITED_SEARCH_RESULTS = 20

# Personal fields and the masked read-only stand-ins shown to users without the permission.
PII_STAND_INS = {
    "name": "masked_name",
    "phone": "masked_phone",
    "id_number": "masked_id_number",
    "birth_date": "age",
}


def pii_access_record_for_request(
    request: HttpRequest, *, customer: Customer, fields: list[str]
) -> None:
    """`pii_access_record` with who, when and from where taken from the request."""
    pii_access_records_for_request(request, customers=[customer], fields=fields)


def pii_access_records_for_request(
    request: HttpRequest, *, customers: list[Customer], fields: list[str]
) -> None:
    """The same for several customers shown on one page, in one insert."""
    if not customers:
        return
    match = getattr(request, "resolver_match", None)
    pii_access_record_many(
        user=request.user,
        customers=customers,
        fields=fields,
        view_name=match.view_name if match is not None else "",
        request_id=getattr(request, "request_id", "") or current_request_id(),
        remote_addr=request.META.get("REMOTE_ADDR"),
    )


class FamilyLinkInline(CustomerChoicesScopedMixin, admin.TabularInline):  # type: ignore[type-arg]
    """Shown, not edited here: a link is made in both directions by the family-link page."""

    model = FamilyLink
    classes = ["no-original"]
    fk_name = "customer"
    fields = ["relative", "relation", "created_at"]
    readonly_fields = ["relative", "relation", "created_at"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("relative")


class PremiumColumnMixin:
    @admin.display(
        description=Policy._meta.get_field("annual_premium").verbose_name,
        ordering="annual_premium",
    )
    def premium_col(self, obj: Policy) -> str:
        return money(obj.annual_premium)


class PolicyInline(PremiumColumnMixin, CustomerChoicesScopedMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Policy
    fields = ["policy_no", "product_line", "premium_col", "status", "start_date", "end_date"]
    readonly_fields = [
        "policy_no",
        "product_line",
        "premium_col",
        "status",
        "start_date",
        "end_date",
    ]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(
    CityColumnMixin,
    OfferedLookupsOnlyMixin,
    CustomerChoicesScopedMixin,
    NotFoundWhenHiddenMixin,
    admin.ModelAdmin,
):  # type: ignore[type-arg]
    list_display_links = ["customer_no"]
    list_filter = ["tier", "gender", CityFilter, ("tier_downgrade_due", admin.EmptyFieldListFilter)]
    list_select_related = ["agent"]
    search_fields = ["customer_no"]  # the search itself is customer_search
    search_help_text = _("Customer number, name, or the last digits of the phone.")
    autocomplete_fields = ["agent"]
    inlines = [PolicyInline, FamilyLinkInline]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over every customer on each page
    ordering = ["customer_no"]
    tier_fields = ("tier", "tier_why", "tier_set_at", "tier_downgrade_due")
    fieldsets = [
        (None, {"fields": ["customer_no", "name", "gender", "birth_date", "city"]}),
        (_("Contact and identity"), {"fields": ["phone", "id_number"]}),
        (_("Tier"), {"fields": list(tier_fields)}),
        (_("Service"), {"fields": ["agent", "tags"]}),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "tags":
            return profile_tags_formfield(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # -- scope and personal data ------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request) & customers_visible_to(request.user)

    # -- search: no owner lookup without the permission, no full number in a URL ----------

    def get_urls(self) -> list[Any]:
        search = self.admin_site.admin_view(self.search_view)
        return [path("search/", search, name="customers_customer_search"), *super().get_urls()]

    def search_view(self, request: HttpRequest) -> HttpResponse:
        """The list's search form posts here, so what is typed never lands in a URL as it is
        (access logs, Referer): a full phone or ID number goes on as its keyed hash."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))
        params = {
            key: values
            for key, values in request.POST.lists()
            if key not in {"csrfmiddlewaretoken", SEARCH_VAR}
        }
        return self._search_redirect(request, request.POST.get(SEARCH_VAR, ""), params)

    def _search_redirect(
        self, request: HttpRequest, term: str, params: dict[str, list[str]]
    ) -> HttpResponse:
        term = term.strip()
        reference = customer_search_reference(term)
        if reference is not None:
            if can_view_pii(request.user):
                term = reference
            else:
                # Refused: the box keeps the number masked, and the search finds nobody.
                messages.error(request, FULL_NUMBER_REFUSED)
                masked = mask_phone if MOBILE_RE.match(term) else mask_id_number
                term = masked(term.upper())
        if term:
            params = {**params, SEARCH_VAR: [term]}
        url = reverse("admin:customers_customer_changelist")
        return HttpResponseRedirect(f"{url}?{urlencode(params, doseq=True)}" if params else url)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        term = request.GET.get(SEARCH_VAR, "")
        if customer_search_reference(term) is not None:
            # A link with a full number in it: this request is logged already, but the page
            # (and every link it makes) carries the hash instead.
            params = {k: v for k, v in request.GET.lists() if k != SEARCH_VAR}
            return self._search_redirect(request, term, params)
        full_number = customer_search_full_number(term) is not None
        if full_number and not can_view_pii(request.user):
            messages.error(request, FULL_NUMBER_REFUSED)
        context = {**(extra_context or {}), "search_is_reference": full_number}
        return super().changelist_view(request, context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        if not search_term.strip():
            return queryset, False
        personal = can_view_pii(request.user)
        field = customer_search_full_number(search_term)
        match = getattr(request, "resolver_match", None)
        if field is not None and match is not None and match.view_name == "admin:autocomplete":
            # Typed into a select box, the number would travel in the URL: not searched.
            return queryset.none(), False
        found = customer_search(query=search_term, queryset=queryset, personal=personal)
        if field is not None and personal:
            # Finding a number's owner is seeing it: written down per customer found.
            owners = list(found[:MAX_AUDITED_SEARCH_RESULTS])
            pii_access_records_for_request(request, customers=owners, fields=[field])
        return found, False

    def get_list_display(self, request: HttpRequest) -> Any:
        # Phone numbers stay masked in lists, whoever looks: a full number is shown on one
        # customer's page at a time, and each such view is written to the audit log.
        if can_view_pii(request.user):
            return ["customer_no", "name", "tier_col", "masked_phone", "city_col", "agent"]
        return ["customer_no", "masked_name", "tier_col", "masked_phone", "city_col", "agent"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: Any = super().get_fieldsets(request, obj)
        stand_ins = {} if can_view_pii(request.user) else dict(PII_STAND_INS)
        if not self.has_change_permission(request, obj):
            stand_ins["tags"] = "profile_tags"  # labels, not the stored codes
        return [
            (name, {**opts, "fields": [stand_ins.get(f, f) for f in opts["fields"]]})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [*self.tier_fields, "profile_tags"]
        if obj is not None:
            fields.append("customer_no")
        if not can_view_pii(request.user):
            fields += list(PII_STAND_INS.values())
        return fields

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        if can_view_pii(request.user):
            return super().get_exclude(request, obj)
        # Never let a personal field reach the page, even as an initial value.
        return [*(super().get_exclude(request, obj) or []), *PII_STAND_INS]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)  # type: ignore[union-attr]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        # The record's page (to edit, or read-only) shows the numbers unmasked to whoever
        # holds the permission: write it down each time the page is rendered.
        if obj is not None and obj.pk is not None and can_view_pii(request.user):
            pii_access_record_for_request(request, customer=obj, fields=list(PII_STAND_INS))
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- columns ----------------------------------------------------------------------------

    @admin.display(description=_("tier"), ordering="tier")
    def tier_col(self, obj: Customer) -> SafeString:
        return tier_badge(obj.tier)

    @admin.display(description=_("name"))
    def masked_name(self, obj: Customer) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Customer) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("profile tags"))
    def profile_tags(self, obj: Customer) -> str:
        labels = dict(ProfileTag.choices)
        return join_list(labels.get(tag, tag) for tag in obj.tags) or "-"

    @admin.display(description=_("why this tier"))
    def tier_why(self, obj: Customer) -> str:
        """What the rules say now, in the reader's language (as the desk says it); an
        override's reason as staff wrote it. The stored `tier_reason` is in the language the
        nightly job ran in."""
        if obj.pk is None:
            return "-"
        decision = customer_tier_decide(customer=obj)
        return (obj.tier_reason if decision.from_override else decision.reason) or "-"

    @admin.display(description=_("age"))
    def age(self, obj: Customer) -> int | str:
        return obj.age_on(timezone.localdate()) if obj.birth_date else "-"

    # -- writes -----------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = customer_create(
            customer_no=obj.customer_no,
            name=obj.name,
            birth_date=obj.birth_date,
            gender=obj.gender,
            phone=obj.phone,
            id_number=obj.id_number,
            city=obj.city,
            agent=obj.agent,
            tags=obj.tags,
        )
        _adopt(obj, created)


def _adopt(obj: Any, created: Any) -> None:
    """Make the admin's unsaved instance the row a service created, so the admin carries on
    (log entry, redirect, inlines) with it."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding = False
    obj._state.db = created._state.db


@admin.register(Agent)
class AgentAdmin(CityColumnMixin, OfferedLookupsOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["agent_no", "name", "city_col", "supervisor", "user", "customer_count"]
    list_select_related = ["supervisor", "user"]
    list_filter = [CityFilter]
    search_fields = ["agent_no", "name", "user__username"]
    autocomplete_fields = ["user", "supervisor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        return super().get_queryset(request).annotate(n_customers=Count("customers"))

    @admin.display(description=_("customers"), ordering="n_customers")
    def customer_count(self, obj: Agent) -> int:
        return getattr(obj, "n_customers", 0)


@admin.register(Policy)
class PolicyAdmin(PremiumColumnMixin, CustomerScopedAdmin):
    list_display = [
        "policy_no",
        "customer",
        "product_line",
        "premium_col",
        "status",
        "start_date",
        "end_date",
    ]
    list_filter = ["status", "product_line"]
    list_select_related = ["customer"]
    search_fields = ["policy_no", "customer__customer_no"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "start_date"
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["customer", "policy_no"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        if not change:
            created = policy_create(
                customer=obj.customer,
                policy_no=obj.policy_no,
                product_line=obj.product_line,
                annual_premium=obj.annual_premium,
                start_date=obj.start_date,
                end_date=obj.end_date,
                status=obj.status,
            )
            _adopt(obj, created)
            return
        super().save_model(request, obj, form, change)
        # Premium or status changed: the tier rules decide again.
        customer_tier_refresh(customer=obj.customer)


@admin.register(FamilyLink)
class FamilyLinkAdmin(CustomerScopedAdmin):
    list_display = ["customer", "relation", "relative", "created_at"]
    list_filter = ["relation"]
    list_select_related = ["customer", "relative"]
    search_fields = ["customer__customer_no", "relative__customer_no"]
    autocomplete_fields = ["customer", "relative"]
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a link is made or removed, never edited

    def save_model(self, request: HttpRequest, obj: FamilyLink, form: Any, change: bool) -> None:
        created = family_link_create(
            customer=obj.customer, relative=obj.relative, relation=obj.relation
        )
        _adopt(obj, created)

    def delete_model(self, request: HttpRequest, obj: FamilyLink) -> None:
        family_link_delete(customer=obj.customer, relative=obj.relative)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FamilyLink]) -> None:
        for link in queryset.select_related("customer", "relative"):
            family_link_delete(customer=link.customer, relative=link.relative)


@admin.register(TierRule)
class TierRuleAdmin(SideBySideTranslations, HistoryAdmin):  # type: ignore[type-arg]
    list_display = ["tier", "min_premium_col", "description", "updated_at"]
    # The description in both languages side by side (the list shows the reader's).
    fields = ["tier", "min_annual_premium", both("description")]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["tier"] if obj is not None else []

    @admin.display(
        description=TierRule._meta.get_field("min_annual_premium").verbose_name,
        ordering="min_annual_premium",
    )
    def min_premium_col(self, obj: TierRule) -> str:
        return money(obj.min_annual_premium)


@admin.register(TierPolicy)
class TierPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "downgrade_grace_days", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not TierPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TierOverride)
class TierOverrideAdmin(CustomerScopedAdmin):
    list_display = ["customer", "tier", "reason", "expires_at", "created_by", "created_at"]
    list_filter = ["tier"]
    list_select_related = ["customer", "created_by"]
    search_fields = ["customer__customer_no", "reason"]
    autocomplete_fields = ["customer"]
    fields = ["customer", "tier", "reason", "expires_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an override is replaced by a newer one, not edited

    def save_model(self, request: HttpRequest, obj: TierOverride, form: Any, change: bool) -> None:
        created = tier_override_create(
            customer=obj.customer,
            tier=obj.tier,
            reason=obj.reason,
            expires_at=obj.expires_at,
            created_by=request.user,
        )
        _adopt(obj, created)

    def delete_model(self, request: HttpRequest, obj: TierOverride) -> None:
        customer = obj.customer
        super().delete_model(request, obj)
        customer_tier_refresh(customer=customer)


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    list_display = ["customer", "from_tier", "to_tier", "reason", "created_at"]
    list_filter = ["to_tier", "from_tier"]
    list_select_related = ["customer"]
    search_fields = ["customer__customer_no"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class AuditTrailAdminMixin:
    """An audit trail (personal-data accesses, privacy requests): superusers read it, nobody
    adds, edits or deletes a row."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)  # type: ignore[union-attr]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)  # type: ignore[union-attr]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PiiPageFilter(admin.SimpleListFilter):
    """By page, each named in the reader's language (the stored URL name as the parameter)."""

    title = _("page")
    parameter_name = "view_name"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        stored = PiiAccessLog.objects.order_by("view_name").values_list("view_name", flat=True)
        return [(name, str(PII_PAGES.get(name, name))) for name in stored.distinct()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(view_name=value) if value else queryset


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(AuditTrailAdminMixin, OfferedLookupsOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit trail of unmasked personal data: superusers read it, nobody edits it."""

    list_display = ["created_at", "username", "customer_no", "shown", "page", "remote_addr"]
    list_filter = [PiiPageFilter, "created_at"]
    search_fields = ["=username", "=customer_no", "=request_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [
        "created_at",
        "user",
        "username",
        "customer",
        "customer_no",
        "shown",  # the fields' labels, not their stored names
        "page",  # the page's name, not its URL name
        "request_id",
        "remote_addr",
    ]
    fields = readonly_fields  # type: ignore[assignment]

    @admin.display(description=_("fields shown"))
    def shown(self, obj: PiiAccessLog) -> str:
        return join_list(_field_label(Customer, name) for name in obj.fields)

    @admin.display(description=_("page"), ordering="view_name")
    def page(self, obj: PiiAccessLog) -> str:
        return str(PII_PAGES.get(obj.view_name, obj.view_name))


# Where personal data is shown unmasked, by the URL (or command) name the log stores.
PII_PAGES = {
    "admin:customers_customer_change": _("Customer desk"),
    "admin:customers_customer_edit": _("Customer record"),
    "admin:customers_customer_reveal": _("Customer desk: revealed number"),
    "admin:customers_customer_changelist": _("Customer list"),
    "admin:customers_customer_search": _("Find a customer"),
    "admin:autocomplete": _("Customer choice in a form"),
    "admin:customer_data_export": _("Customer list: data export"),
    "admin:customer_erase": _("Customer list: erasure"),
    "command:customer_data_export": _("Command: data export"),
    "command:customer_erase": _("Command: erasure"),
}


def _field_label(model: Any, name: str) -> str:
    """A field's label as its form shows it; a name no longer on the model as stored."""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed from the model
        return name
