"""seed_demo writes well-known logins: it refuses to run outside DEBUG unless forced, and it
never touches a user that already exists (password, flags, groups, agent link)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from customers.models import Agent, Customer

pytestmark = pytest.mark.django_db

N = 12


def _seed(**kwargs):
    out = StringIO()
    call_command("seed_demo", customers=N, seed=5, no_progress=True, stdout=out, **kwargs)
    return out.getvalue()


@override_settings(DEBUG=False)
def test_refused_outside_debug_without_force():
    with pytest.raises(CommandError) as caught:
        _seed()
    assert "--force" in str(caught.value)
    assert not Customer.objects.exists()
    assert not get_user_model().objects.exists()


@override_settings(DEBUG=True)
def test_runs_under_debug_and_creates_the_demo_logins():
    _seed()
    users = get_user_model().objects.in_bulk(field_name="username")
    assert {"admin", "agent", "agent2", "supervisor", "product"} <= set(users)
    assert users["admin"].check_password("bookshelf-demo")
    assert Agent.objects.get(user=users["agent"])


@override_settings(DEBUG=False)
def test_existing_users_are_never_touched_even_when_forced():
    user_model = get_user_model()
    admin = user_model.objects.create_user(
        username="admin", password="my-own-secret-1", is_staff=True, is_superuser=False
    )
    agent = user_model.objects.create_user(username="agent", password="agent-secret-2")
    before = {
        u.username: (u.password, u.is_staff, u.is_superuser, u.is_active) for u in (admin, agent)
    }
    out = _seed(force=True)
    for user in user_model.objects.filter(username__in=["admin", "agent"]):
        assert (user.password, user.is_staff, user.is_superuser, user.is_active) == before[
            user.username
        ]
        assert not user.groups.exists()
        assert not Agent.objects.filter(user=user).exists()
    assert user_model.objects.get(username="admin").check_password("my-own-secret-1")
    assert "admin" in out and "agent" in out  # says which logins it left alone
    # the missing demo users are created
    assert user_model.objects.get(username="product").check_password("bookshelf-demo")
