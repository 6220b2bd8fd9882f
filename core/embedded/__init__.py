"""A database backend for the embedded PostgreSQL: Django's PostgreSQL backend that
starts the server of ``core.db`` on a process's first connection, so that importing
the settings starts nothing."""
