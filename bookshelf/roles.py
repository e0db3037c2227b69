"""The staff roles and what each may do: one definition, applied by a data migration (and by
tests that start from a flushed database).

- Agent: sees their own customers (with personal data, to serve them), records uses,
  pushes benefits and records the consents customers give or withdraw.
  They see their customers' fulfilments (and suppliers) and the cases about them.
- Agent supervisor: the same for their whole team, plus cancelling a use recorded in error
  and closing operations cases.
- Product staff: curate the whole shelf and read every customer, but personal data masked
  (no `view_customer_pii`); edit suppliers, what they deliver, their keys and code pools;
  read every fulfilment and work the operations queue.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

AGENT = "Agent"
AGENT_SUPERVISOR = "Agent supervisor"
PRODUCT_STAFF = "Product staff"

# What the roles are called on a page (the group's stored name is the key the code uses).
_ROLE_LABELS = {
    AGENT: gettext_lazy("Agent"),
    AGENT_SUPERVISOR: gettext_lazy("Agent supervisor"),
    PRODUCT_STAFF: gettext_lazy("Product staff"),
}


def role_label(name: str) -> str:
    """A group's name in the reader's language: a role's label, any other group as named."""
    return str(_ROLE_LABELS.get(name, name))


_AGENT_PERMS = [
    "customers.view_customer",
    "customers.view_customer_pii",
    "customers.view_policy",
    "customers.view_familylink",
    "customers.view_tierchange",
    "customers.view_tieroverride",
    "customers.view_tierrule",
    "customers.view_consent",
    "customers.add_consent",
    "benefits.view_category",
    "benefits.view_benefit",
    "bookshelf.view_shelfcell",
    "bookshelf.view_eligibility",
    "bookshelf.view_redemption",
    "bookshelf.add_redemption",
    "bookshelf.view_purchase",
    "bookshelf.view_quotabalance",
    "bookshelf.view_push",
    "bookshelf.add_push",
    "bookshelf.view_demandsignal",
    "bookshelf.add_demandsignal",
    "bookshelf.view_agentsuggestion",
    "bookshelf.change_agentsuggestion",
    "bookshelf.view_customerevent",
    "bookshelf.view_agentnotification",
    "bookshelf.view_redemptionfeedback",
    # Where their customers' requests stand, and the cases about them.
    "bookshelf.view_supplier",
    "bookshelf.view_benefitsupplier",
    "bookshelf.view_fulfilment",
    "bookshelf.view_fulfilmentevent",
    "bookshelf.view_operationscase",
    # Their day: the worklist, their customers' value, the detractors they call back.
    "bookshelf.view_customervalue",
    "bookshelf.view_detractorfollowup",
    "bookshelf.change_detractorfollowup",
    "bookshelf.view_followupcall",
    "bookshelf.add_followupcall",
]

