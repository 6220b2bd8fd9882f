"""The English UI shows no Chinese and the Chinese UI no English where the site
writes the words: the edit form's selects (the county selector, the blank choice),
the college and market lists' columns, a change request's proposed values
(labels and dates in the reader's language, not codes), and the names of the
fields on the history, a change request and /me/: the field registry's labels
("Products (Chinese)", as the profile form has them), not field codes or
lowercase verbose names ("products")."""

import re

import pytest
from django.urls import reverse

from colleges.models import College
from enterprises.models import ChangeRecord
from enterprises.services import enterprise_update
from markets.models import Market
from moderation.services.changes import change_request_submit
from tests.factories import MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
OPTION = re.compile(r"<option[^>]*>([^<]*)</option>")


def _options(client, enterprise, language):
    html = client.get(
        reverse("enterprises:enterprise-edit", args=[enterprise.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    return OPTION.findall(html)


def test_edit_form_selects_are_english_in_english(client):
    member = MembershipFactory()
    client.force_login(member.user)
    options = _options(client, member.enterprise, "en")
    assert any("Xingcheng" in o for o in options)  # the county selector
    assert [o for o in options if HAN.search(o)] == []
    assert "- Select an option -" in options


def test_edit_form_selects_are_chinese_in_chinese(client):
    member = MembershipFactory()
    client.force_login(member.user)
    options = _options(client, member.enterprise, "zh-hans")
    assert any("兴城市" in o for o in options)
    assert not any("Select an option" in o for o in options)
    assert "- 请选择 -" in options


def test_college_and_market_lists_use_the_readers_language(client):
    College.objects.create(
        slug="c",
        name="辽东学院",
        name_en="Eastern Liaoning University",
        kind=College.Kind.choices[0][0],
        school="服装与纺织学院",
        school_en="School of Garments and Textiles",
        region_id="210602",
    )
    Market.objects.create(
        slug="m",
        name="西柳服装市场",
        name_en="Xiliu Garment Market",
        region_id="210381",
        specialty="服装批发",
        specialty_en="Garment wholesale",
    )
    for url, english, chinese in (
        (reverse("colleges:college-list"), "School of Garments", "服装与纺织学院"),
        (reverse("markets:market-list"), "Garment wholesale", "服装批发"),
    ):
        en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert english in en and chinese not in en
        assert chinese in zh and english not in zh


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["100–299 employees", "Japan, South Korea", "valid until Oct. 1, 2027"]),
        ("zh-hans", ["100–299 人", "日本、韩国", "有效期至 2027年10月1日"]),
    ],
)
def test_a_change_request_shows_labels_and_dates_not_codes(client, language, labels):
    member = MembershipFactory(enterprise__employee_band="20-99")
    request = change_request_submit(
        actor=member.user,
        enterprise=member.enterprise,
        changes={
            "employee_band": "100-299",
            "is_exporter": True,
            "export_markets": ["JP", "KR"],
            "certifications": [
                {
                    "scheme": "iso9001",
                    "certificate_no": "",
                    "valid_from": None,
                    "valid_until": "2027-10-01",
                }
            ],
        },
    )
    client.force_login(StaffFactory())
    html = client.get(
        reverse("review-change-request", args=[request.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    table = html[html.index("<tbody") : html.index("</tbody>")]
    for label in labels:
        assert label in table, label
    for code in ("100-299", "iso9001", "2027-10-01", ">JP"):
        assert code not in table, code


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (
            "en",
            {
                "products": "Products (Chinese)",
                "employee_band": "Employees",
                "moq": "Minimum order quantity",
            },
        ),
        (
            "zh-hans",
            {"products": "产品（中文）", "employee_band": "员工人数", "moq": "起订量"},
        ),
    ],
)
def test_history_and_change_requests_name_fields_by_their_labels(
    client, language, labels
):
    member = MembershipFactory(enterprise__employee_band="20-99")
    staff = StaffFactory()
    enterprise_update(
        actor=staff,
        enterprise=member.enterprise,
        changes={"products": "泳装", "employee_band": "100-299"},
        origin=ChangeRecord.Origin.STAFF,
    )
    request = change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"moq": "500件"}
    )
    client.force_login(staff)

    def page(url):
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    history = page(
        reverse("enterprises:enterprise-history", args=[member.enterprise.pk])
    )
    shown = dict(
        re.findall(r'<li data-field="(\w+)"><strong>([^<]*)</strong>', history)
    )
    assert shown == {f: labels[f] for f in ("products", "employee_band")}
    review = page(reverse("review-change-request", args=[request.pk]))
    assert re.findall(r'<tr data-field="moq"[^>]*>\s*<td>([^<]*)<br>', review) == [
        labels["moq"]
    ]
    client.force_login(member.user)
    me = page(reverse("me"))
    separator = ", " if language == "en" else "、"
    assert (
        f"{labels['products']}{separator}{labels['employee_band']}" in me
        or f"{labels['employee_band']}{separator}{labels['products']}" in me
    )
    assert f"<td>{labels['moq']}</td>" in me


@pytest.mark.parametrize(
    ("language", "name"), [("en", "Xingcheng Swimwear"), ("zh-hans", "兴城泳装")]
)
def test_history_shows_a_clusters_name_not_its_slug(client, language, name):
    from tests.factories import ClusterFactory

    ClusterFactory(slug="swim", name="兴城泳装", name_en="Xingcheng Swimwear")
    member = MembershipFactory()
    enterprise_update(
        actor=StaffFactory(),
        enterprise=member.enterprise,
        changes={"clusters": ["swim"]},
        origin=ChangeRecord.Origin.STAFF,
    )
    client.force_login(member.user)
    history = client.get(
        reverse("enterprises:enterprise-history", args=[member.enterprise.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    change = re.search(r'<li data-field="clusters">(.*?)</li>', history).group(1)
    assert f"<ins>{name}</ins>" in change or f'">{name}</span></ins>' in change
    assert ">swim<" not in change
