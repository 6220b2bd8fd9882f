"""API: change requests and claims, and the moderation actions on them. Every
action calls the same service as the review pages (``moderation.services``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ID_PATTERN
from enterprises import api as enterprises_api
from enterprises.api import EnterpriseSerializer, EnterpriseUpdateSerializer
from enterprises.forms import CHANGE_KEYS
from enterprises.models import ChangeRecord, Enterprise, EnterpriseCertification
from enterprises.permissions import (
    access_enterprise_by_id,
    editable_enterprises,
    is_staff_member,
)
from enterprises.services import enterprise_update
from moderation.models import ChangeRequest, ChangeRequestField, Claim
from moderation.services.changes import change_request_decide, change_request_submit
from moderation.services.claims import claim_decide, claim_revoke


class ChangeRequestFieldSerializer(serializers.ModelSerializer):
    # Any JSON value, null included (no "nullable" without a "type").
    old = serializers.JSONField(read_only=True)
    new = serializers.JSONField(read_only=True)

    class Meta:
        model = ChangeRequestField
        fields = [
            "field",
            "old",
            "new",
            "status",
            "comment",
            "proposed_at",
            "decided_at",
        ]


class ChangeRequestSerializer(serializers.ModelSerializer):
    submitted_by = serializers.CharField(
        source="submitted_by.get_username", read_only=True, allow_null=True
    )
    fields = ChangeRequestFieldSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "enterprise",
            "status",
            "submitted_by",
            "created_at",
            "updated_at",
            "closed_at",
            "fields",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ChangeRequestDecideSerializer(serializers.Serializer):
    decisions = serializers.DictField(
        child=DecisionSerializer(),
        allow_empty=False,
        help_text=gettext_lazy(
            "Pending field name to its decision; a rejection needs a comment."
        ),
    )


class ChangeRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Change requests: staff see all, enterprise users those of their enterprises."""

    lookup_value_regex = ID_PATTERN

    serializer_class = ChangeRequestSerializer
    queryset = ChangeRequest.objects.none()  # typed path parameters in the schema
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        queryset = ChangeRequest.objects.filter(
            enterprise__in=editable_enterprises(self.request.user).values("id")
        ).select_related("submitted_by")
        status = self.request.query_params.get("status")
        if status in ChangeRequest.Status.values:
            queryset = queryset.filter(status=status)
        return queryset.prefetch_related("fields").order_by("-created_at", "-id")

    @extend_schema(
        request=ChangeRequestDecideSerializer, responses=ChangeRequestSerializer
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None, **kwargs):
        """Staff: accept or reject pending fields (accepted fields publish)."""
        change_request = self.get_object()
        serializer = ChangeRequestDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decisions = {
            field: (d["accept"], d.get("comment", ""))
            for field, d in serializer.validated_data["decisions"].items()
        }
        change_request_decide(
            actor=request.user, change_request=change_request, decisions=decisions
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


class ClaimSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "enterprise",
            "user",
            "relationship",
            "uscc",
            "contact_name",
            "contact_phone",
            "contact_email",
            "status",
            "reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class ClaimDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ClaimRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ClaimViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Claims of enterprise profiles: staff see all, others their own."""

    lookup_value_regex = ID_PATTERN

    serializer_class = ClaimSerializer
    queryset = Claim.objects.none()  # typed path parameters in the schema
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        queryset = Claim.objects.select_related("user")
        if not is_staff_member(self.request.user):
            queryset = queryset.filter(user=self.request.user)
        status = self.request.query_params.get("status")
        if status in Claim.Status.values:
            queryset = queryset.filter(status=status)
        return queryset.order_by("-created_at", "-id")

    @extend_schema(request=ClaimDecideSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None, **kwargs):
        """Staff: approve (the person becomes a member) or deny (with a reason)."""
        claim = self.get_object()
        serializer = ClaimDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = claim_decide(
            actor=request.user,
            claim=claim,
            approve=serializer.validated_data["approve"],
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(claim).data)

    @extend_schema(request=ClaimRevokeSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None, **kwargs):
        """Staff: revoke an approved claim (ends the membership), with a reason."""
        claim = self.get_object()
        serializer = ClaimRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = claim_revoke(
            actor=request.user, claim=claim, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(claim).data)


class CertificationInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseCertification
        fields = ["scheme", "certificate_no", "valid_from", "valid_until"]


@extend_schema_field({"type": "array", "items": {}, "maxItems": 0, "nullable": True})
class PhotosAddField(serializers.ListField):
    pass


class EnterpriseChangeSerializer(serializers.ModelSerializer):
    """What an enterprise user may send in a PATCH (the schema's second shape; the
    values are validated by the edit page's form, ``change_request_submit``)."""

    closed = True  # other keys are refused (additionalProperties: false)

    region = serializers.CharField(
        help_text=gettext_lazy("A county-level region code (GB/T 2260).")
    )
    certifications = CertificationInputSerializer(many=True)
    logo = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        help_text=gettext_lazy(
            "null or an empty string removes the logo (upload one on the edit page)."
        ),
    )
    photos_add = PhotosAddField(
        allow_null=True,
        help_text=gettext_lazy(
            "Photos to add. JSON carries no files, so here only null or an empty "
            "list (adds nothing); upload photos on the edit page."
        ),
    )
    photos_remove = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=gettext_lazy("Ids of the enterprise's photos to remove."),
    )

    class Meta:
        model = Enterprise
        fields = sorted(CHANGE_KEYS)


