"""Who may do what, worded in the reader's language: Django stores permission names and the
roles' group names in English; the staff pages show them from what they mean."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import translation

from bookshelf.admin.staff import permission_label
from bookshelf.roles import AGENT, staff_groups_sync
from tests.bookshelf.admin.conftest import staff_user

pytestmark = pytest.mark.django_db


def _perm(app: str, codename: str) -> Permission:
    return Permission.objects.select_related("content_type").get(
        content_type__app_label=app, codename=codename
    )


def test_a_model_permission_is_worded_from_its_action_and_the_models_name():
    push = _perm("bookshelf", "add_push")
    assert push.name == "Can add push"  # what Django stored
    with translation.override("zh-hans"):
        label = permission_label(push)
    assert label.endswith("| 权益推送 | 可以添加权益推送"), label
    assert "Can" not in label
    with translation.override("en"):
        assert permission_label(push).endswith("| Can add push")


def test_a_custom_permission_takes_its_name_from_the_models_meta():
    erase = _perm("customers", "erase_customer")
    with translation.override("zh-hans"):
        label = permission_label(erase)
    assert "Can" not in label and label.startswith("客户 | ")


def test_the_group_pages_show_the_roles_in_chinese(client):
    staff_groups_sync()
    client.force_login(staff_user("root-admin", superuser=True))
    client.cookies["django_language"] = "zh-hans"
    listing = client.get("/admin/auth/group/").content.decode()
    assert "代理人" in listing and ">Agent<" not in listing
    agent = Group.objects.get(name=AGENT)
    page = client.get(f"/admin/auth/group/{agent.pk}/change/").content.decode()
    assert "Can add" not in page and "可以添加" in page


def test_a_roles_stored_name_is_explained_on_its_page(client):
    staff_groups_sync()
    client.force_login(staff_user("root-admin", superuser=True))
    client.cookies["django_language"] = "zh-hans"
    agent = Group.objects.get(name=AGENT)
    page = client.get(f"/admin/auth/group/{agent.pk}/change/").content.decode()
    assert "页面上称为代理人" in page
