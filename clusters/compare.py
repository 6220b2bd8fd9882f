"""Sections other apps add to the cluster comparison page without `clusters`
naming them (the layers forbid it): an app above registers a panel in its
``AppConfig.ready``. A panel gets the request and the chosen clusters and
returns a template context with a ``template`` key, or None to show nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

ComparePanel = Callable[[HttpRequest, list[Any]], dict | None]

_PANELS: list[ComparePanel] = []


def register_compare_panel(panel: ComparePanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def compare_panels(request: HttpRequest, clusters: list[Any]) -> list[dict]:
    """The registered panels' contexts for ``clusters``, in registration order."""
    out = []
    for panel in _PANELS:
        context = panel(request, clusters)
        if context:
            out.append(context)
    return out
