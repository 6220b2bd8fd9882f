"""API: enterprises. The list runs the search page's code
(``enterprises.search.query``),
fields are filtered per object by the visibility tiers of ``enterprises.permissions``,
and ``moderation.api`` adds the writes, through the same services as the pages."""

from __future__ import annotations

import re

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.api import ID_PATTERN
from core.models import Region
from core.pagecache import visitor_cache
from core.pagination import (
    DirectoryPagination,
    check_page_params,
    paginated_schema,
    wants_cursor,
)
from enterprises.choices import Datum, EmployeeBand, RevenueBand
from enterprises.merging import survivor_id
from enterprises.models import Enterprise, EnterpriseCertification
from enterprises.permissions import (
    CONTACT_FIELD_ORDER,
    CONTACT_FIELDS,
    MEMBER_FIELD_ORDER,
    MEMBER_FIELDS,
    PUBLIC_FIELD_ORDER,
    STAFF_FIELD_ORDER,
    STAFF_FIELDS,
    Viewer,
    usable_facets,
    visible_enterprises,
)
from enterprises.provenance import section_provenance
from enterprises.search.facets import Labeller
from enterprises.search.indexing import FACETS
from enterprises.search.query import MAX_QUERY_CHARS, SORTS, Search, run
from enterprises.services import UPDATABLE_FIELDS

FACET_PARAMS = {param: code for code, param in FACETS.items()}
TIER_FIELDS = MEMBER_FIELDS | CONTACT_FIELDS | STAFF_FIELDS
PREFETCH = ["clusters", "certifications", "designations", "photos"]


class CertificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseCertification
        fields = ["scheme", "valid_from", "valid_until"]


class EnterpriseDesignationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    awarded_on = serializers.DateField(allow_null=True)


class PhotoSerializer(serializers.Serializer):
    url = serializers.CharField(source="image.url")
    caption = serializers.CharField()


class ProvenanceSerializer(serializers.Serializer):
    section = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        ["verified", "confirmed", "import", "survey", "demo"],
        help_text=gettext_lazy(
            "verified: by the association; confirmed: by the enterprise; or the "
            "import, survey or demo data the values come from."
        ),
    )
    date = serializers.DateField(allow_null=True)
    survey_year = serializers.IntegerField(allow_null=True)
    fields = serializers.ListField(child=serializers.CharField())


class EnterpriseSerializer(serializers.ModelSerializer):
    """An enterprise with the fields its viewer's tier allows: public fields for
    everyone, ``tier_fields`` only where ``visible_fields`` grants them."""

    tier_fields = TIER_FIELDS

    region = serializers.CharField(source="region_id", read_only=True)
    city = serializers.CharField(source="city_id", read_only=True)
    clusters = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    certifications = CertificationSerializer(many=True, read_only=True)
    designations = EnterpriseDesignationSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    field_sources = serializers.DictField(child=serializers.CharField(), read_only=True)
    # Blank values ("" = not given) must be valid in the schema too.
    datum = serializers.ChoiceField(Datum.choices, allow_blank=True, read_only=True)
    employee_band = serializers.ChoiceField(
        EmployeeBand.choices, allow_blank=True, read_only=True
    )
    revenue_band = serializers.ChoiceField(
        RevenueBand.choices, allow_blank=True, read_only=True
    )
    website = serializers.CharField(read_only=True)
    contact_email = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    provenance = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Per section of the profile: where its values come from and when they "
            "were last confirmed (signed-in clients, in an entry's detail)."
        )
    )

    class Meta:
        model = Enterprise
        # The field registry's fields, tier by tier (see enterprises.permissions).
        fields = [
            "id",
            "url",
            *PUBLIC_FIELD_ORDER[1:],
            *MEMBER_FIELD_ORDER,
            *CONTACT_FIELD_ORDER,
            *STAFF_FIELD_ORDER,
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()

    @extend_schema_field(ProvenanceSerializer(many=True))
    def get_provenance(self, obj) -> list[dict] | None:
        shown = self._viewer().fields(obj)
        if not self.context.get("provenance") or "provenance" not in shown:
            return None  # dropped below: lists and visitors get none
        return [
            {**section, "label": str(section["label"])}
            for section in section_provenance(obj, shown)
        ]

    def _viewer(self) -> Viewer:
        return self.context.get("viewer") or Viewer(self.context["request"].user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = self._viewer().fields(instance)
        if not self.context.get("provenance"):
            shown = shown - {"provenance"}
        return {k: v for k, v in data.items() if k not in TIER_FIELDS or k in shown}


class EnterpriseUpdateSerializer(serializers.ModelSerializer):
    """The fields of a staff PATCH; every field is optional. ``clusters`` are
    slugs."""

    closed = True  # other keys are refused (additionalProperties: false)

    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.exclude(level="province")
    )
    clusters = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Enterprise._meta.get_field("clusters").related_model.objects.all(),
        many=True,
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=gettext_lazy("Why the change is made (kept in the history)."),
    )

    class Meta:
        model = Enterprise
        fields = sorted(UPDATABLE_FIELDS) + ["reason"]
        validators: list = []  # the service validates the whole row (full_clean)
        # The model cleans the USCC (spaces and case, as the import does).
        extra_kwargs = {"uscc": {"validators": [], "max_length": None}}

    def changes(self) -> dict:
        data = dict(self.validated_data)
        data.pop("reason", None)
        if "region" in data:
            data["region"] = data["region"].code
        if "clusters" in data:
            data["clusters"] = [c.slug for c in data["clusters"]]
        return data


