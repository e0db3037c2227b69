from . import admin_clients  # noqa: F401
