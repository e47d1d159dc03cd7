"""The manager's dashboard (issue 10, item 1) against a hand-counted fixture: three calls of one
Eurocluster and one call of another, whose figures must never show.

Call R (results published, budget 500,000, tranches 40/40/20):
  a1 contracted 20,000 (countersigned; tranche 1 of 8,000 paid, tranche 2 due, tranche 3
     failed; a final report waiting for review; a pending change of bank details), BE
  a2 selected 15,000, agreement signed by the beneficiary (to countersign), DE
  a3 reserve 12,000, BE;  a4 rejected 18,000 with an open redress request, BE
  all four with an eligible result.
Call E (in evaluation, budget 500,000, evaluation deadline in 2 days), 20,000 each:
  b1 submitted, result needing review;  b2 not eligible (v1 eligible, v2 not: the latest counts), FR
  b3 under evaluation, two submitted reviews (ready for consensus)
  b4 under evaluation, one review not submitted yet (due within 3 days)
  b5 withdrawn (left the call)
  one evaluator invited who has not answered; a computed draft ranking (to approve).
Call O (open, budget 100,000): c1 draft 20,000; c2 submitted 30,000 (check pending), micro
  enterprise, a "Green voucher".
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationVersion,
    EligibilityResult,
    RelatedEnterprise,
)
from calls.models import OpenCall, VoucherType
from euroclusters.models import Eurocluster, Membership, Objective
from evaluation.models import CallEvaluator, Ranking, RedressRequest
from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    ProgressReport,
    Tranche,
)
from portal.formats import BRUSSELS
from reporting.dashboard.selectors import dashboard
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
    VoucherTypeFactory,
    complete_application,
)
from tests.payments.factories import (
    BIC_BE,
    IBAN_BE,
    agreement_row,
    results_call,
    selected_application,
    tranche_rows,
)
from tests.reporting.conftest import beneficiary

pytestmark = pytest.mark.django_db
D = Decimal
Outcome = EligibilityResult.Outcome
# session; its user with her memberships and the bell's unread count (euroclusters.backends); the
# Euroclusters, the calls; the ledger (3); the funnel (4); the curves of the open calls (2); who
# applies (2: grouped, and those with related enterprises, whose prefetch adds one when there are
# some); the manager's queue (5) or the finance officer's (2, and 2 of the menu's permission
# check); for a superuser both and the portal summary (calls and ledger: 4).
QUERIES_DASHBOARD = {"manager": 20, "finance": 19, "superuser": 26}
QUERIES_CALL = 19


def versioned(application: Application, *outcomes: str) -> Application:
    """One submitted version per outcome, each with its eligibility result (the last is the
    latest)."""
    for number, outcome in enumerate(outcomes, start=1):
        version = ApplicationVersion.objects.create(
            application=application, number=number, submitted_at=timezone.now(),
            submitted_by=application.created_by, content={}, sha256="0" * 64,
            receipt_code=f"R-{application.pk}-{number}")
        EligibilityResult.objects.create(version=version, outcome=outcome,
                                         automatic_outcome=outcome)
    return application


def set_country(application: Application, country: str) -> None:
    organisation = application.organisation
    organisation.country = country
    organisation.save(update_fields=["country"])


def call_r(eurocluster, tag=""):
    call = results_call(eurocluster=eurocluster, reference=f"DASH-R{tag}", slug=f"dash-r{tag}",
                        tranches=((40, "agreement_countersigned"), (40, "interim_report_approved"),
                                  (20, "final_report_approved")))
    a1 = versioned(beneficiary(call, amount=D("20000.00")).application, Outcome.ELIGIBLE)
    agreement = a1.agreement
    paid, due, failed = tranche_rows(agreement)
    Tranche.objects.filter(pk=paid.pk).update(status=Tranche.Status.PAID)
    Tranche.objects.filter(pk=due.pk).update(status=Tranche.Status.DUE)
    Tranche.objects.filter(pk=failed.pk).update(status=Tranche.Status.FAILED)
    account = a1.organisation.bank_accounts.get()
    batch = PaymentBatch.objects.create(eurocluster=eurocluster, reference=f"B-DASH-{call.pk}",
                                        created_by=account.created_by,
                                        status=PaymentBatch.Status.SENT,
                                        sent_at=timezone.now())
    Payment.objects.create(tranche=paid, batch=batch, bank_account=account, amount=paid.amount,
                           status=Payment.Status.PAID, end_to_end_id=f"E2E-DASH-{call.pk}",
                           bank_reference="BNK-1", settled_at=timezone.now())
    ProgressReport.objects.create(agreement=agreement, kind=ProgressReport.Kind.FINAL,
                                  status=ProgressReport.Status.SUBMITTED,
                                  submitted_at=timezone.now())
    BankAccount.objects.create(organisation=a1.organisation, status=BankAccount.Status.PENDING,
                               holder="New holder", iban=IBAN_BE, bic=BIC_BE,
                               created_by=a1.organisation.user)
    a2 = versioned(selected_application(call, requested_amount=D("15000")), Outcome.ELIGIBLE)
    set_country(a2, "DE")
    agreement_row(a2, status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    versioned(eligible_application(call, status=Application.Status.RESERVE,
                                   requested_amount=D("12000")), Outcome.ELIGIBLE)
    a4 = versioned(eligible_application(call, status=Application.Status.REJECTED,
                                        requested_amount=D("18000")), Outcome.ELIGIBLE)
    RedressRequest.objects.create(application=a4, filed_by=a4.created_by, reasons="Unfair.")
    return call


def call_e(eurocluster, tag=""):
    call = closed_call(eurocluster=eurocluster, reference=f"DASH-E{tag}", slug=f"dash-e{tag}",
                       budget=D("500000"),
                       evaluation_deadline=timezone.now() + timedelta(days=2))
    Status = Application.Status
    versioned(eligible_application(call, status=Status.SUBMITTED), Outcome.NEEDS_REVIEW)
    b2 = versioned(eligible_application(call, status=Status.INELIGIBLE), Outcome.ELIGIBLE,
                   Outcome.INELIGIBLE)
    set_country(b2, "FR")
    b3 = versioned(eligible_application(call, status=Status.UNDER_EVALUATION), Outcome.ELIGIBLE)
    for _ in range(2):
        submitted_review(AssignmentFactory(application=b3), [4, 4, 4])
    b4 = versioned(eligible_application(call, status=Status.UNDER_EVALUATION), Outcome.ELIGIBLE)
    AssignmentFactory(application=b4)
    versioned(eligible_application(call, status=Status.WITHDRAWN), Outcome.ELIGIBLE)
    CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED, responded_at=None,
                         declaration_accepted_at=None)
    Ranking.objects.create(call=call, computed_at=timezone.now())
    return call


def call_o(eurocluster, tag=""):
    call = OpenCallFactory(eurocluster=eurocluster, reference=f"DASH-O{tag}", slug=f"dash-o{tag}",
                           budget=D("100000"))
    complete_application(call=call)
    c2 = complete_application(call=call, requested_amount=D("30000"),
                              organisation=OrganisationFactory(staff_headcount=D("5")),
                              voucher_type=VoucherTypeFactory(call=call, name="Green voucher",
                                                              objective=Objective.GREEN_DIGITAL))
    Application.objects.filter(pk=c2.pk).update(status=Application.Status.SUBMITTED,
                                                submitted_at=timezone.now())
    versioned(c2, Outcome.PENDING)
    return call


@pytest.fixture
def calls(eurocluster_a, eurocluster_b):
    made = {"R": call_r(eurocluster_a), "E": call_e(eurocluster_a), "O": call_o(eurocluster_a)}
    # Another Eurocluster's call: none of its figures may show.
    other = OpenCallFactory(eurocluster=eurocluster_b, reference="OTHER-1")
    versioned(eligible_application(other, status=Application.Status.SUBMITTED),
              Outcome.NEEDS_REVIEW)
    return made


def funnel(figures) -> dict[str, tuple[int, Decimal]]:
    return {stage.code: (stage.count, stage.amount) for stage in figures.funnel}


def by_reference(board) -> dict:
    return {figures.call.reference: figures for figures in board.calls}


ZERO_FUNNEL = {code: (0, D("0")) for code in (
    "draft", "submitted", "eligible", "ineligible", "to_review", "evaluated", "selected",
    "reserve", "rejected", "contracted", "paid")}


# --- the figures --------------------------------------------------------------------------------


def test_the_funnel_of_each_call(calls, eurocluster_a, manager_a):
    board = by_reference(dashboard(eurocluster=eurocluster_a, user=manager_a.user))
    assert set(board) == {"DASH-R", "DASH-E", "DASH-O"}
    assert funnel(board["DASH-R"]) == {
        **ZERO_FUNNEL, "submitted": (4, D("65000")), "eligible": (4, D("65000")),
        "evaluated": (4, D("65000")), "selected": (2, D("35000")), "reserve": (1, D("12000")),
        "rejected": (1, D("18000")), "contracted": (1, D("20000")), "paid": (1, D("8000"))}
    # b2's latest version is not eligible although its first was; b5 withdrew.
    assert funnel(board["DASH-E"]) == {
        **ZERO_FUNNEL, "submitted": (4, D("80000")), "eligible": (2, D("40000")),
        "ineligible": (1, D("20000")), "to_review": (1, D("20000"))}
    assert funnel(board["DASH-O"]) == {
        **ZERO_FUNNEL, "draft": (1, D("20000")), "submitted": (1, D("30000")),
        "to_review": (1, D("30000"))}


def test_budget_reconciles_with_the_ledger(calls, eurocluster_a, manager_a):
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    ledgers = {label: (row.allocated, row.committed, row.paid, row.remaining)
               for label, row in board.ledger_rows}
    assert ledgers == {
        eurocluster_a.acronym: (D("1050000"), D("35000"), D("8000"), D("1015000")),
        "DASH-R": (D("500000"), D("35000"), D("8000"), D("465000")),
        "DASH-E": (D("500000"), D("0"), D("0"), D("500000")),
        "DASH-O": (D("100000"), D("0"), D("0"), D("100000")),
    }


def test_requested_against_budget_and_the_curve_of_the_open_call(calls, eurocluster_a,
                                                                 manager_a):
    board = by_reference(dashboard(eurocluster=eurocluster_a, user=manager_a.user))
    assert (board["DASH-O"].requested, board["DASH-O"].oversubscription) == (
        D("30000"), D("0.30"))
    assert (board["DASH-R"].requested, board["DASH-R"].oversubscription) == (
        D("65000"), D("0.13"))
    today = timezone.localtime(timezone.now(), timezone=BRUSSELS).date()
    assert board["DASH-O"].curve == [(today, 2, 1)]
    assert board["DASH-R"].curve == []  # only open calls get a curve


def test_the_timeline_of_a_call(calls, eurocluster_a, manager_a):
    board = by_reference(dashboard(eurocluster=eurocluster_a, user=manager_a.user))
    steps = [(str(m.label), m.done, m.at is not None) for m in board["DASH-E"].timeline]
    assert steps == [("Opening", True, True), ("Deadline", True, True),
                     ("Evaluation deadline", False, True), ("Results", False, False),
                     ("Signing until", False, False)]


def test_the_action_queue_of_a_manager(calls, eurocluster_a, manager_a):
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    lines = [(line.code, line.count, line.call.reference if line.call else None)
             for line in board.queue]
    assert sorted(lines) == sorted([
        ("eligibility", 1, "DASH-E"), ("invitations", 1, "DASH-E"),
        ("reviews_soon", 1, "DASH-E"), ("consensus", 1, "DASH-E"), ("ranking", 1, "DASH-E"),
        ("redress", 1, "DASH-R"), ("countersign", 1, "DASH-R"), ("reports", 1, "DASH-R"),
    ])
    redress = next(line for line in board.queue if line.code == "redress")
    assert redress.note == "10 day(s) left for the oldest"
    eligibility = next(line for line in board.queue if line.code == "eligibility")
    assert eligibility.url == reverse("applications:manage_call_eligibility",
                                      args=[calls["E"].pk]) + "?outcome=needs_review"


def test_overdue_reviews_are_counted_apart(calls, eurocluster_a, manager_a):
    OpenCall.objects.filter(pk=calls["E"].pk).update(
        evaluation_deadline=timezone.now() - timedelta(hours=1))
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    codes = {line.code: line.count for line in board.queue}
    assert (codes.get("reviews_overdue"), codes.get("reviews_soon")) == (1, None)


def test_the_finance_officer_gets_the_finance_lines(calls, eurocluster_a):
    finance = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.FINANCE).user
    board = dashboard(eurocluster=eurocluster_a, user=finance)
    assert [(line.code, line.count) for line in board.queue] == [
        ("bank", 1), ("tranches", 1), ("failed", 1)]


def test_a_superuser_gets_every_line(calls, eurocluster_a):
    board = dashboard(eurocluster=eurocluster_a, user=UserFactory(is_superuser=True))
    assert len(board.queue) == 11


def test_an_empty_queue_says_so(manager_client, eurocluster_a):
    OpenCallFactory(eurocluster=eurocluster_a)
    response = manager_client.get(reverse("reporting:dashboard"))
    assert response.context["board"].queue == []
    assert b'id="action-queue-empty"' in response.content


def test_who_applies(calls, eurocluster_a, manager_a):
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    assert {b.code: b.rows for b in board.who} == {
        "country": [("Belgium", 7, 1), ("France", 1, 0), ("Germany", 1, 1)],
        "sme": [("Small enterprise", 8, 2), ("Micro enterprise", 1, 0)],
        "voucher": [("Innovation voucher", 8, 2), ("Green voucher", 1, 0)],
        "objective": [("No objective", 8, 2), ("Adopt green and digital", 1, 0)],
    }


def test_who_applies_by_eurocluster_objective(calls, eurocluster_a, manager_a):
    """Call R's vouchers serve strategic autonomy, call E's have no objective yet."""
    VoucherType.objects.filter(call=calls["R"]).update(objective=Objective.AUTONOMY)
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    assert {b.code: b.rows for b in board.who}["objective"] == [
        ("Innovate for strategic autonomy", 4, 2), ("No objective", 4, 0),
        ("Adopt green and digital", 1, 0)]
    assert [b.title for b in board.who][-1] == "By Eurocluster objective"


def test_the_objective_of_an_enterprise_with_related_enterprises(eurocluster_a, manager_a):
    """Those come one by one (not grouped): their voucher type's objective counts all the same."""
    call = OpenCallFactory(eurocluster=eurocluster_a)
    voucher = VoucherTypeFactory(call=call, name="Go", objective=Objective.INTERNATIONAL)
    linked = eligible_application(call, status=Application.Status.SELECTED, voucher_type=voucher)
    RelatedEnterprise.objects.create(
        organisation=linked.organisation, name="Parent GmbH", country="DE",
        share_percent=D("100"), staff_headcount=D("200"), annual_turnover=D("30000000"),
        balance_sheet_total=D("20000000"))
    eligible_application(call, status=Application.Status.SUBMITTED, voucher_type=voucher)
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    assert {b.code: b.rows for b in board.who}["objective"] == [("Go international", 2, 1)]


