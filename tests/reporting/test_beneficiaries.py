import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Organisation
from calls.models import OpenCall
from payments.models import GrantAgreement
from reporting.csv_export import csv_lines, neutralise
from reporting.models import PublicationWithholding
from tests.applications.test_views import ORG_POST
from tests.factories import EuroclusterFactory, OpenCallFactory, UserFactory
from tests.payments.factories import IBAN_BE, results_call
from tests.reporting.conftest import beneficiary

pytestmark = pytest.mark.django_db

LIST = reverse("reporting:beneficiaries")
CSV = reverse("reporting:beneficiaries_csv")
JSON = reverse("reporting:beneficiaries_json")


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def names(client, **params) -> list[str]:
    return [row["enterprise"] for row in client.get(JSON, params).json()["beneficiaries"]]


def test_the_list_shows_the_public_fields_of_a_countersigned_beneficiary(client, published):
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Brabant Vision BV", "Belgium", published.application.call.eurocluster.acronym,
                 "DREAM-OC1", "Innovation voucher", "Smart welding cell (SWELD)",
                 "A vision-guided welding cell.", "20,000.00", "<td>2026</td>"):
        assert text in html


def test_nothing_personal_is_published(client, published):
    organisation = published.application.organisation
    user = organisation.user
    outputs = [client.get(LIST).content.decode(), client.get(JSON).content.decode(),
               b"".join(client.get(CSV).streaming_content).decode()]
    for output in outputs:
        assert "Brabant Vision BV" in output
        for secret in (user.email, user.full_name, IBAN_BE, "BE68", organisation.street,
                       organisation.registration_number, "Marie Manager"):
            assert secret not in output


def test_only_countersigned_and_closed_agreements_are_listed(client, call_a):
    for status, name in ((GrantAgreement.Status.GENERATED, "Generated SA"),
                         (GrantAgreement.Status.SIGNED_BY_BENEFICIARY, "Signed SA"),
                         (GrantAgreement.Status.DECLINED, "Declined SA"),
                         (GrantAgreement.Status.COUNTERSIGNED, "Countersigned SA"),
                         (GrantAgreement.Status.CLOSED, "Closed SA")):
        beneficiary(call_a, legal_name=name, status=status)
    assert sorted(names(client)) == ["Closed SA", "Countersigned SA"]


def test_natural_persons_and_withheld_beneficiaries_are_not_listed(client, call_a, manager_a):
    beneficiary(call_a, legal_name="Jan Peeters (sole trader)", is_natural_person=True)
    withheld = beneficiary(call_a, legal_name="Secret Defence NV")
    PublicationWithholding.objects.create(agreement=withheld, reason="x" * 20,
                                          withheld_by=manager_a.user)
    beneficiary(call_a, legal_name="Open Robotics BV")
    assert names(client) == ["Open Robotics BV"]
    html = client.get(LIST).content.decode()
    assert "Jan Peeters" not in html and "Secret Defence" not in html
    assert [row[0] for row in csv_rows(client.get(CSV))] == ["Enterprise", "Open Robotics BV"]


@pytest.fixture
def spread(call_a, eurocluster_b):
    """Three beneficiaries over two Euroclusters, two calls, two countries and two years."""
    call_b = results_call(eurocluster=eurocluster_b, reference="SEE-1", slug="see-1")
    beneficiary(call_a, legal_name="A 2025 BE", country="BE",
                countersigned_at=datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC))
    beneficiary(call_a, legal_name="A 2026 FR", country="FR",
                countersigned_at=datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC))
    beneficiary(call_b, legal_name="B 2026 BE", country="BE",
                countersigned_at=datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.UTC))
    return call_a, call_b


def test_filters_by_eurocluster_call_country_and_year(client, spread, eurocluster_a):
    call_a, call_b = spread
    # Newest countersignature first.
    assert names(client) == ["B 2026 BE", "A 2026 FR", "A 2025 BE"]
    assert names(client, eurocluster=eurocluster_a.slug) == ["A 2026 FR", "A 2025 BE"]
    assert names(client, call=call_b.slug) == ["B 2026 BE"]
    assert names(client, country="BE") == ["B 2026 BE", "A 2025 BE"]
    # 31 Dec 2025 23:30 UTC is 1 Jan 2026 in Brussels: the year is Brussels time's.
    assert names(client, year=2026) == ["B 2026 BE", "A 2026 FR", "A 2025 BE"]
    assert names(client, year=2025) == []
    assert names(client, country="BE", eurocluster=eurocluster_a.slug) == ["A 2025 BE"]
    html = client.get(LIST, {"country": "FR"}).content.decode()
    assert "A 2026 FR" in html and "B 2026 BE" not in html
    assert [r[0] for r in csv_rows(client.get(CSV, {"call": call_b.slug}))] == [
        "Enterprise", "B 2026 BE"]