STAFF_GROUPS: dict[str, list[str]] = {
    AGENT: _AGENT_PERMS,
    AGENT_SUPERVISOR: [
        *_AGENT_PERMS,
        "customers.view_agent",
        "bookshelf.change_redemption",
        "bookshelf.view_outboxmessage",
        "bookshelf.view_shelf_matrix",
        "bookshelf.change_operationscase",
        "bookshelf.view_nps_report",
    ],
    PRODUCT_STAFF: [
        "customers.view_customer",
        "customers.view_all_customers",
        "customers.view_policy",
        "customers.view_familylink",
        "customers.view_agent",
        "customers.view_tierchange",
        "customers.view_tieroverride",
        "customers.add_tierrule",
        "customers.change_tierrule",
        "customers.view_tierrule",
        "customers.change_tierpolicy",
        "customers.view_tierpolicy",
        "benefits.add_category",
        "benefits.change_category",
        "benefits.view_category",
        "benefits.add_benefit",
        "benefits.change_benefit",
        "benefits.view_benefit",
        "benefits.view_benefitstatuschange",
        "bookshelf.add_shelfcell",
        "bookshelf.change_shelfcell",
        "bookshelf.delete_shelfcell",
        "bookshelf.view_shelfcell",
        "bookshelf.view_shelf_matrix",
        "bookshelf.add_eligibility",
        "bookshelf.change_eligibility",
        "bookshelf.delete_eligibility",
        "bookshelf.view_eligibility",
        "bookshelf.view_redemption",
        "bookshelf.view_purchase",
        "bookshelf.view_quotabalance",
        "bookshelf.view_demandsignal",
        "bookshelf.change_demandsignal",
        "bookshelf.view_demandgroup",
        "bookshelf.change_demandgroup",
        "bookshelf.view_demandsynonym",
        "bookshelf.add_demandsynonym",
        "bookshelf.change_demandsynonym",
        "bookshelf.delete_demandsynonym",
        "bookshelf.view_push",
        "bookshelf.view_outboxmessage",
        "bookshelf.add_reviewsettings",
        "bookshelf.change_reviewsettings",
        "bookshelf.view_reviewsettings",
        "bookshelf.view_reviewrun",
        "bookshelf.view_reviewfinding",
        "bookshelf.view_proposal",
        "bookshelf.change_proposal",
        "bookshelf.view_redemptionfeedback",
        "bookshelf.view_recommendationweights",
        "bookshelf.change_recommendationweights",
        "bookshelf.view_peerusage",
        "bookshelf.view_customerevent",
        "bookshelf.view_agentsuggestion",
        # Suppliers, what they deliver, their keys and code pools; the operations queue.
        "bookshelf.view_supplier",
        "bookshelf.add_supplier",
        "bookshelf.change_supplier",
        "bookshelf.view_benefitsupplier",
        "bookshelf.add_benefitsupplier",
        "bookshelf.change_benefitsupplier",
        "bookshelf.view_supplierkey",
        "bookshelf.add_supplierkey",
        "bookshelf.change_supplierkey",
        "bookshelf.view_codepool",
        "bookshelf.add_codepool",
        "bookshelf.change_codepool",
        "bookshelf.view_poolcode",
        "bookshelf.view_fulfilment",
        "bookshelf.view_fulfilmentevent",
        "bookshelf.view_operationscase",
        "bookshelf.change_operationscase",
        # Money: contract prices, budgets, supplier statements and their reconciliation.
        "bookshelf.view_contractprice",
        "bookshelf.add_contractprice",
        "bookshelf.view_budget",
        "bookshelf.add_budget",
        "bookshelf.change_budget",
        "bookshelf.view_budgetperiod",
        "bookshelf.view_costentry",
        "bookshelf.view_statement",
        "bookshelf.change_statement",
        "bookshelf.view_billmapping",
        "bookshelf.add_billmapping",
        "bookshelf.change_billmapping",
        "bookshelf.view_supplierbill",
        "bookshelf.add_supplierbill",
        "bookshelf.view_billline",
        "bookshelf.view_reconciliationitem",
        "bookshelf.change_reconciliationitem",
        # Customer value and NPS: the weights, the survey settings, the report.
        "bookshelf.view_customervalue",
        "bookshelf.view_valueweights",
        "bookshelf.change_valueweights",
        "bookshelf.view_surveysettings",
        "bookshelf.change_surveysettings",
        "bookshelf.view_benefitsurveyrate",
        "bookshelf.add_benefitsurveyrate",
        "bookshelf.change_benefitsurveyrate",
        "bookshelf.delete_benefitsurveyrate",
        "bookshelf.view_surveyinvitation",
        "bookshelf.view_detractorfollowup",
        "bookshelf.view_followupcall",
        "bookshelf.view_nps_report",
        # Look only: a scheduled job names code to run; superusers change them.
        "django_celery_beat.view_periodictask",
    ],
}


def staff_groups_sync(*, group_model: Any = None, permission_model: Any = None) -> dict[str, int]:
    """Create the staff groups and give each exactly its permissions. Idempotent.

    A migration passes its historical models; everyone else gets the real ones. In a
    migration, permissions of models a later migration creates are left out (that
    migration syncs the groups again); anywhere else a missing permission is an error.
    """
    in_migration = group_model is not None and permission_model is not None
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    wanted = {p for perms in STAFF_GROUPS.values() for p in perms}
    found: dict[str, Any] = {}
    for perm in permission_model.objects.select_related("content_type").filter(
        codename__in={p.split(".", 1)[1] for p in wanted}
    ):
        found[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    missing = sorted(wanted - found.keys())
    if missing and not in_migration:
        raise LookupError(f"Permissions not found: {', '.join(missing)}")
    sizes: dict[str, int] = {}
    for name, perms in STAFF_GROUPS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        group.permissions.set([found[p] for p in perms if p in found])
        sizes[name] = len(perms)
    return sizes