_FACET_NAME = "(?:" + "|".join(sorted(FACETS.values())) + ")"
FACETS_PATTERN = rf"^(?:all|{_FACET_NAME}(?:,{_FACET_NAME})*)?$"

# A real calendar date (what date.fromisoformat takes), or a preset.
_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))"
)
_LEAP = r"(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
UPDATED_PATTERN = rf"^(?:30d|90d|1y|2y|(?!0000)\d{{4}}-{_DAY}|{_LEAP}-02-29)?$"

LIST_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_CHARS},
        description=gettext_lazy(
            "Search text: names (Chinese, pinyin, initials, English), products, "
            "places, USCC."
        ),
    ),
    *[
        OpenApiParameter(
            param,
            {"type": "string", "pattern": r"^[A-Za-z0-9_+,\-]*$"},
            description=gettext_lazy(
                "Filter; several values separated by commas are ORed."
            ),
        )
        for param in FACETS.values()
    ],
    OpenApiParameter(
        "updated",
        {"type": "string", "pattern": UPDATED_PATTERN},
        description=gettext_lazy(
            "Updated since: a date (YYYY-MM-DD) or 30d, 90d, 1y, 2y."
        ),
    ),
    OpenApiParameter("sort", str, enum=list(SORTS)),
    OpenApiParameter(
        "facets",
        {"type": "string", "pattern": FACETS_PATTERN},
        description=gettext_lazy(
            "Comma-separated filter names whose counts to return (e.g. "
            "cluster,city), or all. Counts of fields a client may not see (e.g. "
            "revenue for visitors) are refused as unknown."
        ),
    ),
]


FACET_VALUE_SCHEMA = {
    "type": "object",
    "required": ["value", "label", "count", "selected"],
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "string"},
        "count": {"type": "integer"},
        "selected": {"type": "boolean"},
    },
}


class EnterprisePagination(DirectoryPagination):
    """Documents the extra keys of the enterprise list (the list itself pages
    through ``enterprises.search.query.run`` or, with a cursor, the cursor
    paginator)."""

    def get_paginated_response_schema(self, schema):
        return paginated_schema(
            schema,
            {
                "count_estimated": {
                    "type": "boolean",
                    "description": "The count is an estimate (very broad searches).",
                },
                "counts": {
                    "type": "string",
                    "enum": ["published", "with_drafts"],
                    "description": "What `count` counts: published entries, or "
                    "every entry, drafts included (staff).",
                },
                "homophones": {
                    "type": "boolean",
                    "description": "Names that sound like `q` follow the entries "
                    "found as typed (few of those).",
                },
                "dropped_words": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Words of `q` left out: no entry matches them all.",
                },
                "suggestions": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Queries with results, when `q` has none.",
                },
                "facets_estimated": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Filters of `facets` whose counts are estimates "
                    "(all of them when `count_estimated`; else a selected filter "
                    "whose alternatives are very many).",
                },
                "facets": {
                    "type": "object",
                    "description": "Facet counts, per filter asked for in `facets`.",
                    "additionalProperties": {
                        "type": "array",
                        "items": FACET_VALUE_SCHEMA,
                    },
                },
            },
        )


class EnterpriseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Enterprises: search and read (``moderation.api`` adds the changes)."""

    lookup_value_regex = ID_PATTERN

    serializer_class = EnterpriseSerializer
    pagination_class = EnterprisePagination
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return (
            visible_enterprises(self.request.user)
            .select_related("region", "city")
            .prefetch_related(*PREFETCH)
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["viewer"] = Viewer(self.request.user)
        # Provenance reads the entry's history: in the detail only.
        context["provenance"] = self.action == "retrieve"
        return context

    @method_decorator(visitor_cache)
    def retrieve(self, request, *args, **kwargs):
        """An enterprise; a merged-away one's address answers with a permanent
        redirect to its survivor (and ``merged_into`` says which)."""
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            survivor = survivor_id(kwargs.get(self.lookup_field, ""))
            if survivor is None or not self.get_queryset().filter(pk=survivor).exists():
                raise
            url = reverse("api:enterprise-detail", args=[survivor])
            query = request.META.get("QUERY_STRING")
            response = Response(
                {
                    "detail": _("This entry was merged into another."),
                    "merged_into": survivor,
                },
                status=301,
            )
            response["Location"] = f"{url}?{query}" if query else url
            return response

    @extend_schema(
        parameters=LIST_PARAMETERS, responses=EnterpriseSerializer(many=True)
    )
    @method_decorator(visitor_cache)
    def list(self, request, *args, **kwargs):
        """Search enterprises with the search page's query, filters and ordering.

        Page numbers by default; ``cursor`` switches to cursor pagination (id order)
        for bulk reads. ``facets`` asks for facet counts under the current query."""
        check_page_params(request)
        search = Search.from_params(request.query_params, request.user)
        if search.errors:
            raise exceptions.ValidationError({"non_field_errors": search.errors})
        facet_codes = self._facet_codes(request)
        context = self.get_serializer_context()
        extra: dict = {}
        if wants_cursor(request):
            queryset = (
                search.queryset(request.user)
                .select_related("region", "city")
                .prefetch_related(*PREFETCH)
            )
            page = self.paginate_queryset(queryset)
            data = EnterpriseSerializer(page, many=True, context=context).data
            response = self.get_paginated_response(data)
            if facet_codes:
                search.page, search.page_size = 1, 1
                response.data["facets"] = self._facets(
                    run(search, request.user), facet_codes
                )
            return response
        result = run(search, request.user, with_facets=bool(facet_codes))
        if search.page > result.num_pages:
            raise exceptions.NotFound(_("Invalid page."))
        prefetch_related_objects(result.rows, *PREFETCH)
        url = request.build_absolute_uri()
        next_url = (
            replace_query_param(url, "page", search.page + 1)
            if result.has_next
            else None
        )
        previous_url = None
        if result.has_previous:
            previous_url = (
                replace_query_param(url, "page", search.page - 1)
                if search.page > 2
                else remove_query_param(url, "page")
            )
        extra["count_estimated"] = result.estimated
        extra["counts"] = result.counts
        extra["homophones"] = result.homophones
        extra["dropped_words"] = result.dropped
        extra["suggestions"] = result.suggestions
        if facet_codes:
            extra["facets"] = self._facets(result, facet_codes)
            extra["facets_estimated"] = [
                FACETS[code] for code in facet_codes if result.facet_estimated(code)
            ]
        return Response(
            {
                "count": result.total,
                **extra,
                "next": next_url,
                "previous": previous_url,
                "results": EnterpriseSerializer(
                    result.rows, many=True, context=context
                ).data,
            }
        )

    def _facet_codes(self, request) -> list[str]:
        """The facets asked for; one this client may not use is unknown to it."""
        raw = request.query_params.get("facets", "")
        names = [n.strip() for n in raw.split(",") if n.strip()]
        if not re.fullmatch(r"[a-z_]*(?:,[a-z_]+)*", raw):
            raise exceptions.ValidationError(
                {"facets": [_("Give filter names separated by commas.")]}
            )
        usable = usable_facets(request.user)
        known = {p: c for p, c in FACET_PARAMS.items() if c in usable}
        if names == ["all"]:
            return list(known.values())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise exceptions.ValidationError(
                {
                    "facets": [
                        _("Unknown filter name: %(names)s. Known: %(known)s.")
                        % {
                            "names": ", ".join(unknown),
                            "known": ", ".join(known),
                        }
                    ]
                }
            )
        return [known[n] for n in dict.fromkeys(names)]

    def _facets(self, result, codes: list[str]) -> dict:
        labeller = Labeller()
        return {
            FACETS[code]: [
                {
                    "value": f.value,
                    "label": labeller.label(code, f.value),
                    "count": f.count,
                    "selected": f.selected,
                }
                for f in result.facets.get(code, [])
            ]
            for code in codes
        }
