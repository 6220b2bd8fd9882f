"""API: change requests and claims, and the moderation actions on them. Every
action calls the same service as the review pages (``enterprises.moderation``)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from enterprises.models import ChangeRequest, ChangeRequestField, Claim, Enterprise
from enterprises.moderation import change_request_decide, claim_decide, claim_revoke


class ChangeRequestFieldSerializer(serializers.ModelSerializer):
    old = serializers.JSONField(read_only=True, allow_null=True)
    new = serializers.JSONField(read_only=True, allow_null=True)

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

    serializer_class = ChangeRequestSerializer
    queryset = ChangeRequest.objects.none()  # typed path parameters in the schema
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        queryset = ChangeRequest.objects.filter(
            enterprise__in=Enterprise.objects.editable_by(self.request.user).values(
                "id"
            )
        ).select_related("submitted_by")
        status = self.request.query_params.get("status")
        if status in ChangeRequest.Status.values:
            queryset = queryset.filter(status=status)
        return queryset.prefetch_related("fields").order_by("-created_at", "-id")

    @extend_schema(
        request=ChangeRequestDecideSerializer, responses=ChangeRequestSerializer
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
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

    serializer_class = ClaimSerializer
    queryset = Claim.objects.none()  # typed path parameters in the schema
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        queryset = Claim.objects.select_related("user")
        if not self.request.user.is_staff:
            queryset = queryset.filter(user=self.request.user)
        status = self.request.query_params.get("status")
        if status in Claim.Status.values:
            queryset = queryset.filter(status=status)
        return queryset.order_by("-created_at", "-id")

    @extend_schema(request=ClaimDecideSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
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
    def revoke(self, request, pk=None):
        """Staff: revoke an approved claim (ends the membership), with a reason."""
        claim = self.get_object()
        serializer = ClaimRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = claim_revoke(
            actor=request.user, claim=claim, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(claim).data)
