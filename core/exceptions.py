"""One error format for every API 4xx:

    {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}

``message`` is translated (Accept-Language / the language cookie); ``fields`` maps a
field (or query parameter) name to its messages. Django's ``ValidationError`` (raised
by services) becomes a 400 in the same format.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _first_code(codes) -> str:
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list):
        for value in codes:
            return _first_code(value)
        return "invalid"
    return str(codes or "invalid")


def from_django_validation_error(
    exc: DjangoValidationError,
) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [
                str(m) for e in errors for m in e.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {"non_field_errors": [str(m) for m in exc.messages]}
    return exceptions.ValidationError(detail)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = from_django_validation_error(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields: dict[str, list[str]] = {}
        general: list[str] = []
        if isinstance(detail, dict):
            for name, value in detail.items():
                if name in ("non_field_errors", "detail"):
                    general += _flatten(value)
                else:
                    fields[str(name)] = _flatten(value)
        else:
            general = _flatten(detail)
        message = " ".join(general) or _("The request has invalid fields.")
        response.data = error_body(_first_code(exc.get_codes()), message, fields)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(str(code), " ".join(_flatten(exc.detail)))
    return response


@csrf_exempt  # changes nothing; a POST gets the API's 404, not the CSRF page
@login_not_required
def not_found(request, *args, **kwargs) -> JsonResponse:
    """404 in the API's format for paths under /api/v1/ that match no endpoint."""
    return JsonResponse(
        error_body("not_found", _("No API endpoint at this address.")),
        status=status.HTTP_404_NOT_FOUND,
    )
