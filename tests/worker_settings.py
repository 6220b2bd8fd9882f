"""Settings for a task worker started by a test: the test's database and media
folder (passed in the environment) and the real database task backend."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["WORKER_DB_NAME"]
MEDIA_ROOT = os.environ["WORKER_MEDIA_ROOT"]
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
