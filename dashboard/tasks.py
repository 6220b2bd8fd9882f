from django.tasks import task


@task
def refresh_dashboard() -> None:
    """Recompute the dashboard's figures into the shared cache."""
    from core.sharedcache import refresh_done
    from dashboard.figures import CACHE_KEY, compute_dashboard_data

    try:
        compute_dashboard_data()
    finally:
        refresh_done(CACHE_KEY)
