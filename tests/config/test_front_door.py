"""A newcomer who opens the host: `/` leads to the admin and names the API docs; an unknown
page (DEBUG off) says where the admin and the API docs are instead of a bare "Not Found"."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_the_root_redirects_to_the_admin_and_names_the_api_docs():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    html = response.content.decode()
    assert 'href="/admin/"' in html
    assert 'href="/api/docs/"' in html
    assert Client().get("/", follow=True).redirect_chain[-1][0].startswith("/admin/login/")


def test_the_root_is_the_admin_in_development_too():
    """With DEBUG on, `/` used to be Django's debug 404 listing every URL pattern."""
    with override_settings(DEBUG=True):
        response = Client().get("/")
    assert response.status_code == 302
    assert b"URLconf" not in response.content


def test_the_root_speaks_chinese_to_a_chinese_browser():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    assert 'lang="zh-hans"' in response.content.decode()


def test_an_unknown_page_points_to_the_admin_and_the_docs():
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'href="/admin/"' in html and 'href="/api/docs/"' in html


def test_an_unknown_api_url_still_answers_the_error_shape():
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