@pytest.mark.parametrize(("params", "message"), [
    ({"eurocluster": "nope"}, "There is no such Eurocluster."),
    ({"call": "no-such-call"}, "There is no such public call."),
    ({"country": "ZZ"}, "Give a country as its two-letter ISO code, such as BE."),
    ({"year": "abc"}, "Give a year as four digits, such as 2026."),
    ({"year": "1999"}, "Give a year between 2000 and 2100."),
])
def test_a_bad_filter_is_a_clear_400_not_a_500(client, published, params, message):
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Brabant Vision BV" not in response.content.decode()
    response = client.get(JSON, params)
    assert response.status_code == 400
    assert list(response.json()["errors"].values()) == [[message]]
    response = client.get(CSV, params)
    assert response.status_code == 400
    assert response.content.decode() == message


def test_a_draft_call_is_no_filter(client, published, eurocluster_a):
    draft = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    response = client.get(JSON, {"call": draft.slug})
    assert response.status_code == 400


def test_the_json_rows_have_their_documented_keys(client, published):
    data = client.get(JSON).json()
    assert data == {"count": 1, "page": 1, "pages": 1, "page_size": 100, "next": None,
                    "previous": None, "beneficiaries": [{
        "enterprise": "Brabant Vision BV", "country": "BE",
        "eurocluster": published.application.call.eurocluster.acronym,
        "eurocluster_name": published.application.call.eurocluster.name,
        "call_reference": "DREAM-OC1", "call_title": "DREAM innovation vouchers",
        "voucher_type": "Innovation voucher", "project_acronym": "SWELD",
        "project_title": "Smart welding cell", "summary": "A vision-guided welding cell.",
        "amount": "20000.00", "currency": "EUR", "year": 2026,
        "countersigned_on": "2026-03-10",
    }]}


def test_the_csv_has_a_header_and_one_row_per_beneficiary(client, published):
    response = client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="beneficiaries.csv"'
    assert csv_rows(response) == [
        ["Enterprise", "Country", "Eurocluster", "Call", "Voucher type", "Acronym", "Project",
         "Summary", "Amount (EUR)", "Year"],
        ["Brabant Vision BV", "BE", published.application.call.eurocluster.acronym, "DREAM-OC1",
         "Innovation voucher", "SWELD", "Smart welding cell", "A vision-guided welding cell.",
         "20000.00", "2026"],
    ]


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Acme", "Acme"),
    ("a=b", "a=b"), ("", ""), (None, ""), (Decimal("5.00"), "5.00"),
])
def test_formula_cells_are_neutralised(value, written):
    assert neutralise(value) == written


def test_a_formula_in_an_enterprise_name_reaches_the_csv_as_text(client, call_a):
    beneficiary(call_a, legal_name="=cmd|' /C calc'!A0")
    rows = csv_rows(client.get(CSV))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert "".join(csv_lines(["h"], [["-2+3"]])) == "h\r\n'-2+3\r\n"


def test_a_long_summary_is_shortened(client, call_a):
    beneficiary(call_a, summary="word " * 100)
    summary = client.get(JSON).json()["beneficiaries"][0]["summary"]
    assert len(summary) == 300 and summary.endswith("…")


def test_the_list_is_paginated_by_50(client, call_a):
    for number in range(51):
        beneficiary(call_a, legal_name=f"Enterprise {number:02d}",
                    countersigned_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
                    + datetime.timedelta(hours=number))
    first = client.get(LIST).content.decode()
    assert "Enterprise 50" in first and "Enterprise 01" in first and "Enterprise 00" not in first
    assert "Page 1 of 2" in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "Enterprise 00" in second and "Enterprise 01" not in second
    # Out of range: the last page, not an error.
    assert client.get(LIST, {"page": 9}).status_code == 200
    assert len(client.get(JSON).json()["beneficiaries"]) == 51  # the API's pages hold 100


