import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import OpenCall
from portal.formats import brussels
from reporting.ical import Event, calendar, escape_text, fold, utc
from tests.factories import EuroclusterFactory, OpenCallFactory, VoucherTypeFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
UPDATED = datetime.datetime(2026, 11, 2, 8, 15, tzinfo=datetime.UTC)


def _call(eurocluster, reference, status, opens_in, closes_in, **kwargs):
    now = timezone.now().replace(microsecond=0)
    call = OpenCallFactory(eurocluster=eurocluster, reference=reference,
                           slug=reference.lower(), title=f"Vouchers {reference}", status=status,
                           opens_at=now + datetime.timedelta(days=opens_in),
                           closes_at=now + datetime.timedelta(days=closes_in),
                           summary="Vouchers; for SMEs, in manufacturing.", **kwargs)
    OpenCall.objects.filter(pk=call.pk).update(updated_at=UPDATED, created_at=UPDATED)
    call.refresh_from_db()
    return call


@pytest.fixture
def calls():
    dream = EuroclusterFactory(acronym="DREAM", name="DREAM Eurocluster", slug="dream")
    see = EuroclusterFactory(acronym="SEE", name="Silicon Europe", slug="see")
    S = OpenCall.Status
    open_call = _call(dream, "DREAM-OC1", S.OPEN, -10, 20, budget=Decimal("300000"))
    VoucherTypeFactory(call=open_call, name="Innovation voucher", number_of_vouchers=10)
    forthcoming = _call(see, "SEE-OC2", S.PUBLISHED, 5, 40)
    _call(dream, "DREAM-OLD", S.RESULTS, -60, -20)
    _call(dream, "DREAM-DRAFT", S.DRAFT, 1, 30)
    return open_call, forthcoming


