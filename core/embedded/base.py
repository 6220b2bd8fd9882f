from functools import cache

from django.db.backends.postgresql import base, client

from core import db


@cache
def _host() -> str:
    """Start (or attach to) the embedded server once per process."""
    return db.ensure_embedded()["HOST"]


class DatabaseClient(client.DatabaseClient):
    """``manage.py dbshell`` on the embedded server's socket."""

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        settings_dict = {**settings_dict, "HOST": _host()}
        return super().settings_to_cmd_args_env(settings_dict, parameters)


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = _host()
        return params
