"""API pagination: page numbers for browsing (``?page=``, ``?page_size=``), cursor
pagination for bulk reads (``?cursor=``; start with an empty ``cursor`` and follow
``next``). Both cap the page size at ``MAX_PAGE_SIZE``."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CursorPagination(pagination.CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "pk"
    cursor_query_description = _(  # type: ignore[assignment]  # lazy str
        "Cursor pagination for bulk reads, in id order: send an empty cursor to "
        "start, then follow `next`."
    )


def check_page_params(request) -> None:
    """``page`` and ``page_size``, when given, are whole numbers from 1 (a larger
    ``page_size`` than ``MAX_PAGE_SIZE`` is capped); anything else is a 400 naming
    the parameter (DRF would quietly use its defaults)."""
    errors = {}
    for name in ("page", "page_size"):
        if name not in request.query_params:
            continue
        raw = request.query_params.get(name, "")
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 2**31 - 1):
            errors[name] = [
                gettext("Give a whole number from %(low)s to %(high)s.")
                % {"low": 1, "high": 2**31 - 1}
            ]
    if errors:
        raise exceptions.ValidationError(errors)


def wants_cursor(request) -> bool:
    return "cursor" in request.query_params


class DirectoryPagination(pagination.BasePagination):
    """Page numbers, or a cursor when the request carries ``cursor``."""

    def __init__(self) -> None:
        self.pages = PageNumberPagination()
        self.cursors = CursorPagination()
        self.active: pagination.BasePagination = self.pages

    def paginate_queryset(self, queryset, request, view=None):
        check_page_params(request)
        self.active = self.cursors if wants_cursor(request) else self.pages
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.active.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        return paginated_schema(schema)

    def get_schema_operation_parameters(self, view):
        parameters = self.pages.get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(minimum=1, maximum=2**31 - 1)
            if parameter["name"] == "page_size":
                parameter["description"] = str(
                    _("Results per page, at most %(max)s (more is capped).")
                    % {"max": MAX_PAGE_SIZE}
                )
        return parameters + [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": str(self.cursors.cursor_query_description),
                "schema": {"type": "string"},
            }
        ]


def paginated_schema(schema: dict, extra: dict | None = None) -> dict:
    return {
        "type": "object",
        "required": ["next", "previous", "results"],
        "properties": {
            "count": {
                "type": "integer",
                "description": "Number of results (page-number mode only).",
            },
            "next": {"type": "string", "nullable": True, "format": "uri"},
            "previous": {"type": "string", "nullable": True, "format": "uri"},
            "results": schema,
            **(extra or {}),
        },
    }


def page_response(*, count: int, next_url, previous_url, results, **extra) -> Response:
    return Response(
        {
            "count": count,
            "next": next_url,
            "previous": previous_url,
            "results": results,
            **extra,
        }
    )