def test_a_linked_enterprise_counts_in_the_sme_class(eurocluster_a, manager_a):
    """Twelve staff alone make a small enterprise; with a linked enterprise (100 %) of 200 staff
    it is a medium-sized one."""
    call = OpenCallFactory(eurocluster=eurocluster_a)
    linked = eligible_application(call, status=Application.Status.SUBMITTED)
    RelatedEnterprise.objects.create(
        organisation=linked.organisation, name="Parent GmbH", country="DE",
        share_percent=D("100"), staff_headcount=D("200"), annual_turnover=D("30000000"),
        balance_sheet_total=D("20000000"))
    eligible_application(call, status=Application.Status.SELECTED)
    board = dashboard(eurocluster=eurocluster_a, user=manager_a.user)
    assert {b.code: b.rows for b in board.who}["sme"] == [
        ("Medium-sized enterprise", 1, 0), ("Small enterprise", 1, 1)]


# --- the pages --------------------------------------------------------------------------------


def test_the_page_shows_the_figures_and_the_charts(calls, manager_client, eurocluster_a):
    response = manager_client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["board"].eurocluster == eurocluster_a
    assert "OTHER-1" not in page
    # budget, share, 4 who apply, 3 funnels, the open call's curve
    assert page.count("<svg") == 10
    assert "<script type" not in page  # pygal's own script is taken out
    # Drawings are kept between renders, but each on the page has ids of its own.
    assert len(set(re.findall(r'<svg[^>]* id="chart-([0-9a-f]{32})"', page))) == 10
    assert 'id="chart-who-objective"' in page
    assert "EUR 1,015,000.00" in page
    assert reverse("applications:manage_calls") in page  # the table of calls stays reachable
    assert reverse("reporting:dashboard_call", args=[calls["R"].pk]) in page


