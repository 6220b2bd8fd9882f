"""Survey pages, statistics pages, exports and the API: who sees what."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import EnterpriseFigures, Submission, Survey
from surveys.services import figures_record, submission_save
from surveys.statistics import statistics_refresh
from tests.factories import EnterpriseFactory, UserFactory
from tests.surveys.helpers import figures, open_survey

pytestmark = pytest.mark.django_db


def test_me_lists_the_open_survey_for_each_enterprise(client, owner, owned):
    open_survey()
    client.force_login(owner)
    page = client.get(reverse("me")).content.decode()
    assert 'id="my-surveys"' in page
    assert reverse("surveys:survey-fill", args=[2025, owned.pk]) in page


def test_fill_draft_and_submit_through_the_page(client, owner, owned):
    open_survey()
    client.force_login(owner)
    url = reverse("surveys:survey-fill", args=[2025, owned.pk])
    data = {"revenue": "1200", "output": "1100", "employees": "80"}
    assert client.post(url, {**data, "action": "draft"}).status_code == 302
    assert Submission.objects.get().status == "draft"
    data["export_jp"] = "5"
    bad = client.post(url, {**data, "action": "submit"})  # split, no export value
    assert bad.status_code == 400
    assert Submission.objects.get().status == "draft"
    data["exports"] = "10"
    assert client.post(url, {**data, "action": "submit"}).status_code == 302
    assert Submission.objects.get().status == "submitted"


def test_a_refused_answer_lists_its_errors_at_the_top(client, owner, owned):
    open_survey()
    client.force_login(owner)
    url = reverse("surveys:survey-fill", args=[2025, owned.pk])
    bad = client.post(url, {"revenue": "lots", "employees": "80", "action": "submit"})
    page = bad.content.decode()
    start = page.index("data-error-summary")
    summary = page[start : page.index("</ul>", start)]
    assert 'href="#id_revenue"' in summary
    assert not Submission.objects.exists()


def test_another_users_enterprise_is_404(client, owned):
    open_survey()
    client.force_login(UserFactory())
    url = reverse("surveys:survey-fill", args=[2025, owned.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"revenue": "1", "action": "draft"}).status_code == 404
    assert not Submission.objects.exists()


def test_anonymous_is_sent_to_login(client, owned):
    open_survey()
    for url in (
        reverse("surveys:survey-fill", args=[2025, owned.pk]),
        reverse("surveys:survey-list"),
        reverse("surveys:survey-detail", args=[2025]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_staff_pages_are_404_for_enterprise_users(client, owner, owned):
    survey = open_survey()
    submission = submission_save(
        actor=owner, survey=survey, enterprise=owned, values=figures(), submit=True
    )
    client.force_login(owner)
    for url in (
        reverse("surveys:survey-list"),
        reverse("surveys:survey-detail", args=[2025]),
        reverse("surveys:submission-review", args=[2025, submission.pk]),
        reverse("surveys:figures-entry", args=[owned.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("surveys:submission-review", args=[2025, submission.pk]),
        {"action": "accept"},
    )
    assert response.status_code == 404
    assert not EnterpriseFigures.objects.exists()


def test_staff_accept_and_return_through_the_review_page(client, staff, owner, owned):
    survey = open_survey()
    submission = submission_save(
        actor=owner, survey=survey, enterprise=owned, values=figures(), submit=True
    )
    client.force_login(staff)
    url = reverse("surveys:submission-review", args=[2025, submission.pk])
    assert client.post(url, {"action": "return", "comment": ""}).status_code == 400
    assert client.post(url, {"action": "accept"}).status_code == 302
    assert EnterpriseFigures.objects.get().source == "survey"
    assert client.post(url, {"action": "accept"}).status_code == 400  # decided


def test_staff_create_a_survey_with_bad_dates_is_refused(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("surveys:survey-list"),
        {
            "year": "2025",
            "opens_on": "2026-03-01",
            "closes_on": "2026-02-01",
            "status": "open",
        },
    )
    assert response.status_code == 400
    assert not Survey.objects.exists()


def _published_figures():
    Survey.objects.create(
        year=2025, opens_on="2026-01-01", closes_on="2026-03-31", status="published"
    )
    Survey.objects.create(
        year=2026, opens_on="2027-01-01", closes_on="2027-03-31", status="open"
    )
    secret = EnterpriseFactory(name="保密泳装有限公司", region_id="210203")
    for year in (2025, 2026):
        for n in range(3):
            e = EnterpriseFactory(region_id="211481")
            figures_record(
                actor=None,
                enterprise_id=e.pk,
                year=year,
                values=figures(revenue=Decimal(1000 + n)),
                source="staff",
            )
        figures_record(
            actor=None,
            enterprise_id=secret.pk,
            year=year,
            values=figures(revenue=Decimal("987654")),
            source="staff",
        )
    statistics_refresh()


def test_public_statistics_show_published_years_and_suppress(client):
    _published_figures()
    page = client.get(reverse("surveys:statistics"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "987,654" not in text and "987654" not in text  # one firm in its county
    assert client.get(reverse("surveys:statistics") + "?year=2026").status_code == 404
    assert client.get(reverse("surveys:statistics") + "?year=x").status_code == 404
    csv = b"".join(
        client.get(reverse("surveys:statistics-csv", args=["county"])).streaming_content
    ).decode("utf-8-sig")
    assert "987654" not in csv and "2026" not in csv
    assert "211481" in csv


def test_api_statistics_follow_the_same_rule(api, staff_api):
    _published_figures()
    rows = api.get("/api/v1/statistics/", {"county": "210203"}).json()
    assert [(r["year"], r["suppressed"], r["revenue"]) for r in rows] == [
        (2025, True, None)
    ]
    staff_rows = staff_api.get("/api/v1/statistics/", {"county": "210203"}).json()
    assert {r["year"] for r in staff_rows} == {2025, 2026}
    assert all(r["revenue"] == "987654.0" for r in staff_rows)
    assert api.get("/api/v1/statistics/", {"year": "x"}).status_code == 400


def test_report_page_and_workbook(client):
    _published_figures()
    page = client.get(reverse("surveys:report", args=[2025]))
    assert page.status_code == 200
    assert client.get(reverse("surveys:report", args=[2026])).status_code == 404
    response = client.get(reverse("surveys:report-xlsx", args=[2025]))
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6
    counties = book.worksheets[4]
    values = [[c.value for c in row] for row in counties.iter_rows()]
    by_code = {row[1]: row for row in values[1:]}
    assert by_code["211481"][3] == 3  # enterprises, a number
    assert by_code["211481"][5] == 3003.0  # revenue 1000 + 1001 + 1002
    assert by_code["210203"][5] is None  # suppressed


def test_import_template_of_survey_figures(client, staff):
    client.force_login(staff)
    response = client.get(reverse("imports:import-template", args=["survey", "csv"]))
    header = b"".join(response).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("年份 / Year,企业编号 / Enterprise ID,")
    assert "出口额（日本） / Exports: Japan" in header


def test_statistics_map_can_be_shaded_by_each_figure(client):
    _published_figures()
    page = client.get(reverse("surveys:statistics") + "?figure=employees")
    city_map = page.context["city_map"]
    assert [f["key"] for f in city_map["figures"]][0] == "employees"
    huludao = next(c for c in city_map["cities"] if c["code"] == "211400")
    assert huludao["values"]["revenue"] == 3003.0
    assert all(c["code"] != "210200" for c in city_map["cities"])  # suppressed
