"""Tranches of an agreement: created from the call's schedule to the cent, made due by events."""

from decimal import Decimal

import pytest

from calls.models import TrancheStep
from payments.models import Tranche
from payments.services.beneficiary import ScheduleInvalid, tranches_create, tranches_on_event
from portal.audit import audit_trail
from tests.payments.factories import agreement_row, results_call, selected_application

pytestmark = pytest.mark.django_db
D = Decimal
E = TrancheStep.Event
SCHEDULE_3 = ((40, "agreement_countersigned"), (45, "interim_report_approved"),
              (15, "final_report_approved"))


def _agreement(tranches=SCHEDULE_3, amount="20000.01"):
    call = results_call(tranches=tranches)
    application = selected_application(call)
    return agreement_row(application, status="countersigned", amount=D(amount))


def test_tranches_of_40_45_15_of_an_odd_amount_add_up_exactly(manager_a):
    agreement = _agreement(amount="33333.33")
    tranches = tranches_create(agreement=agreement, by=manager_a.user)
    assert [(t.position, t.percentage, t.event, t.amount, t.status) for t in tranches] == [
        (1, D("40.00"), E.AGREEMENT_COUNTERSIGNED, D("13333.33"), Tranche.Status.PLANNED),
        (2, D("45.00"), E.INTERIM_REPORT_APPROVED, D("15000.00"), Tranche.Status.PLANNED),
        (3, D("15.00"), E.FINAL_REPORT_APPROVED, D("5000.00"), Tranche.Status.PLANNED),
    ]
    assert sum(t.amount for t in Tranche.objects.filter(agreement=agreement)) == D("33333.33")


def test_50_50_of_an_odd_cent_gives_the_cent_to_the_first(manager_a):
    agreement = _agreement(tranches=((50, "agreement_countersigned"),
                                     (50, "final_report_approved")))
    amounts = [t.amount for t in tranches_create(agreement=agreement, by=manager_a.user)]
    assert amounts == [D("10000.01"), D("10000.00")]


def test_tranches_create_is_idempotent_and_audited_once(manager_a):
    agreement = _agreement()
    first = tranches_create(agreement=agreement, by=manager_a.user)
    second = tranches_create(agreement=agreement, by=manager_a.user)
    assert [t.pk for t in first] == [t.pk for t in second]
    assert Tranche.objects.filter(agreement=agreement).count() == 3
    entries = [e for e in audit_trail(agreement) if e.action == "tranches_created"]
    assert len(entries) == 1
    assert entries[0].data["total"] == "20000.01"
    assert [t["amount"] for t in entries[0].data["tranches"]] == ["8000.00", "9000.00",
                                                                 "3000.01"]


def test_a_call_without_schedule_pays_one_tranche_at_countersign(manager_a):
    agreement = _agreement(tranches=())
    tranches = tranches_create(agreement=agreement, by=manager_a.user)
    assert [(t.percentage, t.event, t.amount) for t in tranches] == [
        (D("100.00"), E.AGREEMENT_COUNTERSIGNED, D("20000.01"))]


def test_a_schedule_not_adding_up_to_100_is_refused(manager_a):
    agreement = _agreement(tranches=((50, "agreement_countersigned"),
                                     (40, "final_report_approved")))
    with pytest.raises(ScheduleInvalid, match="90.00 %, not 100 %"):
        tranches_create(agreement=agreement, by=manager_a.user)
    assert not Tranche.objects.filter(agreement=agreement).exists()


@pytest.mark.parametrize(("event", "due_positions"), [
    (E.AGREEMENT_COUNTERSIGNED, [1]),
    (E.INTERIM_REPORT_APPROVED, [2]),
    (E.FINAL_REPORT_APPROVED, [3]),
])
def test_an_event_makes_only_its_tranches_due(manager_a, event, due_positions):
    agreement = _agreement()
    tranches_create(agreement=agreement, by=manager_a.user)
    moved = tranches_on_event(agreement=agreement, event=event, by=manager_a.user)
    assert [t.position for t in moved] == due_positions
    due = Tranche.objects.filter(agreement=agreement, status=Tranche.Status.DUE)
    assert [t.position for t in due] == due_positions
    assert all(t.due_at is not None for t in due)
    assert Tranche.objects.filter(agreement=agreement, status=Tranche.Status.PLANNED,
                                  due_at__isnull=True).count() == 2


def test_tranches_on_event_twice_changes_nothing_the_second_time(manager_a):
    agreement = _agreement()
    tranches_create(agreement=agreement, by=manager_a.user)
    first = tranches_on_event(agreement=agreement, event=E.AGREEMENT_COUNTERSIGNED,
                              by=manager_a.user)
    due_at = Tranche.objects.get(pk=first[0].pk).due_at
    assert tranches_on_event(agreement=agreement, event=E.AGREEMENT_COUNTERSIGNED,
                             by=manager_a.user) == []
    assert Tranche.objects.get(pk=first[0].pk).due_at == due_at
    transitions = [e for e in audit_trail(first[0]) if e.action == "transition"]
    assert [(e.from_state, e.to_state) for e in transitions] == [("planned", "due")]


def test_an_unknown_event_is_refused(manager_a):
    agreement = _agreement()
    with pytest.raises(ValueError, match="Unknown tranche event"):
        tranches_on_event(agreement=agreement, event="paid_in_advance", by=manager_a.user)
