"""The office of the admin tests (a supervisor, two agents of the team, an outsider, product
staff, their customers) and the API clients of the API tests, shared here."""

from tests.bookshelf.admin.conftest import gold_benefit, office, staff_groups  # noqa: F401
from tests.bookshelf.api.conftest import app_api, readonly_api  # noqa: F401
