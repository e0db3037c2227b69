"""The admin's yes/no icons with their alt text in the reader's language.

Django writes the Python value as the alt text (`alt="True"`), so a screen reader, a copied
table or a page whose images did not load says "True" on a Chinese page. Every caller imports
`_boolean_icon` from `admin_list` when it runs, so replacing it there covers lists, read-only
fields and filters alike."""

from __future__ import annotations

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val: bool | None) -> SafeString:
    words = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}
    icon_url = static(f"admin/img/icon-{ICONS[field_val]}.svg")
    return format_html('<img src="{}" alt="{}">', icon_url, words[field_val])


def boolean_icons_translate() -> None:
    from django.contrib.admin.templatetags import admin_list

    admin_list._boolean_icon = boolean_icon  # type: ignore[attr-defined]
