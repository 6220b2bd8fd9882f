"""What gunicorn's master loads before forking (core/preload.py, config/wsgi.py):
every worker starts with the site's templates compiled and the catalogues read,
so its first requests cost what later ones do."""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.utils import translation

from core import preload


def cached_names() -> set[str]:
    loader = engines["django"].engine.template_loaders[0]
    return {name.rsplit("-", 1)[0] for name in loader.get_template_cache}


def test_every_template_of_the_sites_apps_is_compiled_before_the_first_request():
    engines["django"].engine.template_loaders[0].reset()
    assert "enterprises/enterprise_list.html" not in cached_names()
    compiled = preload.compile_templates()
    names = cached_names()
    root = Path(settings.BASE_DIR)
    own = {
        path.relative_to(folder).as_posix()
        for folder in engines["django"].template_dirs
        if Path(folder).is_relative_to(root) and ".venv" not in Path(folder).parts
        for path in Path(folder).rglob("*.html")
    }
    assert compiled >= len(own) > 50
    assert {"enterprises/enterprise_list.html", "base.html"} <= names
    # Django's own templates (the admin's) are left to their first use.
    assert "admin/index.html" not in names


def test_the_catalogues_are_read_for_every_language(monkeypatch):
    from django.utils.translation import trans_real

    monkeypatch.setattr(trans_real, "_translations", {})
    preload.load_catalogues()
    assert {"zh-hans", "en"} <= set(trans_real._translations)
    with translation.override("zh-hans"):
        assert translation.gettext("Simplified Chinese") == "简体中文"
