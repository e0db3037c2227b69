"""Chinese for the strings of third-party apps our admin shows whose own catalogues lack it
(django-celery-beat's schedule pages, django-import-export's export page).

Nothing imports this module: it lists the apps' own msgids with `gettext_noop`, so that
`make messages` extracts them into our catalogue (`locale/`), which Django consults before
the apps' catalogues (LOCALE_PATHS). Strings those apps write without gettext (celery-beat's
field labels such as "Task Name", cron-descriptor's "At 03:00 AM") cannot be reached this way.
"""

from django.utils.translation import gettext_noop

VENDOR_MESSAGES = (
    # django-celery-beat, admin.py
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    gettext_noop("Periodic Tasks Using This Schedule"),
    # django-import-export, templates/admin/import_export/export.html
    gettext_noop("Select all"),
)
