"""The permission matrix (NetBox's ``ViewTestCases`` is the model): every URL pattern
of ``config.urls`` (through every include, the API router and the admin), requested
with GET by a visitor, another enterprise's user, a member (the owner of an
unpublished enterprise) and staff.

Path parameters come from ``FILLERS``, by parameter name and then by what the URL's
name is about (``enterprise`` in ``enterprises:enterprise-edit``). A pattern with a
parameter no filler serves fails ``test_every_url_pattern_has_its_parameters``, so
a new URL joins the matrix by itself; its filler says who may see the object.

For every pattern and user:
* nothing answers 5xx;
* a visitor on a private page is sent to a login page (the API answers 401 or 403);
* an object the user may not see is a 404 (or a 405 where nobody may GET the URL),
  and staff pages are a 404 for everyone but staff;
* staff get every page (so the fillers are real objects);
* a response to a user who may not see them never contains the unpublished
  enterprise's name, its relations or its values, nor the hidden fields' values of
  the published one (its contacts, members-only fields and revenue band), nor the
  claim or the import of someone else.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.permissions import IsAuthenticated

from accounts.signup import signup_token
from accounts.tokens import api_token_create
from clusters.models import Designation
from colleges.models import College, Partnership
from enterprises.choices import RevenueBand
from enterprises.models import ChangeRecord
from imports.jobs import import_job_check, import_job_create
from inquiries.models import Inquiry
from markets.models import Market, Tenancy
from moderation.models import Claim
from moderation.services.changes import change_request_submit
from moderation.services.invitations import invitation_create
from programmes.models import Award, Event, Participation, Programme
from surveys.services import figures_record, submission_save
from surveys.statistics import statistics_refresh
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
)
from tests.imports.helpers import csv_bytes, row, uscc
from tests.surveys.helpers import figures, open_survey

ANON, OTHER, OWNER, STAFF = "anonymous", "other", "owner", "staff"
USERS = (ANON, OTHER, OWNER, STAFF)
EVERYONE = frozenset(USERS)

# URL names (prefixes) of staff pages: a 404 for everyone else.
STAFF_ONLY = (
    "review",
    "metrics",
    "dashboard:",
    "imports:",
    "enterprises:enterprise-invite",
    "enterprises:enterprise-history-revert",
    "enterprises:enterprise-merge",
    "enterprises:enterprise-verify",
    "surveys:survey-list",
    "surveys:survey-detail",
    "surveys:survey-edit",
    "surveys:submission-review",
    "surveys:figures-",
)
# Patterns that answer 404 by design (the API's catch-all, the admin's).
NOT_FOUND_BY_DESIGN = ("api/v1/^", "admin/(?P<url>.*)$")
# Documents every field's choices (the revenue bands among them), for everyone.
SCHEMA = ("api:schema", "api:docs")

# A distinctive value for each hidden thing, and who may see it.
DRAFT = {  # the unpublished enterprise: its owner and staff
    "name": "矩阵草稿企业有限公司",
    "name_en": "Matrix Draft Works Ltd",
    "contact_person": "草稿联系人甲",
    "contact_phone": "0411-7770001",
    "contact_email": "draft-secret@matrix.test",
    "monthly_capacity": "草稿月产能一万件",
}
DRAFT_RELATIONS = ["草稿企业特别奖", "草稿企业荣誉称号", "草稿提案产品说明"]
PUBLIC = {"name": "矩阵公开企业有限公司", "name_en": "Matrix Public Works Ltd"}
PUBLIC_MEMBERS = {  # members tier: not for visitors
    "contact_person": "公开联系人乙",
    "monthly_capacity": "公开月产能九千件",
    "wechat": "matrix-wechat-public",
}
PUBLIC_STAFF = {  # contacts not published: staff only
    "contact_phone": "0411-7770002",
    "contact_email": "public-hidden@matrix.test",
}
CLAIM = {  # the other user's claim: the claimant and staff
    "contact_name": "认领人丙",
    "contact_phone": "0411-7770003",
    "contact_email": "claimant@matrix.test",
}
IMPORT_ROW = "矩阵导入企业有限公司"  # in a staff import: staff only
REVENUE = "gt500m"  # the members-only band of both enterprises


# --- The URL patterns -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, through its includes
    name: str  # namespaced URL name ("" if unnamed)
    params: tuple[str, ...]
    callback: Any = field(compare=False)

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} {self.route}"

    @property
    def subject(self) -> str:
        """What fillers are chosen by: the URL name (without its namespace) and
        pattern."""
        return f"{self.name.rpartition(':')[2]} {self.route}"

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def private(self) -> bool:
        """Signed-in users only (LoginRequiredMiddleware; DRF: IsAuthenticated)."""
        if self.is_admin:
            return True
        cls = getattr(self.callback, "cls", None)
        if cls is not None and hasattr(cls, "permission_classes"):
            return any(issubclass(p, IsAuthenticated) for p in cls.permission_classes)
        return getattr(self.callback, "login_required", True)


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _walk(resolver, route="", namespace=(), params=()):
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        found = (*params, *_params(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from _walk(entry, here, inner, found)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespace, entry.name)) if entry.name else ""
            yield Route(here, name, tuple(dict.fromkeys(found)), entry.callback)


ROUTES = list(dict.fromkeys(_walk(get_resolver())))
# Lists are asked once more with these queries (facet counts, a search).
QUERIES = {
    "enterprises:enterprise-list": ["?q=矩阵", f"?revenue={REVENUE}"],
    "enterprises:typeahead": ["?q=矩阵"],
    "api:enterprise-list": ["?facets=all", f"?q=矩阵&revenue={REVENUE}&facets=all"],
}
# Where the pattern alone does not say which address it answers.
ADDRESSES = {"api/v1/^": "/api/v1/no-such-endpoint/"}
PARAMETER = re.compile(r"<(?:[^>:]+:)?(\w+)>|\(\?P<(\w+)>[^()]*(?:\([^()]*\)[^()]*)*\)")


def address(route: Route, kwargs: dict[str, Any]) -> str:
    """The address of ``route`` with ``kwargs``: reversed by name, or written out
    from the pattern of an unnamed one."""
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    if route.route in ADDRESSES:
        return ADDRESSES[route.route]
    path = PARAMETER.sub(lambda m: str(kwargs[m.group(1) or m.group(2)]), route.route)
    return "/" + path.replace("^", "").replace("$", "")


# --- The objects the parameters name --------------------------------------------------


class World:
    """The objects of the matrix (attributes set by ``_build_world``)."""

    clients: dict[str, Client]
    draft: Any
    draft_url: str


ADMIN_OBJECT = object()  # the first object of the model an admin URL is about
OWNERS = frozenset({OWNER, STAFF})
# Path parameter -> what the URL's name is about (the longest key it contains; ""
# fits every URL) -> its values, each with who may see it.
FILLERS = {
    "pk": {
        "enterprise": lambda w: [(w.draft.pk, OWNERS), (w.public.pk, EVERYONE)],
        # The history record belongs to the draft (the revert page of a record
        # under another enterprise is a 404 for staff too).
        "enterprise-history-revert": lambda w: [(w.draft.pk, OWNERS)],
        "change-request": lambda w: [(w.change_request.pk, OWNERS)],
        "claim": lambda w: [(w.claim.pk, frozenset({OTHER, STAFF}))],
        "import": lambda w: [(w.job.pk, frozenset({STAFF}))],
        "api-token": lambda w: [(w.token.pk, frozenset({OWNER}))],
        "designation": lambda w: [(w.designation.pk, OWNERS)],
        "region": lambda w: [("211481", EVERYONE)],
        # Sent by the other user to the public enterprise: the sender and staff.
        "inquiry": lambda w: [(w.inquiry.pk, frozenset({OTHER, STAFF}))],
        "duplicate": lambda w: [(w.duplicate.pk, frozenset({STAFF}))],
        "submission": lambda w: [(w.submission.pk, frozenset({STAFF}))],
    },
    "merge_pk": {"enterprise-merge": lambda w: [(w.merge.pk, frozenset({STAFF}))]},
    # The open survey: its staff pages, the owner's answer of the draft enterprise;
    # its statistics (of a year not published) for staff only.
    "year": {
        "survey": lambda w: [(2025, frozenset({STAFF}))],
        "survey-fill": lambda w: [(2025, OWNERS)],
        "report": lambda w: [(2025, frozenset({STAFF}))],
    },
    "enterprise_id": {
        "survey-fill": lambda w: [(w.draft.pk, OWNERS)],
        "figures": lambda w: [(w.draft.pk, frozenset({STAFF}))],
    },
    "code": {"statistics-area": lambda w: [("211400", EVERYONE)]},
    "record_pk": {"enterprise-history": lambda w: [(w.record.pk, OWNERS)]},
    "slug": {
        kind: (lambda w, kind=kind: [(getattr(w, kind).slug, EVERYONE)])
        for kind in ("cluster", "college", "market", "programme", "event")
    },
    "name": {"chart": lambda w: [("sector", EVERYONE)]},
    "kind": {
        "": lambda w: [("enterprises", EVERYONE)],
        "statistics-csv": lambda w: [("county", EVERYONE)],
    },
    "fmt": {"": lambda w: [("csv", EVERYONE)]},
    "format": {"": lambda w: [("json", EVERYONE)]},
    # An invitation's link opens it for whoever holds it (it names the published
    # enterprise: the invitee learns whom the invitation is for).
    "token": {
        "invitation": lambda w: [(w.invitation_token, EVERYONE)],
        "password_reset": lambda w: [(w.reset_token, EVERYONE)],
        "signup-verify": lambda w: [(w.signup_token, EVERYONE)],
    },
    "uidb64": {"password_reset": lambda w: [(w.reset_uid, EVERYONE)]},
    # The admin site (Django's is_staff; others get its login page).
    "app_label": {"admin": lambda w: [("enterprises", EVERYONE)]},
    "object_id": {
        "view_on_site": lambda w: [(w.draft.pk, OWNERS)],
        "admin": lambda w: [(ADMIN_OBJECT, EVERYONE)],
    },
    "content_type_id": {"view_on_site": lambda w: [(w.draft_type, OWNERS)]},
    "id": {"admin": lambda w: [(w.users[OWNER].pk, EVERYONE)]},
    "url": {"admin": lambda w: [("no-such-page/", EVERYONE)]},
}


def _build_world() -> World:
    cluster = ClusterFactory(slug="matrix-cluster", name="矩阵集群")
    owner_membership = MembershipFactory(
        enterprise=EnterpriseFactory(
            published=False,
            clusters=[cluster],
            revenue_band=REVENUE,
            contact_visibility="public",  # published contacts, of a draft
            uscc=uscc(70),
            **DRAFT,
        )
    )
    draft, owner = owner_membership.enterprise, owner_membership.user
    public = EnterpriseFactory(
        clusters=[cluster],
        revenue_band=REVENUE,
        contact_visibility="staff",
        uscc=uscc(71),
        **PUBLIC,
        **PUBLIC_MEMBERS,
        **PUBLIC_STAFF,
    )
    other = MembershipFactory(
        enterprise=EnterpriseFactory(name="他家企业有限公司")
    ).user
    staff = StaffFactory()
    users = {OTHER: other, OWNER: owner, STAFF: staff}

    designation = Designation.objects.create(
        kind="honour", title=DRAFT_RELATIONS[1], awarding_body="协会", enterprise=draft
    )
    Designation.objects.create(
        kind="honour", title="公开企业荣誉", awarding_body="协会", enterprise=public
    )
    market = Market.objects.create(
        slug="matrix-market", name="矩阵市场", region_id="210100", cluster=cluster
    )
    college = College.objects.create(
        slug="matrix-college", name="矩阵学院", kind="university", region_id="210200"
    )
    programme = Programme.objects.create(
        slug="matrix-programme", kind="heritage", name="矩阵计划"
    )
    event = Event.objects.create(
        slug="matrix-event",
        kind="competition",
        programme=programme,
        name="矩阵大赛",
        starts_on="2025-06-01",
        ends_on="2025-06-02",
    )
    for stall, enterprise, prize in (
        ("M-1", draft, DRAFT_RELATIONS[0]),
        ("M-2", public, "公开企业金奖"),
    ):
        Tenancy.objects.create(market=market, enterprise=enterprise, stall=stall)
        Partnership.objects.create(
            college=college, enterprise=enterprise, kind="internship"
        )
        Participation.objects.create(
            programme=programme, enterprise=enterprise, event=event, year=2025
        )
        Award.objects.create(event=event, title=prize, enterprise=enterprise)

    change_request = change_request_submit(
        actor=owner, enterprise=draft, changes={"products": DRAFT_RELATIONS[2]}
    )
    record = ChangeRecord.objects.create(
        enterprise=draft, actor=staff, origin="staff", changes={"moq": ["", "100"]}
    )
    claim = Claim(
        user=other,
        enterprise=public,
        relationship="总经理",
        uscc=public.uscc,
        **CLAIM,
    )
    claim.proof.save("proof.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    claim.save()
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name=IMPORT_ROW, uscc=uscc(72))]),
        file_name="matrix.csv",
        enqueue=False,
    )
    job = import_job_check(job_id=job.pk)
    survey = open_survey(year=2025)
    submission = submission_save(
        actor=owner,
        survey=survey,
        enterprise=draft,
        values=figures(),
        submit=True,
    )
    figures_record(
        actor=staff,
        enterprise_id=draft.pk,
        year=2025,
        values=figures(),
        source="staff",
    )
    statistics_refresh()
    token, _key = api_token_create(actor=owner, name="matrix")
    _invitation, invitation_token = invitation_create(
        actor=staff, enterprise=public, email="invitee@matrix.test", site_url="/"
    )

    inquiry = Inquiry.objects.create(
        sender=other, enterprise=public, subject="矩阵询盘", message="矩阵询盘内容"
    )
    newcomer = User.objects.create_user(
        "newcomer@matrix.test", "newcomer@matrix.test", is_active=False
    )
    from enterprises.merging import enterprise_merge
    from moderation.models import DuplicatePair

    low, high = sorted([draft.pk, public.pk])
    duplicate = DuplicatePair.objects.create(
        low_id=low, high_id=high, reasons=["name"], score=80
    )
    merge = enterprise_merge(
        actor=staff, source=EnterpriseFactory(name="矩阵重复企业"), target=public
    )

    clients = {ANON: Client()}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    users[ANON] = None
    w = World()
    w.__dict__.update(
        users=users,
        clients=clients,
        draft=draft,
        draft_url=draft.get_absolute_url(),
        draft_type=ContentType.objects.get_for_model(draft).pk,
        public=public,
        cluster=cluster,
        college=college,
        market=market,
        programme=programme,
        event=event,
        designation=designation,
        change_request=change_request,
        record=record,
        duplicate=duplicate,
        merge=merge,
        claim=claim,
        job=job,
        submission=submission,
        token=token,
        invitation_token=invitation_token,
        inquiry=inquiry,
        signup_token=signup_token(newcomer),
        reset_token=default_token_generator.make_token(owner),
        reset_uid=urlsafe_base64_encode(force_bytes(owner.pk)),
    )
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The objects, built once for the module and rolled back after it (each test
    runs in its own savepoint inside)."""
    from core.models import Region
    from core.regions import load_regions

    with django_db_blocker.unblock(), transaction.atomic():
        load_regions(Region)
        yield _build_world()
        transaction.set_rollback(True)


