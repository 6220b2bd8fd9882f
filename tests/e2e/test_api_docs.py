"""The Swagger UI at /api/v1/docs/ renders under the site's CSP with assets from
this origin only."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_from_this_origin(live_server, page, console_errors):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(live_server.url + "/api/v1/docs/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Liaoning Textile Directory API"
    )
    expect(page.locator('[data-path="/api/v1/enterprises/"]').first).to_be_visible()
    assert requests and all(url.startswith(live_server.url) for url in requests)
    assert console_errors == []
