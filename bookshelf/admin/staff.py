"""Staff users and groups in the reader's language.

Django stores a permission's name as English text when it creates it ("Can add push") and a
group's name is the key the code looks it up by ("Agent"). Neither is translated by Django, so
a Chinese administrator read English on the pages that decide who may do what. These pages
keep the stored values (the code depends on them) and show them worded from what they mean:
the permission's action and its model's translated name, a custom permission's name from the
model's `Meta.permissions` (written with gettext), a role's translated label.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import ManyToManyField
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from ..roles import role_label

_ACTIONS = {
    "add": gettext_lazy("Can add %(model)s"),
    "change": gettext_lazy("Can change %(model)s"),
    "delete": gettext_lazy("Can delete %(model)s"),
    "view": gettext_lazy("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """'app | model | what it allows', each part in the reader's language."""
    model = permission.content_type.model_class()
    if model is None:  # a model that no longer exists: its stored words are all there is
        return str(permission)
    meta = model._meta
    action, _sep, rest = permission.codename.partition("_")
    if action in _ACTIONS and rest == meta.model_name:
        what = str(_ACTIONS[action]) % {"model": meta.verbose_name}
    else:
        custom = dict(meta.permissions)
        what = str(custom.get(permission.codename, permission.name))
    app = meta.app_config.verbose_name if meta.app_config else meta.app_label
    return f"{app} | {meta.verbose_name} | {what}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return permission_label(obj)


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return role_label(obj.name)


class _TranslatedPermissions:
    """The permission pickers (a group's, a user's) label each permission with
    `permission_label` (the queryset keeps Django's `select_related("content_type")`), and a
    user's group picker each group with its role's label."""

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is None:
            return None
        if db_field.name in ("user_permissions", "permissions"):
            field.__class__ = PermissionChoiceField
        elif db_field.name == "groups":
            field.__class__ = RoleChoiceField
        return field


@admin.display(description=gettext_lazy("name"), ordering="name")
def group_name(group: Group) -> str:
    return role_label(group.name)


class StaffGroupAdmin(_TranslatedPermissions, GroupAdmin):
    list_display = [group_name]

    def get_form(
        self, request: HttpRequest, obj: Group | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and role_label(obj.name) != obj.name:
            form.base_fields["name"].help_text = gettext(
                "The role's key, which the code looks the group up by: keep it as it is. "
                "Pages call it %(label)s."
            ) % {"label": role_label(obj.name)}
        return form


class StaffUserAdmin(_TranslatedPermissions, UserAdmin):
    pass


# Everywhere a group is named (a user's groups, the list filter, the change page's title),
# its role's label: a display rule only, the stored name stays the key.
Group.__str__ = lambda self: role_label(self.name)  # type: ignore[method-assign,assignment,attr-defined]

admin.site.unregister(Group)
admin.site.register(Group, StaffGroupAdmin)
admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