def test_the_atom_feed_lists_open_and_forthcoming_calls(client, calls):
    open_call, forthcoming = calls
    response = client.get(reverse("reporting:calls_atom"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.find(f"{ATOM}title").text == "Eurocluster open calls"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "DREAM-OC1 · Vouchers DREAM-OC1", "SEE-OC2 · Vouchers SEE-OC2"]
    first = entries[0]
    assert first.find(f"{ATOM}id").text == "urn:eurocluster-portal:call:DREAM-OC1"
    assert first.find(f"{ATOM}link").get("href") == "http://testserver/calls/dream-oc1/"
    assert first.find(f"{ATOM}updated").text == "2026-11-02T08:15:00+00:00"
    assert first.find(f"{ATOM}author/{ATOM}name").text == "DREAM Eurocluster"
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["DREAM", "Open"]
    assert [c.get("term") for c in entries[1].findall(f"{ATOM}category")] == [
        "SEE", "Forthcoming"]
    summary = first.find(f"{ATOM}summary").text
    assert summary.startswith("Vouchers; for SMEs, in manufacturing. Opens ")
    assert summary.endswith("(Brussels time).")
    assert "DRAFT" not in response.content.decode() and "DREAM-OLD" not in response.content.decode()


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_the_calendar_has_one_event_per_deadline(client, calls):
    open_call, forthcoming = calls
    response = client.get(reverse("reporting:calls_ics"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    lines = unfold(text)
    assert lines[:6] == ["BEGIN:VCALENDAR", "VERSION:2.0",
                         "PRODID:-//Eurocluster portal//Open calls//EN", "CALSCALE:GREGORIAN",
                         "METHOD:PUBLISH", "X-WR-CALNAME:Eurocluster open calls: deadlines"]
    assert lines[-1] == "END:VCALENDAR"
    events = [lines[i + 1:lines.index("END:VEVENT", i)] for i, line in enumerate(lines)
              if line == "BEGIN:VEVENT"]
    assert len(events) == 2
    first = dict(line.split(":", 1) for line in events[0])
    assert first == {
        "UID": f"call-{open_call.pk}-deadline@testserver",
        "DTSTAMP": "20261102T081500Z",
        "DTSTART": open_call.closes_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "SUMMARY": "Deadline: DREAM-OC1 · Vouchers DREAM-OC1",
        "DESCRIPTION": "Vouchers\\; for SMEs\\, in manufacturing. Deadline "
                       + escape_text(brussels(open_call.closes_at, seconds=True))
                       + " (Brussels time).",
        "URL": "http://testserver/calls/dream-oc1/",
        "CATEGORIES": "DREAM",
        "TRANSP": "TRANSPARENT",
    }
    assert dict(line.split(":", 1) for line in events[1])["UID"] == (
        f"call-{forthcoming.pk}-deadline@testserver")


def test_calendar_text_is_escaped_and_folded_at_75_octets():
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    assert fold("x" * 75) == "x" * 75
    assert fold("x" * 76) == "x" * 75 + "\r\n x"
    # 74 octets on a continuation line; a two-octet character is never split.
    assert fold("x" * 74 + "é" + "y" * 80) == "x" * 74 + "\r\n é" + "y" * 72 + "\r\n " + "y" * 8
    with pytest.raises(ValueError):
        utc(datetime.datetime(2026, 1, 1))
    cet = datetime.timezone(datetime.timedelta(hours=1))
    assert utc(datetime.datetime(2026, 1, 15, 17, 0, tzinfo=cet)) == "20260115T160000Z"
    text = calendar(events=[Event(uid="u@x", start=UPDATED, stamp=UPDATED, summary="S, T")],
                    prodid="-//x//y//EN", name="N")
    assert text == ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n"
                    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:N\r\n"
                    "BEGIN:VEVENT\r\nUID:u@x\r\nDTSTAMP:20261102T081500Z\r\n"
                    "DTSTART:20261102T081500Z\r\nSUMMARY:S\\, T\r\nTRANSP:TRANSPARENT\r\n"
                    "END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_the_calls_json_lists_every_public_call_with_documented_keys(client, calls):
    open_call, forthcoming = calls
    data = client.get(reverse("reporting:calls_json")).json()
    assert data["count"] == 3
    assert [c["reference"] for c in data["calls"]] == ["DREAM-OLD", "DREAM-OC1", "SEE-OC2"]
    iso = lambda m: m.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    assert data["calls"][1] == {
        "reference": "DREAM-OC1", "title": "Vouchers DREAM-OC1",
        "url": "http://testserver/calls/dream-oc1/", "eurocluster": "DREAM",
        "eurocluster_name": "DREAM Eurocluster",
        "summary": "Vouchers; for SMEs, in manufacturing.", "phase": "open",
        "opens_at": iso(open_call.opens_at), "closes_at": iso(open_call.closes_at),
        "budget": "300000.00", "currency": "EUR",
        "voucher_types": [{"name": "Innovation voucher", "min_amount": "10000.00",
                           "max_amount": "30000.00", "number_of_vouchers": 10}],
    }
    assert [c["phase"] for c in data["calls"]] == ["closed", "open", "forthcoming"]


@pytest.mark.parametrize(("params", "references"), [
    ({"phase": "open"}, ["DREAM-OC1"]), ({"phase": "forthcoming"}, ["SEE-OC2"]),
    ({"phase": "closed"}, ["DREAM-OLD"]), ({"eurocluster": "see"}, ["SEE-OC2"]),
    ({"eurocluster": "dream", "phase": "closed"}, ["DREAM-OLD"]),
])
def test_the_calls_json_filters(client, calls, params, references):
    data = client.get(reverse("reporting:calls_json"), params).json()
    assert [c["reference"] for c in data["calls"]] == references


def test_a_bad_calls_filter_is_a_400_with_its_message(client, calls):
    response = client.get(reverse("reporting:calls_json"), {"phase": "draft", "eurocluster": "x"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"eurocluster": ["There is no such Eurocluster."],
                                          "phase": ["The phase is forthcoming, open or closed."]}}


def test_draft_calls_never_appear_in_any_feed(client, calls):
    for name in ("calls_atom", "calls_ics", "calls_json"):
        assert "DREAM-DRAFT" not in client.get(reverse(f"reporting:{name}")).content.decode()


def test_the_feeds_have_a_fixed_number_of_queries(client, calls, django_assert_num_queries):
    # The calls with their Eurocluster, and their voucher types.
    for name in ("calls_atom", "calls_ics", "calls_json"):
        with django_assert_num_queries(2):
            client.get(reverse(f"reporting:{name}"))