ENTERPRISE_PATCH = PolymorphicProxySerializer(
    component_name="EnterprisePatch",
    serializers=[EnterpriseUpdateSerializer, EnterpriseChangeSerializer],
    resource_type_field_name=None,
)


class EnterpriseUpdateResultSerializer(serializers.Serializer):
    enterprise = EnterpriseSerializer(
        help_text=gettext_lazy("The enterprise as published now.")
    )
    change_request = ChangeRequestSerializer(
        allow_null=True,
        help_text=gettext_lazy(
            "The change request holding changes that wait for review (enterprise "
            "users), or null."
        ),
    )


class EnterpriseViewSet(enterprises_api.EnterpriseViewSet):
    """Enterprises: search, read, and propose or publish changes."""

    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "partial_update":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request=ENTERPRISE_PATCH,
        responses={200: EnterpriseUpdateResultSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        """Change an enterprise. Staff send the first shape (``EnterpriseUpdate``):
        their changes publish at once and are recorded in the history. Enterprise
        users send the second (``EnterpriseChange``): low-risk fields publish, the
        others become the enterprise's change request."""
        enterprise = access_enterprise_by_id(request.user, kwargs["pk"], edit=True)
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError(_("Send a JSON object of fields."))
        if not is_staff_member(request.user):
            return self._propose(request, enterprise)
        unknown = set(request.data) - set(EnterpriseUpdateSerializer().fields)
        if unknown:
            raise exceptions.ValidationError(
                dict.fromkeys(sorted(unknown), [_("This field cannot be changed.")])
            )
        serializer = EnterpriseUpdateSerializer(
            enterprise, data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        changes = serializer.changes()
        enterprise_update(
            actor=request.user,
            enterprise=enterprise,
            changes=changes,
            origin=ChangeRecord.Origin.API,
            reason=serializer.validated_data.get("reason", ""),
            reference=_api_reference(request),
        )
        return self._result(enterprise, change_request=None)

    def _result(self, enterprise, *, change_request) -> Response:
        enterprise = self.get_queryset().get(pk=enterprise.pk)
        return Response(
            {
                "enterprise": self.get_serializer(enterprise).data,
                "change_request": ChangeRequestSerializer(change_request).data
                if change_request
                else None,
            }
        )

    def _propose(self, request, enterprise):
        change_request = change_request_submit(
            actor=request.user, enterprise=enterprise, changes=dict(request.data)
        )
        return self._result(enterprise, change_request=change_request)


def _api_reference(request) -> str:
    token = request.auth
    pk = getattr(token, "pk", None)
    return f"api-token:{pk}" if pk else "api-session"