def test_the_share_of_the_budget_that_goes_to_smes(calls, manager_client, eurocluster_a):
    """Cascade budget 1,050,000 of a total of 1,400,000: 75 %; 35,000 of it committed."""
    Eurocluster.objects.filter(pk=eurocluster_a.pk).update(total_budget=D("1400000"))
    response = manager_client.get(reverse("reporting:dashboard"))
    page = response.content.decode()
    share = response.context["charts"]["share"]
    assert share.rows == [["Cascade budget committed to SMEs", D("35000")],
                          ["Cascade budget not yet committed", D("1015000")],
                          ["Rest of the grant (not for SMEs)", D("350000")]]
    assert share.note == ("75.0 % of the grant's total budget of EUR 1,400,000.00 is cascade "
                          "funding for SMEs.")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page[page.index('id="cascade-share"'):]))
    assert text.startswith('id="cascade-share">Share of the budget that goes to SMEs: 75.0 % '
                           "(cascade budget EUR 1,050,000.00 of the grant's total "
                           "EUR 1,400,000.00).")
    assert 'id="chart-share"' in page
    response = manager_client.get(reverse("reporting:dashboard_chart_csv", args=["share"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [["Part", "Amount (EUR)"], ["Cascade budget committed to SMEs", "35000.00"],
                    ["Cascade budget not yet committed", "1015000.00"],
                    ["Rest of the grant (not for SMEs)", "350000.00"]]


def test_an_unknown_total_budget_is_said_plainly(calls, manager_client):
    response = manager_client.get(reverse("reporting:dashboard"))
    page = response.content.decode()
    assert ("Share of the budget that goes to SMEs: unknown, because the grant's total budget "
            "is not recorded") in page
    share = response.context["charts"]["share"]
    assert [row[0] for row in share.rows] == ["Cascade budget committed to SMEs",
                                              "Cascade budget not yet committed"]
    assert "total budget of the grant is not recorded" in share.note


def test_the_total_budget_cannot_be_below_the_cascade_budget(eurocluster_a):
    eurocluster_a.total_budget = D("1000000")
    with pytest.raises(ValidationError) as error:
        eurocluster_a.full_clean()
    assert list(error.value.message_dict) == ["total_budget"]
    eurocluster_a.total_budget = D("1050000")  # all of it to SMEs: allowed
    eurocluster_a.full_clean()
    assert eurocluster_a.cascade_share == D("100.0")


def test_the_call_page_shows_one_call_with_its_tabs(calls, manager_client):
    call = calls["R"]
    response = manager_client.get(reverse("reporting:dashboard_call", args=[call.pk]))
    assert response.status_code == 200
    assert [f.call for f in response.context["board"].calls] == [call]
    page = response.content.decode()
    for name in ("applications:manage_call_eligibility", "evaluation:manage_ranking",
                 "payments:manage_agreements", "payments:call_ledger"):
        assert reverse(name, args=[call.pk]) in page
    assert [line.code for line in response.context["board"].queue] == [
        "redress", "countersign", "reports"]
    # The call's figures only: no Eurocluster-wide row that would count this call alone.
    assert [(label, ledger.committed) for label, ledger in
            response.context["board"].ledger_rows] == [("DASH-R", D("35000"))]
    assert "share" not in response.context["charts"]
    assert 'id="cascade-share"' not in page
    assert 'id="chart-who-objective"' in page
    assert response.context["charts"]["who-objective"].rows == [["No objective", 4, 2]]


def test_the_csv_of_a_chart(calls, manager_client, eurocluster_a):
    response = manager_client.get(reverse("reporting:dashboard_chart_csv", args=["budget"])
                                  + f"?eurocluster={eurocluster_a.acronym}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Budget of", "Allocated", "Committed", "Paid", "Remaining"]
    assert rows[1] == [eurocluster_a.acronym, "1050000.00", "35000.00", "8000.00",
                       "1015000.00"]
    response = manager_client.get(reverse("reporting:dashboard_chart_csv",
                                          args=[f"funnel-{calls['O'].pk}"])
                                  + f"?call={calls['O'].pk}")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1:3] == [["Drafts", "1", "20000.00"], ["Submitted", "1", "30000.00"]]


def test_the_csv_neutralises_formulas(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a)
    application = ApplicationFactory(call=call, voucher_type=VoucherTypeFactory(
        call=call, name="=HYPERLINK(\"http://x\")"), status=Application.Status.SUBMITTED)
    assert application.pk
    response = manager_client.get(reverse("reporting:dashboard_chart_csv",
                                          args=["who-voucher"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "1", "0"]


def test_the_switcher_picks_a_eurocluster_by_acronym_or_id(manager_client, manager_a,
                                                           eurocluster_a):
    second = MembershipFactory(user=manager_a.user).eurocluster
    for wanted in (second.acronym.lower(), str(second.pk)):
        response = manager_client.get(reverse("reporting:dashboard") + f"?eurocluster={wanted}")
        assert response.context["board"].eurocluster == second
    response = manager_client.get(reverse("reporting:dashboard"))
    assert b'id="eurocluster-switcher"' in response.content


def test_a_superuser_sees_the_portal_summary(client, calls, eurocluster_a, eurocluster_b):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(reverse("reporting:dashboard") + f"?eurocluster={eurocluster_a.pk}")
    assert response.status_code == 200
    assert [(row[0], row[1].committed) for row in response.context["summary_rows"]] == sorted(
        [(eurocluster_a.acronym, D("35000")), (eurocluster_b.acronym, D("0"))])


def test_the_menu_links_to_the_dashboard(manager_client):
    page = manager_client.get(reverse("calls:home")).content.decode()
    assert f'href="{reverse("reporting:dashboard")}"' in page[page.index("<nav"):]


# --- refusals -----------------------------------------------------------------------------------


def test_another_euroclusters_manager_gets_404(client, calls, eurocluster_a, eurocluster_b):
    other = MembershipFactory(eurocluster=eurocluster_b).user
    client.force_login(other)
    for url in (reverse("reporting:dashboard") + f"?eurocluster={eurocluster_a.acronym}",
                reverse("reporting:dashboard_call", args=[calls["R"].pk]),
                reverse("reporting:dashboard_chart_csv", args=["budget"])
                + f"?call={calls['R'].pk}",
                reverse("reporting:dashboard_chart_csv", args=["budget"])
                + f"?eurocluster={eurocluster_a.pk}"):
        assert client.get(url).status_code == 404, url
    # Their own dashboard shows nothing of eurocluster_a.
    response = client.get(reverse("reporting:dashboard"))
    assert response.context["board"].eurocluster == eurocluster_b
    assert b"DASH-R" not in response.content


@pytest.mark.parametrize("who", ["applicant", "evaluator", "observer"])
def test_other_roles_are_refused(client, calls, eurocluster_a, who):
    if who == "applicant":
        user = OrganisationFactory().user
    elif who == "evaluator":
        user = CallEvaluatorFactory(call=calls["E"]).user
    else:
        user = MembershipFactory(eurocluster=eurocluster_a,
                                 role=Membership.Role.OBSERVER).user
    client.force_login(user)
    for url in (reverse("reporting:dashboard"),
                reverse("reporting:dashboard_call", args=[calls["R"].pk]),
                reverse("reporting:dashboard_chart_csv", args=["budget"])):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, calls):
    for url in (reverse("reporting:dashboard"),
                reverse("reporting:dashboard_call", args=[calls["R"].pk])):
        response = client.get(url)
        assert (response.status_code, response.url) == (
            302, f"{reverse('account_login')}?next={url}")


def test_an_unknown_chart_is_404(manager_client, eurocluster_a):
    OpenCallFactory(eurocluster=eurocluster_a)
    assert manager_client.get(reverse("reporting:dashboard_chart_csv",
                                      args=["nothing"])).status_code == 404


# --- query counts -------------------------------------------------------------------------------


def many(eurocluster, size: int) -> OpenCall:
    """``size`` calls of each kind, each with ``size`` applications in every state the page
    counts (the figures differ, the number of queries must not)."""
    last = None
    for n in range(size):
        for make in (call_r, call_e, call_o):
            last = make(eurocluster, tag=str(n))
    return last


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("who", ["manager", "finance", "superuser"])
def test_the_dashboard_query_count_does_not_grow(client, eurocluster_a, size, who,
                                                 django_assert_num_queries):
    many(eurocluster_a, size)
    user = (UserFactory(is_superuser=True) if who == "superuser" else MembershipFactory(
        eurocluster=eurocluster_a, role=who).user)
    client.force_login(user)
    with django_assert_num_queries(QUERIES_DASHBOARD[who]):
        assert client.get(reverse("reporting:dashboard")).status_code == 200


@pytest.mark.parametrize("size", [1, 3])
def test_the_call_page_query_count_does_not_grow(manager_client, eurocluster_a, size,
                                                 django_assert_num_queries):
    call = many(eurocluster_a, size)
    with django_assert_num_queries(QUERIES_CALL):
        assert manager_client.get(reverse("reporting:dashboard_call",
                                          args=[call.pk])).status_code == 200