def _choices(route: Route, param: str, world) -> list[tuple[Any, frozenset]] | None:
    """The filler values of ``param`` for ``route`` (see FILLERS)."""
    by_entity = FILLERS.get(param, {})
    fitting = [key for key in by_entity if key in route.subject]
    if not fitting:
        return None
    return by_entity[max(fitting, key=len)](world)


def _admin_object(route: Route):
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        if route.name.startswith(f"admin:{app}_{name}_") or route.route.startswith(
            f"admin/{app}/{name}/"
        ):
            first = model._default_manager.order_by("pk").first()
            return first.pk if first else 0
    return 0


@dataclass
class Case:
    url: str
    seen_by: frozenset


def cases(route: Route, world) -> list[Case]:
    options = []
    for param in route.params:
        found = _choices(route, param, world)
        assert found, f"no filler for <{param}> of {route}"
        options.append([(param, value, seen) for value, seen in found])
    out = []
    for combination in itertools.product(*options):
        kwargs = {
            p: (_admin_object(route) if v is ADMIN_OBJECT else v)
            for p, v, _s in combination
        }
        seen = EVERYONE.intersection(*(s for _p, _v, s in combination))
        url = address(route, kwargs)
        out += [Case(url + query, seen) for query in ["", *QUERIES.get(route.name, [])]]
    return out


