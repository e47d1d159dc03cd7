"""The eligibility engine through the database: check, decide, release, sweep."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.eligibility_facts import eligibility_facts
from applications.eligibility_services import (
    eligibility_check,
    eligibility_decide,
    eligibility_release,
    eligibility_sweep,
)
from applications.identifiers import example_vat_number
from applications.models import Application, ApplicationVersion, Declaration, EligibilityResult
from applications.services import (
    application_save_draft,
    application_submit,
    application_withdraw,
)
from applications.tasks import task_check_eligibility
from applications.transitions import application_transition
from calls.models import OpenCall
from portal.audit import audit_trail
from portal.errors import DomainError
from tests.factories import (
    ApplicationFactory,
    EuroclusterFactory,
    OpenCallFactory,
    OrganisationFactory,
    PartnerFactory,
    VoucherTypeFactory,
    complete_application,
)

pytestmark = pytest.mark.django_db

S = Application.Status
ALL_DECLARATIONS = Declaration.values
JUSTIFICATION = "Annual accounts 2025 checked: turnover is EUR 1.0 M, a typo."
# Made-up registration numbers for consortium members; never the factories' sequence.
_rng = random.Random(31415)


# --- helpers ------------------------------------------------------------------------------------


def submit(application: Application, by=None) -> ApplicationVersion:
    return application_submit(application=application, by=by or application.created_by,
                              declarations=ALL_DECLARATIONS)


@pytest.fixture
def submit_checked(django_capture_on_commit_callbacks):
    """Submit and let the callbacks queued on commit run: the check (eager) and its e-mails."""

    def run(application: Application) -> ApplicationVersion:
        with django_capture_on_commit_callbacks(execute=True):
            return submit(application)

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose on-commit callbacks (queued tasks, e-mails) run at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def result_of(version: ApplicationVersion) -> EligibilityResult:
    return EligibilityResult.objects.get(version=version)


def status_of(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


def trail(application: Application, *actions: str) -> list[tuple[str, str, str]]:
    entries = audit_trail(application).order_by("pk")
    if actions:
        entries = entries.filter(action__in=actions)
    return list(entries.values_list("action", "from_state", "to_state"))


def request_amount(application: Application, amount: Decimal) -> None:
    application_save_draft(
        application=application, by=application.created_by,
        fields={"requested_amount": amount},
        budget_lines=[{"category": "subcontracting", "description": "Vision system",
                       "amount": amount}],
    )


def member_row(number: str, name: str = "Beta Automation GmbH") -> dict:
    return {
        "legal_name": name, "registration_number": number, "country": "DE",
        "contact_email": "ceo@beta.example", "staff_headcount": Decimal("30"),
        "annual_turnover": Decimal("4000000"), "balance_sheet_total": Decimal("3000000"),
        "role": "Vision software",
    }


def review_organisation(**kwargs):
    """EUR 10 M turnover with 2 staff: likelier a typo than a fact, so a manager looks."""
    return OrganisationFactory(staff_headcount=Decimal("2"), annual_turnover=Decimal("10000000"),
                               **kwargs)


def move_deadline_to_the_past(call: OpenCall) -> OpenCall:
    OpenCall.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    return OpenCall.objects.get(pk=call.pk)


def backdate(version: ApplicationVersion, minutes: int) -> None:
    # A version is immutable through the model; the test moves the clock of the row instead.
    ApplicationVersion.objects.filter(pk=version.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=minutes))


# --- 1. submit runs the check ------------------------------------------------------------------


def test_submit_runs_the_check_and_makes_the_application_eligible(submit_checked):
    application = complete_application()
    version = submit_checked(application)
    result = result_of(version)
    assert (result.outcome, result.automatic_outcome, result.failed_rules) == (
        "eligible", "eligible", [])
    assert result.checked_at is not None
    assert [check["rule"] for check in result.checks] == [
        "country", "sme", "de_minimis", "third_party_cap", "not_partner", "one_proposal",
        "documents", "declarations", "amount", "consortium"]
    assert {check["outcome"] for check in result.checks} == {"pass"}
    assert status_of(application) == S.ELIGIBLE
    assert trail(application) == [
        ("transition", "draft", "submitted"),
        ("submitted", "", ""),
        ("eligibility_checked", "", ""),
        ("transition", "submitted", "eligible"),
    ]
    checked = audit_trail(application).get(action="eligibility_checked")
    assert (checked.actor, checked.data) == (
        None, {"version": 1, "outcome": "eligible", "failed_rules": []})
    moved = audit_trail(application).get(action="transition", to_state="eligible")
    assert (moved.actor, moved.reason) == (None, "eligibility check of version 1")


def test_applicant_outside_the_eligible_countries_is_ineligible(submit_checked):
    call = OpenCallFactory(eligible_countries=["DE", "FR", "NL"])
    application = complete_application(call=call)
    version = submit_checked(application)
    result = result_of(version)
    assert (result.outcome, result.failed_rules) == ("ineligible", ["country"])
    failures = result.failures()
    assert [(row["rule"], row["outcome"], row["text"]) for row in failures] == [
        ("country", "fail", f"{application.organisation.legal_name} is established in Belgium, "
                            "which is not among the countries eligible for this call.")]
    assert status_of(application) == S.INELIGIBLE
    assert trail(application, "transition") == [
        ("transition", "draft", "submitted"), ("transition", "submitted", "ineligible")]


def test_implausible_turnover_per_person_needs_review_and_stays_submitted(submit_checked):
    application = complete_application(organisation=review_organisation())
    version = submit_checked(application)
    result = result_of(version)
    assert (result.outcome, result.automatic_outcome, result.failed_rules) == (
        "needs_review", "needs_review", [])
    assert [(row["rule"], row["outcome"]) for row in result.failures()] == [("sme", "review")]
    assert status_of(application) == S.SUBMITTED
    assert trail(application, "transition", "eligibility_checked") == [
        ("transition", "draft", "submitted"), ("eligibility_checked", "", "")]


# --- 2. the task is idempotent; recheck recomputes in place -------------------------------------


def test_check_task_run_twice_gives_one_result_and_one_audit_entry():
    application = complete_application()
    version = submit(application)  # the queued check does not run: no commit in this test
    assert result_of(version).checked_at is None
    task_check_eligibility.delay(version_id=version.pk)
    first = result_of(version)
    task_check_eligibility.delay(version_id=version.pk)
    assert list(EligibilityResult.objects.values_list("pk", "version", "outcome")) == [
        (first.pk, version.pk, "eligible")]
    assert result_of(version).checked_at == first.checked_at
    assert trail(application, "eligibility_checked", "transition") == [
        ("transition", "draft", "submitted"),
        ("eligibility_checked", "", ""),
        ("transition", "submitted", "eligible"),
    ]


def test_recheck_recomputes_the_same_row():
    application = complete_application()
    version = submit(application)
    task_check_eligibility.delay(version_id=version.pk)
    first = result_of(version)
    # The manager narrows the countries after the first check.
    OpenCall.objects.filter(pk=application.call_id).update(eligible_countries=["DE"])
    task_check_eligibility.delay(version_id=version.pk, recheck=True)
    again = result_of(version)
    assert EligibilityResult.objects.count() == 1
    assert again.pk == first.pk
    assert (again.outcome, again.failed_rules) == ("ineligible", ["country"])
    assert again.checked_at > first.checked_at
    assert status_of(application) == S.INELIGIBLE
    assert [entry.data["outcome"] for entry in
            audit_trail(application).filter(action="eligibility_checked").order_by("pk")] == [
        "eligible", "ineligible"]


# --- 3. a manager's decision stands -------------------------------------------------------------


def test_a_decision_stands_over_a_recheck(submit_checked, manager_a):
    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    application = complete_application(call=call, organisation=review_organisation())
    version = submit_checked(application)
    eligibility_decide(result=result_of(version), outcome="eligible",
                       justification=JUSTIFICATION, by=manager_a.user)
    decided = result_of(version)
    eligibility_check(version_id=version.pk, recheck=True)
    again = result_of(version)
    assert (again.outcome, again.automatic_outcome) == ("eligible", "needs_review")
    assert (again.decided_by, again.decided_at, again.justification) == (
        manager_a.user, decided.decided_at, JUSTIFICATION)
    assert again.checked_at > decided.checked_at
    assert status_of(application) == S.ELIGIBLE


def test_an_override_stands_over_a_recheck(submit_checked, manager_a):
    application = complete_application(call=OpenCallFactory(eurocluster=manager_a.eurocluster))
    version = submit_checked(application)
    eligibility_decide(result=result_of(version), outcome="ineligible",
                       justification="The applicant is in liquidation since May.",
                       by=manager_a.user)
    eligibility_check(version_id=version.pk, recheck=True)
    again = result_of(version)
    assert (again.outcome, again.automatic_outcome) == ("ineligible", "eligible")
    assert status_of(application) == S.INELIGIBLE


# --- 4. the cap per third party, across calls of two Euroclusters --------------------------------


@pytest.mark.parametrize(("amount", "outcome", "failed"), [
    (Decimal("30000"), "eligible", []),
    (Decimal("30000.01"), "ineligible", ["third_party_cap"]),
])
def test_cap_per_third_party_counts_a_grant_selected_in_another_eurocluster(
        submit_checked, manager_a, amount, outcome, failed):
    # The enterprise got EUR 30,000 in a call of another Eurocluster, under another account.
    other_call = OpenCallFactory(eurocluster=EuroclusterFactory())
    earlier = complete_application(
        call=other_call, voucher_type=VoucherTypeFactory(call=other_call, max_amount=30000))
    request_amount(earlier, Decimal("30000"))
    submit_checked(earlier)
    for status in (S.UNDER_EVALUATION, S.EVALUATED, S.SELECTED):
        application_transition(application=earlier, to=status, by=manager_a.user)
    assert status_of(earlier) == S.SELECTED

    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    same_enterprise = OrganisationFactory(
        registration_number=earlier.organisation.registration_number)
    assert same_enterprise.user != earlier.organisation.user
    application = complete_application(
        call=call, organisation=same_enterprise,
        voucher_type=VoucherTypeFactory(call=call, min_amount=10000, max_amount=60000))
    request_amount(application, amount)
    version = submit_checked(application)

    result = result_of(version)
    assert (result.outcome, result.failed_rules) == (outcome, failed)
    cap = [check for check in result.rows() if check["rule"] == "third_party_cap"]
    name = same_enterprise.legal_name
    if outcome == "eligible":
        assert [check["text"] for check in cap] == [
            f"{name}: EUR 30,000.00 already selected or contracted plus EUR 30,000.00 from this "
            "request makes EUR 60,000.00, within the maximum of EUR 60,000.00 per third party."]
    else:
        assert [check["text"] for check in cap] == [
            f"{name} already has EUR 30,000.00 selected or contracted "
            f"({earlier.receipt_prefix}); with EUR 30,000.01 from this request that makes "
            "EUR 60,000.01, above the maximum of EUR 60,000.00 per third party."]
    assert status_of(application) == outcome


def test_cap_counts_the_share_of_a_consortium_grant_not_the_whole(submit_checked, manager_a):
    """A member of a funded consortium of 4 holds a quarter of its grant, also when it is found
    as a member (the other 2 members must still count in the division)."""
    numbers = [example_vat_number("DE", _rng) for _ in range(3)]
    other_call = OpenCallFactory(eurocluster=EuroclusterFactory())
    # Only the amount, the members and a funded status matter here; the journey to "selected"
    # is walked in the test above.
    funded = ApplicationFactory(
        call=other_call, status=S.SELECTED, requested_amount=Decimal("100000"),
        voucher_type=VoucherTypeFactory(call=other_call, max_amount=100000,
                                        max_consortium_size=4))
    funded.members.create(**member_row(numbers[0], "Beta Automation GmbH"), position=0)
    funded.members.create(**member_row(numbers[1], "Gamma Optics GmbH"), position=1)
    funded.members.create(**member_row(numbers[2], "Delta Sensors GmbH"), position=2)

    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    application = complete_application(
        call=call, organisation=OrganisationFactory(country="DE", registration_number=numbers[0],
                                                    legal_name="Beta Automation GmbH"),
        voucher_type=VoucherTypeFactory(call=call, max_amount=60000))
    request_amount(application, Decimal("35000"))
    version = submit_checked(application)

    result = result_of(version)
    # EUR 25,000 (a quarter of 100,000) + 35,000 = 60,000: exactly the cap. Counting only the
    # matching member would give 100,000 / 2 = 50,000 and a false refusal.
    cap = [check for check in result.rows() if check["rule"] == "third_party_cap"]
    assert [check["params"]["earlier"] for check in cap] == ["25,000.00"]
    assert (result.outcome, result.failed_rules) == ("eligible", [])


# --- 5. partners of the Eurocluster ---------------------------------------------------------------


def test_partner_of_the_running_eurocluster_is_ineligible(submit_checked):
    call = OpenCallFactory()
    application = complete_application(call=call)
    organisation = application.organisation
    partner = PartnerFactory(eurocluster=call.eurocluster, country="BE",
                             registration_number=organisation.registration_number)
    version = submit_checked(application)
    result = result_of(version)
    assert (result.outcome, result.failed_rules) == ("ineligible", ["not_partner"])
    assert [row["text"] for row in result.failures()] == [
        f"{organisation.legal_name} has the registration number of {partner.name}, a partner of "
        "the Eurocluster running this call; partners cannot receive its support."]
    assert status_of(application) == S.INELIGIBLE


def test_partner_written_with_spaces_and_without_prefix_is_still_recognised(submit_checked):
    call = OpenCallFactory()
    application = complete_application(call=call)
    number = application.organisation.registration_number  # "BE0123456789"
    PartnerFactory(eurocluster=call.eurocluster, country="BE",
                   registration_number=f"{number[2:6]} {number[6:9]} {number[9:]}")
    version = submit_checked(application)
    assert result_of(version).failed_rules == ["not_partner"]


def test_partner_of_another_eurocluster_may_apply(submit_checked):
    call = OpenCallFactory()
    application = complete_application(call=call)
    PartnerFactory(eurocluster=EuroclusterFactory(), country="BE",
                   registration_number=application.organisation.registration_number)
    version = submit_checked(application)
    result = result_of(version)
    assert (result.outcome, result.failed_rules) == ("eligible", [])
    assert status_of(application) == S.ELIGIBLE


# --- 6. one proposal per enterprise: the later counts --------------------------------------------


def test_two_proposals_of_one_enterprise_the_later_counts(submit_checked):
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(call=call)
    first = complete_application(call=call, voucher_type=voucher)
    twin = OrganisationFactory(registration_number=first.organisation.registration_number)
    second = complete_application(call=call, voucher_type=voucher, organisation=twin)

    first_version = submit_checked(first)
    assert result_of(first_version).outcome == "eligible"
    second_version = submit_checked(second)

    assert (result_of(second_version).outcome, result_of(second_version).failed_rules) == (
        "eligible", [])
    older = result_of(first_version)
    assert (older.outcome, older.failed_rules) == ("ineligible", ["one_proposal"])
    assert [row["text"] for row in older.failures()] == [
        f"{first.organisation.legal_name} submitted a later proposal to this call "
        f"({second.receipt_prefix}); only the last one submitted counts."]
    assert status_of(first) == S.INELIGIBLE
    assert status_of(second) == S.ELIGIBLE
    # The older proposal was checked a second time, by the re-check the later one queued.
    assert [entry.data["outcome"] for entry in
            audit_trail(first).filter(action="eligibility_checked").order_by("pk")] == [
        "eligible", "ineligible"]
    assert trail(first, "transition") == [
        ("transition", "draft", "submitted"), ("transition", "submitted", "eligible"),
        ("transition", "eligible", "ineligible")]


def test_withdrawing_the_later_proposal_brings_the_earlier_back(
        submit_checked, django_capture_on_commit_callbacks):
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(call=call)
    first = complete_application(call=call, voucher_type=voucher)
    twin = OrganisationFactory(registration_number=first.organisation.registration_number)
    second = complete_application(call=call, voucher_type=voucher, organisation=twin)
    first_version = submit_checked(first)
    submit_checked(second)
    assert status_of(first) == S.INELIGIBLE

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=second, by=second.created_by)

    assert (result_of(first_version).outcome, result_of(first_version).failed_rules) == (
        "eligible", [])
    assert status_of(first) == S.ELIGIBLE


def test_the_older_proposal_changes_only_when_the_queued_recheck_runs(committed):
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(call=call)
    first = complete_application(call=call, voucher_type=voucher)
    twin = OrganisationFactory(registration_number=first.organisation.registration_number)
    second = complete_application(call=call, voucher_type=voucher, organisation=twin)
    with committed():
        first_version = submit(first)
    second_version = submit(second)  # its check is queued, not run yet

    with committed() as callbacks:
        eligibility_check(version_id=second_version.pk)
        # Inside the transaction of the later check the older proposal is untouched ...
        assert result_of(first_version).outcome == "eligible"
    # ... and the one callback queued is the re-check that made it ineligible.
    assert len(callbacks) == 1
    assert result_of(first_version).outcome == "ineligible"


def test_a_recheck_queues_no_recheck_of_its_own(committed, django_capture_on_commit_callbacks):
    # Three proposals of one enterprise: the newest re-checks both older ones, and those
    # re-checks queue nothing more (before, each re-check re-checked the ones older than it).
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(call=call)
    oldest = complete_application(call=call, voucher_type=voucher)
    number = oldest.organisation.registration_number
    middle = complete_application(call=call, voucher_type=voucher,
                                  organisation=OrganisationFactory(registration_number=number))
    newest = complete_application(call=call, voucher_type=voucher,
                                  organisation=OrganisationFactory(registration_number=number))
    with committed():
        versions = [submit(application) for application in (oldest, middle)]
    newest_version = submit(newest)
    with django_capture_on_commit_callbacks() as callbacks:
        eligibility_check(version_id=newest_version.pk)
    assert len(callbacks) == 2  # the re-checks of the middle and the oldest proposal
    with django_capture_on_commit_callbacks() as nested:
        eligibility_check(version_id=versions[1].pk, recheck=True)
    assert nested == []
    for callback in callbacks:
        callback()
    assert [result_of(v).outcome for v in [*versions, newest_version]] == [
        "ineligible", "ineligible", "eligible"]
    assert status_of(middle) == S.INELIGIBLE


# --- 7. eligibility_decide ------------------------------------------------------------------------


def test_decide_a_case_needing_review_eligible(submit_checked, manager_a):
    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    application = complete_application(call=call, organisation=review_organisation())
    version = submit_checked(application)
    decided = eligibility_decide(result=result_of(version), outcome="eligible",
                                 justification=f"  {JUSTIFICATION}  ", by=manager_a.user)
    assert (decided.outcome, decided.automatic_outcome, decided.decided_by,
            decided.justification) == ("eligible", "needs_review", manager_a.user, JUSTIFICATION)
    assert result_of(version).outcome == "eligible"
    assert status_of(application) == S.ELIGIBLE
    entry = audit_trail(application).get(action="eligibility_decided")
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason, entry.data) == (
        manager_a.user, "needs_review", "eligible", JUSTIFICATION,
        {"version": 1, "automatic_outcome": "needs_review"})
    moved = audit_trail(application).get(action="transition", to_state="eligible")
    assert (moved.actor, moved.from_state, moved.reason) == (
        manager_a.user, "submitted", JUSTIFICATION)


def test_override_an_automatic_eligible_to_ineligible(submit_checked, manager_a):
    application = complete_application(call=OpenCallFactory(eurocluster=manager_a.eurocluster))
    version = submit_checked(application)
    reason = "The applicant is in liquidation since May."
    eligibility_decide(result=result_of(version), outcome="ineligible", justification=reason,
                       by=manager_a.user)
    assert status_of(application) == S.INELIGIBLE
    entry = audit_trail(application).get(action="eligibility_overridden")
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (
        manager_a.user, "eligible", "ineligible", reason)
    assert not audit_trail(application).filter(action="eligibility_decided").exists()


def test_changing_a_decision_again_is_an_override(submit_checked, manager_a):
    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    application = complete_application(call=call, organisation=review_organisation())
    version = submit_checked(application)
    eligibility_decide(result=result_of(version), outcome="eligible",
                       justification=JUSTIFICATION, by=manager_a.user)
    eligibility_decide(result=result_of(version), outcome="ineligible",
                       justification="New accounts show 300 staff in the group.",
                       by=manager_a.user)
    assert trail(application, "eligibility_decided", "eligibility_overridden") == [
        ("eligibility_decided", "needs_review", "eligible"),
        ("eligibility_overridden", "eligible", "ineligible")]
    assert status_of(application) == S.INELIGIBLE


def assert_refused(result: EligibilityResult, message: str, *, by, outcome="eligible",
                   justification=JUSTIFICATION) -> None:
    before = (result.outcome, result.decided_at, audit_trail(result.version.application).count())
    with pytest.raises(DomainError) as refused:
        eligibility_decide(result=result, outcome=outcome, justification=justification, by=by)
    assert refused.value.message == message
    after = result_of(result.version)
    assert (after.outcome, after.decided_at,
            audit_trail(result.version.application).count()) == before


SHORT = ("Write a justification of at least 20 characters: it is kept in the audit trail and "
         "may be read in a redress procedure.")


@pytest.mark.parametrize("justification", ["", "x" * 19, "  " + "x" * 19 + "     "])
def test_decide_with_a_justification_under_20_characters_is_refused(
        submit_checked, manager_a, justification):
    application = complete_application(organisation=review_organisation())
    version = submit_checked(application)
    assert_refused(result_of(version), SHORT, by=manager_a.user, justification=justification)
    assert status_of(application) == S.SUBMITTED


def test_decide_with_a_justification_of_exactly_20_characters_is_accepted(
        submit_checked, manager_a):
    application = complete_application(organisation=review_organisation())
    version = submit_checked(application)
    eligibility_decide(result=result_of(version), outcome="eligible", justification="x" * 20,
                       by=manager_a.user)
    assert status_of(application) == S.ELIGIBLE


@pytest.mark.parametrize("outcome", ["needs_review", "pending", "maybe", ""])
def test_decide_on_an_outcome_other_than_eligible_or_ineligible_is_refused(
        submit_checked, manager_a, outcome):
    application = complete_application(organisation=review_organisation())
    version = submit_checked(application)
    assert_refused(result_of(version), "Choose “eligible” or “not eligible”.",
                   by=manager_a.user, outcome=outcome)


def test_decide_on_an_older_version_is_refused(submit_checked, manager_a):
    application = complete_application(organisation=review_organisation())
    first = submit_checked(application)
    application_save_draft(application=application, by=application.created_by,
                           fields={"title": "Smarter welding cell"})
    submit_checked(application)
    assert_refused(result_of(first), "A newer version of this application was submitted; "
                                     "decide on that one.", by=manager_a.user)


def test_decide_once_evaluation_started_is_refused(submit_checked, manager_a):
    application = complete_application()
    version = submit_checked(application)
    application_transition(application=application, to=S.UNDER_EVALUATION, by=manager_a.user)
    assert_refused(result_of(version), "This application is at the stage “Under evaluation”: "
                                       "its eligibility can no longer be changed here.",
                   by=manager_a.user, outcome="ineligible")
    assert status_of(application) == S.UNDER_EVALUATION


def test_decide_before_the_checks_ran_is_refused(manager_a):
    application = complete_application()
    version = submit(application)
    assert_refused(result_of(version), "The automatic checks have not run yet; try again in a "
                                       "minute.", by=manager_a.user)


# --- 8. eligibility_release -----------------------------------------------------------------------


@pytest.fixture
def three_applicants(submit_checked):
    """A call with one eligible, one ineligible (France is not eligible) and one needing review."""
    call = OpenCallFactory(eligible_countries=["BE", "DE"])
    voucher = VoucherTypeFactory(call=call)
    eligible = complete_application(call=call, voucher_type=voucher)
    ineligible = complete_application(call=call, voucher_type=voucher,
                                      organisation=OrganisationFactory(country="FR"))
    review = complete_application(call=call, voucher_type=voucher,
                                  organisation=review_organisation())
    versions = [submit_checked(application) for application in (eligible, ineligible, review)]
    return call, (eligible, ineligible, review), versions


def test_release_before_the_deadline_is_refused(three_applicants, manager_a, mailoutbox):
    call, _applications, _versions = three_applicants
    mailoutbox.clear()
    with pytest.raises(DomainError) as refused:
        eligibility_release(call=call, by=manager_a.user)
    assert refused.value.message == (
        "Results can be released after the deadline: applicants may still submit new versions "
        "until then.")
    assert OpenCall.objects.get(pk=call.pk).eligibility_released_at is None
    assert mailoutbox == []


def test_release_with_a_case_still_needing_review_is_refused(three_applicants, manager_a,
                                                            mailoutbox):
    call, _applications, _versions = three_applicants
    call = move_deadline_to_the_past(call)
    mailoutbox.clear()
    with pytest.raises(DomainError) as refused:
        eligibility_release(call=call, by=manager_a.user)
    assert refused.value.message == (
        "1 application(s) still wait for the checks or for a decision; decide them before "
        "releasing the results.")
    assert OpenCall.objects.get(pk=call.pk).eligibility_released_at is None
    assert not audit_trail(call).filter(action="eligibility_released").exists()
    assert mailoutbox == []


def test_release_counts_a_check_still_pending_as_open(manager_a):
    call = OpenCallFactory()
    submit(complete_application(call=call))  # its check has not run
    call = move_deadline_to_the_past(call)
    with pytest.raises(DomainError) as refused:
        eligibility_release(call=call, by=manager_a.user)
    assert refused.value.message.startswith("1 application(s) still wait")


def test_release_after_the_deadline_tells_each_applicant_once(
        three_applicants, manager_a, mailoutbox, committed):
    call, (eligible, ineligible, review), versions = three_applicants
    eligibility_decide(result=result_of(versions[2]), outcome="eligible",
                       justification=JUSTIFICATION, by=manager_a.user)
    # Before the release the applicant sees "submitted" whatever the outcome.
    for application in (eligible, ineligible, review):
        assert Application.objects.get(pk=application.pk).applicant_status == S.SUBMITTED
    call = move_deadline_to_the_past(call)
    mailoutbox.clear()

    with committed():
        told = eligibility_release(call=call, by=manager_a.user)

    assert told == 3
    call.refresh_from_db()
    assert call.eligibility_released_at is not None
    assert call.eligibility_released
    entry = audit_trail(call).get(action="eligibility_released")
    assert (entry.actor, entry.data) == (manager_a.user, {"applications": 3})
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == sorted([
        (eligible.organisation.user.email,
         f"{eligible.receipt_prefix}: your application is eligible"),
        (ineligible.organisation.user.email,
         f"{ineligible.receipt_prefix}: your application is not eligible"),
        (review.organisation.user.email,
         f"{review.receipt_prefix}: your application is eligible"),
    ])
    bodies = {m.to[0]: m.body for m in mailoutbox}
    assert "Your application is eligible." in bodies[eligible.organisation.user.email]
    refusal = bodies[ineligible.organisation.user.email]
    assert "Your application is not eligible, for the following reason(s):" in refusal
    assert (f"- {ineligible.organisation.legal_name} is established in France, which is not "
            "among the countries eligible for this call.") in refusal
    assert "Your application is eligible." in bodies[review.organisation.user.email]
    assert [(a.status, a.applicant_status) for a in
            Application.objects.filter(pk__in=[eligible.pk, ineligible.pk, review.pk])
            .order_by("pk")] == [(S.ELIGIBLE, S.ELIGIBLE), (S.INELIGIBLE, S.INELIGIBLE),
                                 (S.ELIGIBLE, S.ELIGIBLE)]
    assert sorted(EligibilityResult.objects.values_list("notified_outcome", flat=True)) == [
        "eligible", "eligible", "ineligible"]

    mailoutbox.clear()
    with committed():
        again = eligibility_release(call=call, by=manager_a.user)
    assert again == 0
    assert mailoutbox == []
    assert audit_trail(call).filter(action="eligibility_released").count() == 1


def test_a_decision_after_the_release_is_mailed_at_once(
        three_applicants, manager_a, mailoutbox, committed):
    call, (eligible, _ineligible, review), versions = three_applicants
    eligibility_decide(result=result_of(versions[2]), outcome="eligible",
                       justification=JUSTIFICATION, by=manager_a.user)
    call = move_deadline_to_the_past(call)
    with committed():
        eligibility_release(call=call, by=manager_a.user)
    mailoutbox.clear()
    with committed():
        eligibility_decide(result=result_of(versions[0]), outcome="ineligible",
                           justification="The applicant is in liquidation since May.",
                           by=manager_a.user)
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([eligible.organisation.user.email],
         f"{eligible.receipt_prefix}: your application is not eligible")]
    assert "Decision of the cluster manager: The applicant is in liquidation since May." in (
        mailoutbox[0].body)


def test_immediate_results_are_mailed_at_check_time(submit_checked, mailoutbox):
    call = OpenCallFactory(eligibility_results_immediate=True, eligible_countries=["DE"])
    application = complete_application(call=call)
    version = submit_checked(application)
    assert [m.subject for m in mailoutbox] == [
        f"Receipt {version.receipt_code}: your application was submitted",
        f"{application.receipt_prefix}: your application is not eligible"]
    assert mailoutbox[1].to == [application.organisation.user.email]
    assert (f"- {application.organisation.legal_name} is established in Belgium, which is not "
            "among the countries eligible for this call.") in mailoutbox[1].body
    loaded = Application.objects.get(pk=application.pk)
    assert (loaded.status, loaded.applicant_status) == (S.INELIGIBLE, S.INELIGIBLE)
    assert result_of(version).notified_outcome == "ineligible"


def test_immediate_results_leave_a_case_needing_review_unmailed(submit_checked, mailoutbox):
    call = OpenCallFactory(eligibility_results_immediate=True)
    application = complete_application(call=call, organisation=review_organisation())
    version = submit_checked(application)
    assert [m.subject for m in mailoutbox] == [
        f"Receipt {version.receipt_code}: your application was submitted"]


# --- 9. eligibility_sweep -------------------------------------------------------------------------


def test_sweep_queues_and_checks_only_stale_current_versions(committed, settings):
    settings.ELIGIBILITY_SWEEP_AFTER_SECONDS = 300
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(call=call)

    def applicant() -> Application:
        return complete_application(call=call, voucher_type=voucher)

    stale = submit(applicant())
    backdate(stale, minutes=10)
    no_row = submit(applicant())
    EligibilityResult.objects.filter(version=no_row).delete()
    backdate(no_row, minutes=60)
    fresh = submit(applicant())  # pending, but only just submitted
    backdate(fresh, minutes=4)
    checked = applicant()
    with committed():
        checked_version = submit(checked)
    backdate(checked_version, minutes=10)
    withdrawn = applicant()
    withdrawn_version = submit(withdrawn)
    application_withdraw(application=withdrawn, by=withdrawn.created_by)
    backdate(withdrawn_version, minutes=10)
    resubmitted = applicant()
    older = submit(resubmitted)  # never checked ...
    application_save_draft(application=resubmitted, by=resubmitted.created_by,
                           fields={"title": "Smarter welding cell"})
    with committed():
        newer = submit(resubmitted)  # ... but replaced by a checked version
    backdate(older, minutes=20)
    backdate(newer, minutes=10)

    with committed():
        queued = eligibility_sweep()

    assert queued == 2
    checked_now = dict(EligibilityResult.objects.filter(checked_at__isnull=False)
                       .values_list("version_id", "outcome"))
    assert checked_now == {stale.pk: "eligible", no_row.pk: "eligible",
                           checked_version.pk: "eligible", newer.pk: "eligible"}
    assert status_of(stale.application) == S.ELIGIBLE
    assert status_of(no_row.application) == S.ELIGIBLE
    assert result_of(fresh).checked_at is None
    assert result_of(withdrawn_version).checked_at is None
    assert result_of(older).checked_at is None
    assert status_of(withdrawn) == S.WITHDRAWN

    with committed():
        assert eligibility_sweep() == 0


def test_sweep_takes_an_explicit_age_and_a_limit(committed):
    versions = [submit(complete_application()) for _ in range(3)]
    for version in versions:
        backdate(version, minutes=2)
    assert eligibility_sweep(older_than=timedelta(minutes=5)) == 0
    with committed():
        assert eligibility_sweep(older_than=timedelta(minutes=1), limit=2) == 2
    assert EligibilityResult.objects.filter(checked_at__isnull=True).count() == 1


# --- 10. the number of queries of a check does not grow with the data ----------------------------


def crowded_application(n: int) -> ApplicationVersion:
    """A submitted application of a lead and ``n`` members, with ``n`` of each thing the check
    reads: earlier grants to its enterprises, other proposals of the call, partners."""
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(call=call, max_amount=60000, max_consortium_size=n + 1)
    application = complete_application(call=call, voucher_type=voucher)
    lead_number = application.organisation.registration_number
    numbers = [example_vat_number("DE", _rng) for _ in range(n)]
    application_save_draft(application=application, by=application.created_by, fields={},
                           members=[member_row(number, f"Member {i} GmbH")
                                    for i, number in enumerate(numbers)])
    version = submit(application)
    for i, number in enumerate(numbers):
        PartnerFactory(eurocluster=call.eurocluster)
        # An earlier grant to member i, in a call of another Eurocluster.
        ApplicationFactory(status=S.SELECTED, requested_amount=Decimal("10000"),
                           organisation=OrganisationFactory(country="DE",
                                                            registration_number=number))
        # Another proposal of this call in which the lead takes part.
        other = complete_application(call=call, voucher_type=voucher)
        application_save_draft(application=other, by=other.created_by, fields={},
                               members=[member_row(lead_number, f"Lead as member {i}")
                                        | {"country": "BE"}])
        submit(other)
    return version


def check_queries(version: ApplicationVersion) -> int:
    eligibility_check(version_id=version.pk, recheck=True)  # warm caches and settle the status
    with CaptureQueriesContext(connection) as queries:
        eligibility_check(version_id=version.pk, recheck=True)
    return len(queries)


def test_check_query_count_does_not_grow_with_grants_proposals_partners_or_members():
    one, ten = crowded_application(1), crowded_application(10)
    for version, n in ((one, 1), (ten, 10)):
        facts = eligibility_facts(ApplicationVersion.objects.select_related(
            "application__call").get(pk=version.pk))
        assert (len(facts.members), len(facts.partners), len(facts.other_proposals),
                len(facts.earlier_grants)) == (n, n, n, n)
    # Savepoint, the locked result with what it needs, the call's voucher type, documents and
    # partners, the other applications of the enterprises, the result, the audit line, a newer
    # version?, the locked application (the status stays), release.
    assert check_queries(one) == check_queries(ten) == 9
