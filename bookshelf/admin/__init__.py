"""The admin, one module per workspace:

- `desk`: the agent's desk (the customer page: their bookshelf, record a use, push a benefit);
- `shelf`: product staff's shelf (benefits, shelf cells with import/export, the shelf matrix);
- `records`: what customers did (uses, purchases, balances);
- `review`: the living shelf (settings, runs, proposals, demand, feedback, agents' notices);
- `reach`: pushes, their conversion and the outbox;
- `suppliers`: suppliers, which benefits they deliver, their callback keys (import/export);
- `prices`: contract prices per supplier and benefit, effective-dated (import/export);
- `fulfilments`: where each held use stands, and the operations queue;
- `pools`: the code pools of issued benefits, their stock and the supplier's file import;
- `statements`: supplier statements (totals, lines, export, approval, monthly drafts);
- `operations`: API clients, webhook subscriptions and the delivery log;
- `schedule`: the scheduled jobs (superusers change them; others at most read);
- `staff`: staff users and groups, their permissions worded in the reader's language;
- `reconcile`: a supplier statement's reconciliation with the supplier's bill;
- `budgets`: product staff's budgets (caps per benefit or category and period, their spend);
- `privacy`: the customer's rights on the customer list (data export, erasure, legal hold);
- `followups`: detractor follow-ups (the call-back page) and the NPS report (`nps`).
- `surveys`: survey invitations (the settings, each benefit's rate, the invitations made).
- `privacy`: the customer's rights on the customer list (data export, erasure, legal hold).
- `worklist`: my worklist (the agent's open items, bulk push and dismiss; a team's by agent).
- `value`: customer value (the weights product staff tune, the profiles, read only).

Every page is thin: it reads through selectors and acts through services.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.login_throttle import ThrottledAdminAuthenticationForm

from . import (
    budgets,
    desk,
    followups,
    fulfilments,
    operations,
    pools,
    prices,
    privacy,
    reach,
    reconcile,
    records,
    review,
    schedule,
    shelf,
    staff,
    statements,
    suppliers,
    surveys,
    value,
    worklist,
)

admin.site.site_header = _("Benefits Bookshelf")
admin.site.site_title = _("Benefits Bookshelf")
admin.site.index_title = _("Workspaces and records")
admin.site.site_url = None  # the admin is the site: no "view site" link
admin.site.login_form = ThrottledAdminAuthenticationForm  # 5 failures: locked 15 minutes

__all__ = [
    "budgets",
    "desk",
    "followups",
    "fulfilments",
    "operations",
    "pools",
    "prices",
    "privacy",
    "reach",
    "reconcile",
    "records",
    "review",
    "schedule",
    "shelf",
    "staff",
    "statements",
    "suppliers",
    "surveys",
    "value",
    "worklist",
]
