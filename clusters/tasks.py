"""Background work of the cluster pages (Django tasks)."""

from django.tasks import task


@task
def refresh_cluster_figures() -> None:
    """Recompute every cluster's enterprise figures into the shared cache."""
    from clusters.figures import CACHE_KEY, compute_cluster_figures
    from core.sharedcache import refresh_done

    try:
        compute_cluster_figures()
    finally:
        refresh_done(CACHE_KEY)
