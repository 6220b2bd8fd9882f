"""Small helpers shared by the apps' API modules."""

from django.db.models import Q
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