# --- What each user may get --------------------------------------------------------


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def hidden_from(who: str, route: Route, world: World) -> list[str]:
    """Values ``who`` may not see anywhere."""
    hidden: list[str] = []
    if who not in (OWNER, STAFF):
        hidden += [*DRAFT.values(), *DRAFT_RELATIONS, f'href="{world.draft_url}"']
    if who != STAFF:
        hidden += [*PUBLIC_STAFF.values(), IMPORT_ROW]
    if who not in (OTHER, STAFF):
        hidden += CLAIM.values()
    if who == ANON:
        hidden += PUBLIC_MEMBERS.values()
        if route.name not in SCHEMA:
            hidden.append(REVENUE)
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    hidden.append(str(RevenueBand(REVENUE).label))
    return hidden


NEXT = re.compile(r"[?&]next=[^\"'&\s]*|name=\"next\" value=\"[^\"]*\"")


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response.get("Location", "")


def problems(route: Route, case: Case, who: str, response, staff_status: int, world):
    status = response.status_code
    found = []
    if status >= 500:
        found.append(f"answers {status}")
    seen = who in case.seen_by
    staff_only = who != STAFF and route.name.startswith(STAFF_ONLY)
    if route.is_admin and who != STAFF:
        # Django's admin (is_staff) sends everyone else to its login page.
        if not (status == 302 or (route.name == "admin:login" and status == 200)):
            found.append(f"gets {status} from the admin, not its login page")
    elif who == ANON and route.private:
        if route.is_api:
            if status not in (401, 403):
                found.append(f"visitor gets {status}, not 401/403")
        elif not _is_login_redirect(response):
            found.append(f"visitor gets {status}, not a redirect to log in")
    elif not seen or staff_only:
        if not (status == 404 or (status == 405 and staff_status == 405)):
            found.append(f"gets {status} for an object it may not see (not 404)")
    elif (
        who == STAFF
        and not route.is_admin
        and route.route not in NOT_FOUND_BY_DESIGN
        and status not in (200, 301, 302, 405)
    ):
        found.append(f"staff get {status}: does the filler name a real object?")
    # The login link and the language switch carry the address asked for (next):
    # not a value shown.
    body = NEXT.sub("", _body(response))
    for value in hidden_from(who, route, world):
        if value in body:
            found.append(f"shows {value!r}")
    return [f"{route} as {who} at {case.url}: {p}" for p in found]


# --- The tests -----------------------------------------------------------------------


def test_the_matrix_covers_the_whole_site():
    names = {r.name for r in ROUTES}
    for expected in (
        "enterprises:enterprise-detail",
        "enterprises:enterprise-edit",
        "api:enterprise-detail",
        "api:market-tenants",
        "programmes:event-detail",
        "imports:export",
        "review-claim-proof",
        "admin:index",
    ):
        assert expected in names
    assert len(ROUTES) > 150


def test_every_url_pattern_has_its_parameters(world):
    missing = []
    for route in ROUTES:
        try:
            cases(route, world)
        except (AssertionError, KeyError) as exc:
            missing.append(f"{route}: {exc}")
    assert not missing, "add a filler to FILLERS:\n" + "\n".join(missing)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_permission_matrix(db, world, route):
    found = []
    for case in cases(route, world):
        responses = {who: world.clients[who].get(case.url) for who in USERS}
        staff_status = responses[STAFF].status_code
        for who, response in responses.items():
            found += problems(route, case, who, response, staff_status, world)
    assert not found, "\n".join(found)
