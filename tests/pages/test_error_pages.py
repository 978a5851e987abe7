"""Error answers: a page in the site's style for a person's browser (footer, a way home), a
short plain or JSON line for podcast apps, scripts and API callers."""

from __future__ import annotations

import lxml.html
import pytest
from support.catalog_factory import Catalog

from publisher.services import services_of

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Mode": "navigate"}


@pytest.fixture
def catalog(app, mp3_file) -> Catalog:  # type: ignore[no-untyped-def]
    return Catalog(services_of(app), mp3_file)


def styled(response) -> lxml.html.HtmlElement:  # type: ignore[no-untyped-def]
    """The page, after checking it is one of ours: HTML, uncached, with a footer and a way home."""
    assert response.content_type.startswith("text/html")
    assert response.headers["Cache-Control"] == "no-store"
    doc = lxml.html.fromstring(response.data)
    assert doc.xpath("//footer//a[@href='/terms']") and doc.xpath("//main//a[@href='/']")
    assert doc.xpath("//footer")[0].text_content().strip().endswith("Love TV")
    return doc


def test_a_browser_gets_a_styled_404_with_a_way_home(client, catalog) -> None:
    response = client.get("/no/such/page", headers=BROWSER)
    assert response.status_code == 404
    doc = styled(response)
    assert doc.xpath("//h1")[0].text_content() == "We couldn't find that page"
    assert "Not Found" not in response.get_data(as_text=True)


def test_a_members_only_episode_page_answers_exactly_like_an_unknown_one(client, catalog) -> None:
    members_only = client.get(f"/episodes/{catalog.first.guid}", headers=BROWSER)
    unknown = client.get("/episodes/00000000-0000-0000-0000-000000000000", headers=BROWSER)
    assert members_only.status_code == unknown.status_code == 404
    assert members_only.data == unknown.data  # nothing tells the two apart
    styled(members_only)


def test_apps_and_scripts_keep_a_short_answer(client, catalog) -> None:
    plain = client.get("/no/such/page", headers={"Accept": "*/*"})
    assert (plain.status_code, plain.mimetype, plain.get_data(as_text=True)) == (
        404,
        "text/plain",
        "not found\n",
    )
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert (api.status_code, api.get_json()) == (404, {"error": "not found"})
    media = client.get("/media/teaser/00000000-0000-0000-0000-000000000000.mp3")
    assert media.status_code == 404 and media.mimetype == "text/plain"


def test_a_wrong_method_keeps_its_allow_header(client, catalog) -> None:
    answer = client.delete("/account/sign-in", headers={"Accept": "*/*"})
    assert answer.status_code == 405 and "POST" in answer.headers["Allow"]
    assert answer.get_data(as_text=True) == "method not allowed\n"
    page = client.delete("/account/sign-in", headers=BROWSER)
    assert page.status_code == 405 and "POST" in page.headers["Allow"]
    styled(page)
