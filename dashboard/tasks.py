from django.tasks import task


@task
def refresh_dashboard() -> None:
    """Recompute the dashboard's figures into the shared cache."""
    from dashboard.figures import (
        REFRESH_LOCK,
        compute_dashboard_data,
        shared_cache,
    )

    try:
        compute_dashboard_data()
    finally:
        shared_cache().delete(REFRESH_LOCK)