def test_the_json_is_paginated_with_absolute_links(client, call_a, settings):
    """Five beneficiaries, two a page: three pages, newest first; the filters stay in the
    links, which are absolute on PORTAL_SITE_URL (the test client asks "testserver")."""
    settings.BENEFICIARIES_API_PAGE_SIZE = 2
    settings.PORTAL_SITE_URL = "https://grants.example.eu"
    for number in range(5):
        beneficiary(call_a, legal_name=f"Enterprise {number}",
                    countersigned_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
                    + datetime.timedelta(hours=number))
    first = client.get(JSON, {"country": "BE"}).json()
    base = "https://grants.example.eu/api/beneficiaries.json?country=BE&page="
    assert ({key: first[key] for key in ("count", "page", "pages", "page_size", "next",
                                         "previous")}
            == {"count": 5, "page": 1, "pages": 3, "page_size": 2, "next": base + "2",
                "previous": None})
    assert [row["enterprise"] for row in first["beneficiaries"]] == [
        "Enterprise 4", "Enterprise 3"]
    second = client.get(JSON, {"country": "BE", "page": "2"}).json()
    assert (second["next"], second["previous"]) == (base + "3", base + "1")
    assert [row["enterprise"] for row in second["beneficiaries"]] == [
        "Enterprise 2", "Enterprise 1"]
    last = client.get(JSON, {"country": "BE", "page": "3"}).json()
    assert (last["next"], last["previous"], last["count"]) == (None, base + "2", 5)
    assert [row["enterprise"] for row in last["beneficiaries"]] == ["Enterprise 0"]


def test_an_empty_list_is_one_empty_page(client, db):
    assert client.get(JSON).json() == {"count": 0, "page": 1, "pages": 1, "page_size": 100,
                                       "next": None, "previous": None, "beneficiaries": []}


@pytest.mark.parametrize(("page", "status", "message"), [
    ("two", 400, "The page must be a whole number."), ("2", 404, "There is no such page."),
    ("0", 404, "There is no such page."), ("-1", 404, "There is no such page."),
])
def test_a_page_that_does_not_exist_is_refused(client, published, page, status, message):
    response = client.get(JSON, {"page": page})
    assert (response.status_code, response.json()) == (status, {"errors": {"page": [message]}})


def _queries(client, django_assert_num_queries, params):
    # Filter options (Euroclusters, calls, countries, years), the count and the page; one more
    # for each model filter that is validated.
    with django_assert_num_queries(6 + sum(1 for key in params if key in ("eurocluster", "call"))):
        assert client.get(LIST, params).status_code == 200


@pytest.mark.parametrize("params", [{}, {"country": "BE", "year": "2026"}])
def test_the_list_has_a_fixed_number_of_queries(client, call_a, eurocluster_a,
                                                django_assert_num_queries, params):
    beneficiary(call_a)
    _queries(client, django_assert_num_queries, params)
    _queries(client, django_assert_num_queries, {**params, "eurocluster": eurocluster_a.slug,
                                                 "call": call_a.slug})
    other = EuroclusterFactory()
    for number in range(12):
        beneficiary(results_call(eurocluster=other) if number % 4 == 0 else call_a,
                    legal_name=f"Enterprise {number}", country="BE")
    _queries(client, django_assert_num_queries, params)
    _queries(client, django_assert_num_queries, {**params, "eurocluster": eurocluster_a.slug,
                                                 "call": call_a.slug})
    with django_assert_num_queries(2):  # the count and the page
        assert len(json.loads(client.get(JSON).content)["beneficiaries"]) == 13


@pytest.mark.parametrize("size", [1, 7])
def test_the_json_has_a_fixed_number_of_queries(client, call_a, settings, size,
                                                django_assert_num_queries):
    settings.BENEFICIARIES_API_PAGE_SIZE = 3
    for number in range(size):
        beneficiary(call_a, legal_name=f"Enterprise {number}")
    with django_assert_num_queries(2):  # the count and the page
        data = client.get(JSON).json()
    assert (data["count"], len(data["beneficiaries"])) == (size, min(size, 3))


def test_the_enterprise_form_asks_whether_it_is_a_natural_person(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("applications:organisation")).content.decode()
    assert 'name="is_natural_person"' in page and "Sole trader / natural person" in page
    assert client.post(reverse("applications:organisation"),
                       {**ORG_POST, "is_natural_person": "on"}).status_code == 302
    assert Organisation.objects.get(user=user).is_natural_person is True
