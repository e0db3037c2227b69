"""The review's targeted shelf (`shelf`, from test_review) for every test module here."""

from tests.bookshelf.review.test_review import shelf  # noqa: F401
