"""Small helpers shared by the apps' API modules."""

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters
from rest_framework import serializers

from directory.models import Region


def visible_enterprise_ids(user):
    """A subquery of the enterprise ids ``user`` may see (as on the pages)."""
    from enterprises.models import Enterprise

    return Enterprise.objects.visible_to(user).values("id")


def visible_enterprise_q(user, prefix: str = "enterprise") -> Q:
    return Q(**{f"{prefix}__in": visible_enterprise_ids(user)})


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class IntegerFilter(filters.NumberFilter):
    """A whole-number filter within PostgreSQL's integer range (bad input is a
    400, never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**31))
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)
