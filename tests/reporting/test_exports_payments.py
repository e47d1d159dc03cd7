"""The exports after the selection: progress and final reports (managers), the changes of bank
details (finance officers; never a full IBAN) and the managers' list of beneficiaries (withheld
ones with their reason); their links; query counts at one and many rows; the admin of exports."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from euroclusters.models import Membership
from payments.models import BankAccount, GrantAgreement, ProgressReport, ReportAttachment
from reporting.models import Export
from reporting.services import beneficiary_withhold
from tests.evaluation.factories import CallEvaluatorFactory, eligible_application
from tests.factories import MembershipFactory, UserFactory, give_mfa
from tests.payments.factories import (
    BIC_BE,
    IBAN_BE,
    IBAN_DE,
    IBAN_FR,
    agreement_row,
    results_call,
    selected_application,
)
from tests.reporting.conftest import beneficiary
from tests.reporting.test_exports import csv_rows, url, xlsx_rows

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
REASON = "Publication would expose the founder to a documented threat."


@pytest.fixture
def call():
    return results_call(reference="PAY-1")


def member(call, role=Membership.Role.MANAGER, name="Marie Manager"):
    return MembershipFactory(eurocluster=call.eurocluster, role=role,
                             user__full_name=name).user


@pytest.fixture
def manager(call):
    return member(call)


@pytest.fixture
def finance(call):
    return member(call, Membership.Role.FINANCE, "Fiona Finance")


def contracted(call, **kwargs) -> GrantAgreement:
    application = selected_application(call, **kwargs)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.CONTRACTED)
    return agreement_row(application, status=GrantAgreement.Status.COUNTERSIGNED)


# --- progress and final reports -------------------------------------------------------------------


def report(agreement, kind, status, **kwargs) -> ProgressReport:
    return ProgressReport.objects.create(agreement=agreement, kind=kind, status=status,
                                         text="Done.", **kwargs)


@pytest.fixture
def reports(call, manager):
    """An interim report approved and a final one waiting (3 new products, one document); a
    draft never handed in (not on the page, not in the export)."""
    agreement = contracted(call, acronym="REP")
    interim = report(agreement, ProgressReport.Kind.INTERIM, ProgressReport.Status.APPROVED,
                     submitted_at=datetime.datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
                     reviewed_by=manager,
                     reviewed_at=datetime.datetime(2026, 5, 3, 12, 0, tzinfo=UTC))
    final = report(agreement, ProgressReport.Kind.FINAL, ProgressReport.Status.SUBMITTED,
                   new_products=3, submitted_at=datetime.datetime(2026, 9, 1, 8, 0, tzinfo=UTC))
    ReportAttachment.objects.create(report=final, file="reports/x.pdf", original_name="x.pdf",
                                    size=10, sha256="0" * 64,
                                    uploaded_by=agreement.application.created_by)
    report(contracted(call, acronym="DRAFT"), ProgressReport.Kind.FINAL,
           ProgressReport.Status.DRAFT)
    return agreement, interim, final


def test_the_reports_export_puts_waiting_reports_first_with_the_new_products(
        client, call, manager, reports):
    agreement, _interim, _final = reports
    client.force_login(manager)
    response = client.get(url("reports", call=call.pk))
    ref = f"PAY-1-{agreement.application_id:06d}"
    enterprise = agreement.application.organisation.legal_name
    assert csv_rows(response) == [
        ["Reference", "Acronym", "Enterprise", "Report", "Status", "Submitted at (Brussels)",
         "Reviewed by", "Reviewed at (Brussels)", "New products or services", "Documents"],
        [ref, "REP", enterprise, "Final report", "Submitted", "2026-09-01 10:00", "", "", "3",
         "1"],
        [ref, "REP", enterprise, "Interim report", "Approved", "2026-05-01 10:00",
         "Marie Manager", "2026-05-03 14:00", "", "0"],
    ]
    approved = csv_rows(client.get(url("reports", call=call.pk, status="approved")))
    assert [row[3] for row in approved[1:]] == ["Interim report"]
    header, final, interim = xlsx_rows(client.get(url("reports", "xlsx", call=call.pk)))
    assert (final[8], final[9], interim[8]) == (3, 1, None)


def test_reports_are_for_the_calls_managers_only(client, call, reports, finance):
    other = results_call(reference="OTHER-1")
    client.force_login(member(other))
    assert client.get(url("reports", call=call.pk)).status_code == 404
    assert csv_rows(client.get(url("reports", call=other.pk)))[1:] == []
    client.force_login(finance)
    assert client.get(url("reports", call=call.pk)).status_code == 403
    for user in (member(call, Membership.Role.OBSERVER), reports[0].application.created_by,
                 CallEvaluatorFactory(call=call).user):
        client.force_login(user)
        assert client.get(url("reports", call=call.pk)).status_code == 403


# --- changes of bank details ----------------------------------------------------------------------


def account(organisation, status, iban, *, created_at, decided_by=None, decided_at=None,
            note="") -> BankAccount:
    row = BankAccount.objects.create(organisation=organisation, status=status, iban=iban,
                                     bic=BIC_BE, holder=organisation.legal_name,
                                     created_by=organisation.user, decided_by=decided_by,
                                     decided_at=decided_at, decision_note=note)
    BankAccount.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


@pytest.fixture
def changes(call, finance):
    """An enterprise with an agreement signed in this call and one in another Eurocluster's: its
    first account (no decision: no change), a change approved, one refused and one pending."""
    agreement = contracted(call, acronym="BANK")
    organisation = agreement.application.organisation
    organisation.legal_name = "Brabant Vision BV"
    organisation.save(update_fields=["legal_name"])
    organisation.user.full_name = "Bea Beneficiary"
    organisation.user.save(update_fields=["full_name"])
    day = datetime.datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    account(organisation, BankAccount.Status.REPLACED, IBAN_DE, created_at=day)
    account(organisation, BankAccount.Status.ACTIVE, IBAN_BE, created_at=day.replace(day=2),
            decided_by=finance, decided_at=day.replace(day=3), note="Checked the letter.")
    account(organisation, BankAccount.Status.REJECTED, "BE71096123456769",
            created_at=day.replace(day=4), decided_by=finance, decided_at=day.replace(day=5),
            note="=Name does not match")
    account(organisation, BankAccount.Status.PENDING, IBAN_FR, created_at=day.replace(day=6))
    other = results_call(reference="ELSEWHERE-1")
    elsewhere = eligible_application(other, organisation=organisation,
                                     status=Application.Status.CONTRACTED)
    agreement_row(elsewhere, status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    return agreement, other


def test_the_bank_changes_export_masks_every_iban(client, call, finance, changes):
    agreement, _other = changes
    client.force_login(finance)
    response = client.get(url("bank_changes"))
    ref = f"PAY-1-{agreement.application_id:06d}"
    rows = csv_rows(response)
    assert rows == [
        ["Reference", "Enterprise", "Requested at (Brussels)", "Requested by", "Account holder",
         "New IBAN", "Status", "Approved or refused by", "Decided at (Brussels)",
         "Finance note"],
        [ref, "Brabant Vision BV", "2026-04-02 10:00", "Bea Beneficiary", "Brabant Vision BV",
         "****7034", "In use", "Fiona Finance", "2026-04-03 10:00", "Checked the letter."],
        [ref, "Brabant Vision BV", "2026-04-04 10:00", "Bea Beneficiary", "Brabant Vision BV",
         "****6769", "Refused by finance", "Fiona Finance", "2026-04-05 10:00",
         "'=Name does not match"],
        [ref, "Brabant Vision BV", "2026-04-06 10:00", "Bea Beneficiary", "Brabant Vision BV",
         "****2606", "Waiting for finance approval", "", "", ""],
    ]
    text = "\n".join(",".join(row) for row in rows)
    for iban in (IBAN_BE, IBAN_DE, IBAN_FR, "BE71096123456769", IBAN_BE[:-4], IBAN_FR[4:]):
        assert iban not in text
    pending = csv_rows(client.get(url("bank_changes", status="pending")))
    assert [row[6] for row in pending[1:]] == ["Waiting for finance approval"]
    header, *lines = xlsx_rows(client.get(url("bank_changes", "xlsx")))
    assert [line[5] for line in lines] == ["****7034", "****6769", "****2606"]


def test_each_finance_officer_sees_the_changes_through_their_own_agreements(client, changes):
    _agreement, other = changes
    theirs = member(other, Membership.Role.FINANCE)
    client.force_login(theirs)
    rows = csv_rows(client.get(url("bank_changes")))
    # The same three changes, named by the agreement in their Eurocluster.
    assert [row[0][:12] for row in rows[1:]] == ["ELSEWHERE-1-"] * 3
    nobody = member(results_call(reference="EMPTY-1"), Membership.Role.FINANCE)
    client.force_login(nobody)
    assert csv_rows(client.get(url("bank_changes")))[1:] == []
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert len(csv_rows(client.get(url("bank_changes")))) == 1 + 6


def test_bank_changes_are_for_finance_officers_only(client, call, changes, manager):
    agreement, other = changes
    client.force_login(member(call, Membership.Role.FINANCE))
    assert client.get(url("bank_changes", eurocluster=other.eurocluster_id)).status_code == 404
    for user in (manager, member(call, Membership.Role.OBSERVER),
                 agreement.application.created_by, CallEvaluatorFactory(call=call).user):
        client.force_login(user)
        assert client.get(url("bank_changes")).status_code == 403
        assert client.get(url("bank_changes", "xlsx")).status_code == 403


# --- the managers' beneficiaries -----------------------------------------------------------------


@pytest.fixture
def beneficiaries(call, manager):
    published = beneficiary(call, legal_name="Andes Robotics SL", country="ES",
                            acronym="PUB", amount=Decimal("12345.67"))
    withheld = beneficiary(call, legal_name="Baltic Optics OU", country="EE", acronym="HID",
                           countersigned_at=datetime.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    beneficiary_withhold(agreement=withheld, reason=REASON, by=manager)
    person = beneficiary(call, legal_name="Jan Janssens", is_natural_person=True,
                         acronym="SOLO",
                         countersigned_at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    beneficiary(results_call(reference="THEIRS-1"), legal_name="Their SME")
    return published, withheld, person


def test_the_beneficiaries_export_has_withheld_ones_with_the_reason(client, call, manager,
                                                                    beneficiaries):
    published, withheld, person = beneficiaries
    client.force_login(manager)
    rows = csv_rows(client.get(url("beneficiaries")))
    assert rows[0] == ["Eurocluster", "Call", "Reference", "Enterprise", "Country",
                       "Voucher type", "Acronym", "Project title", "Amount (EUR)",
                       "Countersigned at (Brussels)", "Publication", "Reason withheld",
                       "Withheld by", "Withheld at (Brussels)"]
    acronym = call.eurocluster.acronym
    voucher = published.application.voucher_type.name
    assert rows[1] == [acronym, "PAY-1", f"PAY-1-{published.application_id:06d}",
                       "Andes Robotics SL", "ES", voucher, "PUB", "Smart welding cell",
                       "12345.67", "2026-03-10 10:30", "Published", "", "", ""]
    withheld_at = withheld.publication_withholding.withheld_at.astimezone(
        datetime.timezone(datetime.timedelta(hours=1)))
    assert rows[2][3] == "Baltic Optics OU" and rows[2][9:] == [
        "2026-02-01 10:00", "Withheld", REASON, "Marie Manager",
        withheld_at.strftime("%Y-%m-%d %H:%M")]
    assert rows[3][3] == "Jan Janssens" and rows[3][10:] == [
        "Not published: natural person", "", "", ""]
    assert "Their SME" not in str(rows)
    assert csv_rows(client.get(url("beneficiaries", call=call.pk)))[1:] == rows[1:]


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, Membership.Role.OBSERVER])
def test_the_beneficiaries_export_is_for_managers_only(client, call, beneficiaries, role):
    client.force_login(member(call, role))
    assert client.get(url("beneficiaries")).status_code == 403
    client.force_login(beneficiaries[0].application.created_by)
    assert client.get(url("beneficiaries")).status_code == 403


# --- the links ------------------------------------------------------------------------------------


def test_the_pages_offer_their_exports(client, call, manager, finance):
    beneficiary(call)
    client.force_login(manager)
    body = client.get(reverse("payments:manage_reports", args=[call.pk])).content.decode()
    link = reverse("reporting:export", kwargs={"name": "reports", "file_format": "csv"})
    assert f'href="{link}?call={call.pk}"' in body
    body = client.get(reverse("reporting:manage_beneficiaries")).content.decode()
    link = reverse("reporting:export", kwargs={"name": "beneficiaries", "file_format": "xlsx"})
    assert f'href="{link}?"' in body
    client.force_login(finance)
    body = client.get(reverse("payments:finance_bank_changes")).content.decode()
    link = reverse("reporting:export", kwargs={"name": "bank_changes", "file_format": "csv"})
    assert f'href="{link}?"' in body


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 6])
def test_the_exports_queries_do_not_grow_with_rows(client, django_assert_num_queries, call,
                                                   manager, finance, extra):
    day = timezone.now() - datetime.timedelta(days=30)
    for number in range(extra + 1):
        agreement = beneficiary(call, legal_name=f"Enterprise {number}")
        if number % 2:
            beneficiary_withhold(agreement=agreement, reason=REASON, by=manager)
        report(agreement, ProgressReport.Kind.FINAL, ProgressReport.Status.APPROVED,
               submitted_at=day, reviewed_by=manager, reviewed_at=day)
        organisation = agreement.application.organisation
        BankAccount.objects.filter(organisation=organisation).update(
            status=BankAccount.Status.REPLACED)
        account(organisation, BankAccount.Status.ACTIVE, IBAN_DE, created_at=day,
                decided_by=finance, decided_at=day)
        account(organisation, BankAccount.Status.PENDING, IBAN_FR, created_at=day)
    client.force_login(manager)
    # session, user with her memberships (euroclusters.backends), call, count, rows
    with django_assert_num_queries(5):
        assert len(csv_rows(client.get(url("reports", call=call.pk)))) == extra + 2
    # session, user with her memberships (euroclusters.backends), count, rows
    with django_assert_num_queries(4):
        assert len(xlsx_rows(client.get(url("beneficiaries", "xlsx")))) == extra + 2
    client.force_login(finance)
    with django_assert_num_queries(4):
        assert len(csv_rows(client.get(url("bank_changes")))) == 2 * (extra + 1) + 1


# --- the admin of exports -------------------------------------------------------------------------


def test_the_admin_lists_exports_to_superusers_read_only_and_offers_no_file(
        client, settings, call, manager, reports, django_capture_on_commit_callbacks):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url("reports", "xlsx", call=call.pk))
    export = Export.objects.get()
    assert export.status == Export.Status.READY and export.file
    changelist = reverse("admin:reporting_export_changelist")
    change = reverse("admin:reporting_export_change", args=[export.pk])
    assert client.get(changelist).status_code == 403  # a manager, staff, is not a superuser
    assert client.get(change).status_code == 403
    root = get_user_model().objects.create_superuser(email="root@example.org", password="x")
    give_mfa(root)
    client.force_login(root)
    body = client.get(changelist).content.decode()
    assert "Marie Manager" in body and "Progress and final reports" in body and "Ready" in body
    page = client.get(change)
    assert page.status_code == 200
    body = page.content.decode()
    assert export.file.name not in body and export.file.url not in body
    assert reverse("reporting:export_file", args=[export.pk]) not in body
    assert client.get(reverse("reporting:export_file", args=[export.pk])).status_code == 404
    client.post(change, {"status": Export.Status.FAILED})
    assert Export.objects.get().status == Export.Status.READY
    assert client.get(reverse("admin:reporting_export_add")).status_code == 403
    assert client.post(reverse("admin:reporting_export_delete", args=[export.pk]),
                       {"post": "yes"}).status_code == 403
    assert Export.objects.filter(pk=export.pk).exists()
