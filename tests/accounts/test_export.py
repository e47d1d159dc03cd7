"""The export of a person's data (GDPR art. 15 and 20): a ZIP with data.json (a section per app)
and the person's files; exact content, nobody else's data, refused to a visitor, audited."""

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Attachment
from applications.services import application_start
from euroclusters.models import Membership
from payments.models import GrantAgreement, ProgressReport, ReportAttachment
from portal.models import AuditEntry
from tests.evaluation.factories import AssignmentFactory, submitted_review
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
)
from tests.payments.factories import results_call
from tests.payments.test_finance_services import funded

pytestmark = pytest.mark.django_db


def _attach(application, name: str, content: bytes) -> Attachment:
    attachment = Attachment(application=application, original_name=name, size=len(content),
                            sha256="s" * 64, uploaded_by=application.created_by)
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def _download(client, user) -> tuple[dict, dict[str, bytes]]:
    client.force_login(user)
    response = client.post(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="eurocluster-portal-my-data-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    contents = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(contents.pop("data.json")), contents


@pytest.fixture
def beneficiary():
    application, _tranches = funded(results_call())
    attachment = _attach(application, "business-plan.pdf", MINIMAL_PDF + b"%mine")
    agreement = GrantAgreement.objects.get(application=application)
    agreement.final_file.save("final.pdf", ContentFile(MINIMAL_PDF + b"%signed"), save=True)
    report = ProgressReport.objects.create(agreement=agreement, kind=ProgressReport.Kind.FINAL,
                                           text="We built the cell.")
    evidence = ReportAttachment(report=report, original_name="photos.pdf", size=10,
                                sha256="e" * 64, uploaded_by=application.created_by)
    evidence.file.save("photos.pdf", ContentFile(MINIMAL_PDF + b"%photos"), save=False)
    evidence.save()
    return application, attachment, agreement, evidence


def test_the_export_holds_the_persons_data_and_files_exactly(client, beneficiary):
    application, attachment, agreement, evidence = beneficiary
    user = application.organisation.user
    other = ApplicationFactory(call=OpenCallFactory(), title="Someone else's secret project")
    _attach(other, "their-plan.pdf", MINIMAL_PDF + b"%theirs")

    data, files = _download(client, user)

    assert files == {
        f"files/applications/{application.pk}/{attachment.pk}-business-plan.pdf":
            MINIMAL_PDF + b"%mine",
        f"files/agreements/{agreement.pk}-grant-agreement.pdf": MINIMAL_PDF + b"%signed",
        f"files/reports/{evidence.report_id}/{evidence.pk}-photos.pdf": MINIMAL_PDF + b"%photos",
    }
    assert sorted(data) == ["account", "activities", "applications", "calls", "euroclusters",
                            "evaluation", "exported_at", "files", "missing_files",
                            "notifications", "payments", "reporting"]
    assert data["files"] == [
        f"applications/{application.pk}/{attachment.pk}-business-plan.pdf",
        f"agreements/{agreement.pk}-grant-agreement.pdf",
        f"reports/{evidence.report_id}/{evidence.pk}-photos.pdf"]
    assert data["missing_files"] == []
    account = data["account"]
    assert (account["email"], account["full_name"], account["email_addresses"],
            account["second_factors"], account["audit_trail"]) == (
        user.email, user.full_name,
        [{"email": user.email, "verified": True, "primary": True}], [], [])
    organisation = application.organisation
    enterprise = data["applications"]["enterprise"]
    assert (enterprise["legal_name"], enterprise["registration_number"], enterprise["country"],
            enterprise["street"], enterprise["staff_headcount"]) == (
        organisation.legal_name, organisation.registration_number, "BE", "Rue de la Loi 16",
        "12.0")
    [exported] = data["applications"]["applications"]
    assert (exported["id"], exported["title"], exported["status"], exported["requested_amount"],
            exported["budget_lines"], exported["attachments"][0]["original_name"]) == (
        application.pk, "Smart welding cell", "contracted", "20000.00",
        [{"category": "subcontracting", "description": "Integration of a vision system",
          "amount": "20000.00"}], "business-plan.pdf")
    [grant] = data["payments"]["grant_agreements"]
    assert (grant["application"], grant["status"], grant["amount"],
            [t["amount"] for t in grant["tranches"]], grant["reports"][0]["text"]) == (
        application.pk, "countersigned", "20000.00", ["10000.00", "10000.00"],
        "We built the cell.")
    assert [(b["holder"], b["iban"], b["status"]) for b in data["payments"]["bank_accounts"]] == [
        (organisation.legal_name, "BE68539007547034", "active")]
    assert data["euroclusters"] == {"memberships": []}
    assert data["calls"] == {"questions": [], "followed_calls": [], "call_alerts": []}
    assert data["evaluation"] == {"evaluator_profile": None, "invitations": [],
                                  "assignments": [], "redress_requests": []}
    assert data["activities"] == {"participations": [], "participant_imports": []}
    assert data["reporting"] == {"exports": []}
    assert data["notifications"] == {"notifications": [], "preferences": []}
    text = json.dumps(data)
    assert "Someone else's secret project" not in text
    assert other.organisation.legal_name not in text
    assert list(AuditEntry.objects.filter(action="personal_data_exported").values_list(
        "object_id", "actor", "data")) == [(user.pk, user.pk, {"files": 3})]


def test_another_person_gets_only_their_own(client, beneficiary):
    application, *_ = beneficiary
    other = ApplicationFactory(call=OpenCallFactory(), title="Own draft")
    data, files = _download(client, other.organisation.user)
    assert files == {}
    assert [a["title"] for a in data["applications"]["applications"]] == ["Own draft"]
    assert data["payments"]["grant_agreements"] == []
    assert data["payments"]["bank_accounts"] == []
    assert application.organisation.legal_name not in json.dumps(data)


def test_a_file_missing_from_the_storage_is_listed_not_fatal(client, _private_files):
    application = ApplicationFactory(call=OpenCallFactory())
    attachment = _attach(application, "gone.pdf", MINIMAL_PDF)
    (_private_files / attachment.file.name).unlink()
    data, files = _download(client, application.organisation.user)
    assert files == {}
    assert data["missing_files"] == [f"applications/{application.pk}/{attachment.pk}-gone.pdf"]


def test_a_visitor_is_sent_to_log_in_and_nothing_is_exported(client):
    response = client.post(reverse("accounts:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert AuditEntry.objects.filter(action="personal_data_exported").count() == 0


def test_a_get_is_refused(client, beneficiary):
    client.force_login(beneficiary[0].organisation.user)
    assert client.get(reverse("accounts:export")).status_code == 405
    assert AuditEntry.objects.filter(action="personal_data_exported").count() == 0


def test_an_evaluator_and_manager_gets_the_reviews_and_the_roles(client):
    assignment = AssignmentFactory(declared_at=timezone.now())
    submitted_review(assignment, [4, "3.5", 5])
    evaluator = assignment.evaluator.user
    membership = MembershipFactory(user=evaluator, role=Membership.Role.OBSERVER)
    data, files = _download(client, evaluator)
    assert files == {}
    assert data["euroclusters"] == {"memberships": [
        {"eurocluster": membership.eurocluster.acronym, "role": "observer"}]}
    section = data["evaluation"]
    assert section["evaluator_profile"]["expertise"] == ["Robotics"]
    assert [(i["call__reference"], i["status"]) for i in section["invitations"]] == [
        (assignment.application.call.reference, "accepted")]
    [exported] = section["assignments"]
    review = exported["review"]
    assert (exported["application"], exported["status"], review["status"],
            review["overall_comment"], review["total"]) == (
        assignment.application_id, "submitted", "submitted", "Solid proposal overall.",
        "12.50")
    assert [(s["criterion__name"], s["score"]) for s in review["scores"]] == [
        ("Excellence", "4.00"), ("Impact", "3.50"), ("Implementation", "5.00")]
    # The proposal they scored is not theirs: none of it is in their export.
    assert data["applications"]["applications"] == []


def test_the_audit_lines_of_the_persons_own_actions_are_listed(client, manager_a):
    user = OrganisationFactory().user
    draft = application_start(call=OpenCallFactory(eurocluster=manager_a.eurocluster), user=user)
    data, _files = _download(client, user)
    assert [(e["action"], e["subject"], e["subject_id"]) for e in data["account"]["audit_trail"]] \
        == [("created", "application", draft.pk)]
    # The second export lists the first.
    data, _files = _download(client, user)
    assert [e["action"] for e in data["account"]["audit_trail"]] == [
        "created", "personal_data_exported"]
