"""One format for money, scores and moments: the functions, their template filters, and a check
that the portal's page templates use them rather than formatting by hand."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import formats as django_formats
from django.utils import translation

from calls.models import OpenCall
from portal.formats import amount, brussels, eur, score
from tests.factories import EuroclusterFactory, UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# E-mails are plain text composed elsewhere; the agreement PDF has its own layout and helper.
NOT_PAGES = ("email", "payments/agreement")

WINTER = datetime(2026, 12, 5, 12, 6, 5, tzinfo=UTC)  # 13:06:05 in Brussels (CET)
SUMMER = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 the next day in Brussels (CEST)


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("20000"), "EUR 20,000.00"),
    (Decimal("20000.00"), "EUR 20,000.00"),
    (3600, "EUR 3,600.00"),
    (Decimal("1234567.5"), "EUR 1,234,567.50"),
    (Decimal("999.999"), "EUR 1,000.00"),
    (Decimal("0.005"), "EUR 0.01"),
    (Decimal("0"), "EUR 0.00"),
    (Decimal("-20000.01"), "EUR -20,000.01"),
    ("60000.00", "EUR 60,000.00"),
    (None, ""),
    ("", ""),
])
def test_eur(value, expected):
    assert eur(value) == expected


def test_amount_is_the_sum_without_its_currency():
    assert amount(Decimal("20000")) == "20,000.00"
    assert amount(None) == ""


@pytest.mark.parametrize(("value", "step", "expected"), [
    (Decimal("3.50"), None, "3.5"),
    (Decimal("4"), None, "4.0"),
    (4, Decimal("0.5"), "4.0"),
    (Decimal("0"), Decimal("0.5"), "0.0"),
    (Decimal("12.75"), Decimal("0.5"), "12.75"),
    (Decimal("4.375"), Decimal("0.5"), "4.38"),
    (Decimal("3"), Decimal("1"), "3"),
    (Decimal("3.50"), Decimal("1"), "3.5"),
    (Decimal("3"), Decimal("0.25"), "3.00"),
    (Decimal("1234.5"), None, "1,234.5"),
    (None, None, ""),
])
def test_score_shows_the_decimals_of_the_step(value, step, expected):
    assert score(value, step) == expected


@pytest.mark.parametrize(("moment", "options", "expected"), [
    (WINTER, {}, "5 December 2026, 13:06"),
    (WINTER, {"seconds": True}, "5 December 2026, 13:06:05"),
    (WINTER, {"date_only": True}, "5 December 2026"),
    (SUMMER, {}, "2 July 2026, 00:30"),
    (SUMMER, {"date_only": True}, "2 July 2026"),
    (date(2027, 1, 9), {}, "9 January 2027"),
    (None, {}, ""),
])
def test_brussels(moment, options, expected):
    assert brussels(moment, **options) == expected


def test_brussels_ignores_the_active_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    assert brussels(WINTER) == "5 December 2026, 13:06"


def render(source: str, **context) -> str:
    return Template("{% load portal_format %}" + source).render(Context(context))


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ x|eur }}", "EUR 20,000.00"),
    ("{{ x|amount }}", "20,000.00"),
    ("{{ s|score }}", "3.5"),
    ("{{ s|score:step }}", "3.5"),
    ("{{ t|score:step }}", "4.0"),
    ("{{ m|brussels }}", "5 December 2026, 13:06"),
    ('{{ m|brussels:"date" }}', "5 December 2026"),
    ('{{ m|brussels:"seconds" }}', "5 December 2026, 13:06:05"),
    ('{{ missing|brussels:"date"|default:"–" }}', "–"),
    ("{{ missing|eur|default:'–' }}", "–"),
])
def test_filters(source, expected):
    assert render(source, x=Decimal("20000"), s=Decimal("3.50"), t=Decimal("4.00"),
                  step=Decimal("0.5"), m=WINTER) == expected


def test_brussels_filter_refuses_an_unknown_variant():
    with pytest.raises(TemplateSyntaxError):
        render('{{ m|brussels:"long" }}', m=WINTER)


def test_the_admin_writes_dates_day_month_year_on_a_24_hour_clock():
    with translation.override("en"):
        assert django_formats.date_format(WINTER, "DATETIME_FORMAT") == "5 December 2026, 12:06"
        assert django_formats.date_format(WINTER.date(), "DATE_FORMAT") == "5 December 2026"


# --- the templates use the filters --------------------------------------------------------------

HAND_MADE = {
    "money formatted by hand (use |eur or |amount)": re.compile(
        r"\|\s*floatformat:[\"']?[02][\"']?(?![\d])|\|\s*intcomma"),
    # A date written by hand; the machine format ("c") and a time of day alone are fine.
    "a moment formatted by hand (use |brussels)": re.compile(
        r"\|\s*date:\s*[\"'](?!c[\"']|H:i)"),
    "a score formatted by hand (use |score)": re.compile(
        r"(score|total|threshold|lowest|highest)\|floatformat"),
}
# "EUR" written before a value that is not formatted by |amount (a bare name is a blocktrans
# placeholder, formatted where the blocktrans binds it).
EUR_BY_HAND = re.compile(
    r"EUR\s*(?:<[^>]*>)?\s*\{\{(?!\s*\w+\s*\}\})(?![^}]*\|\s*amount\s*\}\})[^}]*\}\}")


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES).as_posix()
        if not relative.startswith(NOT_PAGES):
            yield relative, path.read_text()


def test_page_templates_format_through_the_filters():
    found = [f"{name}: {what}: {match.group(0)!r}"
             for name, text in page_templates()
             for what, pattern in HAND_MADE.items()
             for match in pattern.finditer(text)]
    found += [f"{name}: EUR before an unformatted value: {match.group(0)!r}"
              for name, text in page_templates() for match in EUR_BY_HAND.finditer(text)]
    assert found == []


def test_the_check_sees_hand_made_formats():
    """The patterns above catch what the pages used to do (so a pass means something)."""
    samples = ['EUR {{ a.amount|floatformat:2|intcomma }}', "{{ x|floatformat:0|intcomma }}",
               'EUR <span id="t">{{ total|floatformat:2 }}</span>',
               '{{ moment|date:"j F Y, H:i" }}', "{{ s.score|floatformat:\"-2\" }}"]
    for sample in samples:
        assert any(p.search(sample) for p in [*HAND_MADE.values(), EUR_BY_HAND]), sample
    assert EUR_BY_HAND.search("EUR {{ page.total }}")
    for fine in ["{{ moment|date:'c' }}", 'EUR <span id="t">{{ total|amount }}</span>',
                 "{{ total|eur }}", '{{ c.weight|floatformat:"-2" }}',
                 '{{ run.finished_at|date:"H:i:s" }}', "EUR {{ cap }}"]:
        assert not any(p.search(fine) for p in [*HAND_MADE.values(), EUR_BY_HAND]), fine


# --- the admin ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_admin_lists_a_budget_and_shows_a_moment_as_the_pages_do(client):
    eurocluster = EuroclusterFactory(cascade_budget=Decimal("1050000"))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:euroclusters_eurocluster_changelist")).content.decode()
    assert "EUR 1,050,000.00" in page and "1050000.00" not in page
    call = OpenCall.objects.create(
        eurocluster=eurocluster, reference="EC-OC1", title="Vouchers", slug="ec-oc1",
        summary="Vouchers.", opens_at=WINTER, closes_at=WINTER.replace(year=2027),
        budget=Decimal("100000"))
    page = client.get(reverse("admin:calls_opencall_change", args=[call.pk])).content.decode()
    # The record's creation time, read-only: "5 December 2026, 13:06"-style, not "Dec. 5, 2026".
    assert brussels(call.created_at) in page
