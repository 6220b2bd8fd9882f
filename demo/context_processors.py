from django.core.cache import cache

from core.pagecache import scoped_key
from demo.models import DemoDataset


def site(request) -> dict:
    """Whether the pages must say that the data is demo data (cached briefly;
    exactly for a page built for the page cache)."""
    key = scoped_key(request, "directory:is_demo")
    is_demo = cache.get(key)
    if is_demo is None:
        is_demo = DemoDataset.objects.exists()
        cache.set(key, is_demo, 30)
    return {"is_demo_data": is_demo}
