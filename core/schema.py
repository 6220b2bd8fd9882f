"""OpenAPI schema generation: every operation documents the API's error format for
its possible 4xx answers, and fields that only some visibility tiers receive are
optional in the response schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named "fields"
        child=serializers.ListField(child=serializers.CharField())
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_CODES = {
    "400": "Invalid input.",
    "401": "Authentication failed (an invalid or revoked token).",
    "403": "Not permitted.",
    "404": "Not found, or not visible to this client.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "415": "Unsupported media type.",
    "429": "Too many requests; see Retry-After.",
}


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_CODES.items():
            if code not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
                response["description"] = description
                responses[code] = response
        return responses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(serializer, "tier_fields", ()))
        if optional and "required" in schema:
            schema["required"] = [f for f in schema["required"] if f not in optional]
            if not schema["required"]:
                del schema["required"]
        if getattr(serializer, "closed", False) and direction == "request":
            schema["additionalProperties"] = False
        return schema


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from your account page: "
            "`Authorization: Bearer <token>`.",
        }
