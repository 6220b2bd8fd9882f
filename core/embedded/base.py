from functools import cache

from django.db.backends.postgresql import base

from core import db


@cache
def _host() -> str:
    """Start (or attach to) the embedded server once per process."""
    return db.ensure_embedded()["HOST"]


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = _host()
        return params
