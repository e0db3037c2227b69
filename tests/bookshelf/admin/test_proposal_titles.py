"""A proposal on a page: a retirement names its benefit in the reader's language (its stored
title is in the language the review ran in), and the run page lists each proposal once, its
title the link to it."""

from __future__ import annotations

import pytest

from bookshelf.models import Proposal, ProposalKind
from bookshelf.review.services import review_run
from tests.bookshelf.review.test_review import _settings, _tomorrow
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db


def _retirement() -> Proposal:
    _settings()
    run = review_run(window_end=_tomorrow(), window_days=90).run
    benefit = make_benefit(name="Hotel room upgrade")
    benefit.name_zh_hans = "酒店房型升级"
    benefit.save(update_fields=["name_zh_hans"])
    return Proposal.objects.create(
        run=run,
        kind=ProposalKind.RETIRE,
        key=f"retire:{benefit.code}",
        benefit=benefit,
        title=f"{benefit.code} Hotel room upgrade",  # written by a run in English
    )


def test_a_retirement_is_named_in_the_readers_language_where_it_is_listed(admin_client):
    proposal = _retirement()
    admin_client.cookies["django_language"] = "zh-hans"
    listing = admin_client.get("/admin/bookshelf/proposal/").content.decode()
    page = admin_client.get(f"/admin/bookshelf/proposal/{proposal.pk}/change/").content.decode()
    for html in (listing, page):
        assert "酒店房型升级" in html
        assert "Hotel room upgrade" not in html


def test_the_run_page_lists_each_proposal_once_with_its_title_as_the_link(admin_client):
    proposal = _retirement()
    page = admin_client.get(f"/admin/bookshelf/reviewrun/{proposal.run_id}/change/").content
    html = page.decode()
    link = f'href="/admin/bookshelf/proposal/{proposal.pk}/change/"'
    assert html.count(link) == 1
    assert f"{link}>{proposal.benefit.code} Hotel room upgrade</a>" in html
