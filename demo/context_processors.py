from django.core.cache import cache

from demo.models import DemoDataset


def site(request) -> dict:
    """Whether the pages must say that the data is demo data (cached briefly)."""
    is_demo = cache.get("directory:is_demo")
    if is_demo is None:
        is_demo = DemoDataset.objects.exists()
        cache.set("directory:is_demo", is_demo, 30)
    return {"is_demo_data": is_demo}
