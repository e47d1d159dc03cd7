from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationVersion, Declaration, Organisation
from applications.selectors import applications_of_applicant, organisation_of
from applications.services import application_submit, attachment_upload
from portal.models import AuditEntry, ScanStatus
from portal.prepared import readable
from portal.queue import registered_task
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    RequiredDocumentFactory,
    UserFactory,
    VoucherTypeFactory,
    complete_application,
)
from tests.scanning import INFECTED_PDF, refusal

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return user


def _submitted(application):
    return application_submit(application=application, by=application.created_by,
                              declarations=Declaration.values)


# --- the enterprise --------------------------------------------------------------------------


ORG_POST = {
    "legal_name": "Brasov Motion SRL", "registration_number": "RO 18547290", "country": "RO",
    "street": "Strada Lunga 1", "postcode": "500001", "city": "Brasov", "nace_code": "C28.4",
    "year_founded": "2012", "staff_headcount": "40", "annual_turnover": "6000000",
    "balance_sheet_total": "4000000",
    "related-TOTAL_FORMS": "1", "related-INITIAL_FORMS": "0",
    "related-0-name": "Holding SA", "related-0-country": "RO", "related-0-share_percent": "30",
    "related-0-staff_headcount": "40", "related-0-annual_turnover": "1000000",
    "related-0-balance_sheet_total": "1000000",
    "aid-TOTAL_FORMS": "1", "aid-INITIAL_FORMS": "0",
    "aid-0-granted_on": "2025-05-01", "aid-0-granting_body": "ADR Centru", "aid-0-amount": "12000",
}


def test_describing_the_enterprise_saves_it_and_shows_the_sme_class(client):
    user = _login(client, UserFactory())
    response = client.post(reverse("applications:organisation"), ORG_POST)
    assert response.status_code == 302
    organisation = Organisation.objects.get(user=user)
    assert organisation.registration_number == "RO18547290"
    assert organisation.related_enterprises.count() == 1
    assert organisation.de_minimis_aid.get().amount == Decimal("12000")
    # 40 own + 30 % of 40 = 52 staff: above the small-enterprise ceiling, so medium-sized.
    page = client.get(reverse("applications:organisation")).content.decode()
    assert "Medium-sized enterprise" in page


def test_invalid_vat_number_is_refused_with_a_message_and_typed_values_kept(client):
    _login(client, UserFactory())
    response = client.post(reverse("applications:organisation"),
                           {**ORG_POST, "registration_number": "RO18547291"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "not a valid" in html
    assert "Brasov Motion SRL" in html and "Strada Lunga 1" in html
    assert not Organisation.objects.exists()


def test_negative_turnover_is_refused(client):
    _login(client, UserFactory())
    response = client.post(reverse("applications:organisation"),
                           {**ORG_POST, "annual_turnover": "-5"})
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.content.decode()


def test_enterprise_page_requires_login(client):
    response = client.get(reverse("applications:organisation"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- starting and editing ---------------------------------------------------------------------


def test_apply_opens_a_draft_and_a_second_click_returns_the_same_one(client):
    organisation = OrganisationFactory()
    _login(client, organisation.user)
    call = VoucherTypeFactory().call
    url = reverse("applications:start", kwargs={"slug": call.slug})
    first = client.post(url)
    second = client.post(url)
    application = Application.objects.get()
    assert first["Location"] == second["Location"] == reverse("applications:edit",
                                                             kwargs={"pk": application.pk})


def test_apply_without_an_enterprise_sends_to_the_enterprise_form(client):
    _login(client, UserFactory())
    call = OpenCallFactory()
    response = client.post(reverse("applications:start", kwargs={"slug": call.slug}))
    assert response["Location"].startswith(reverse("applications:organisation") + "?next=")


def _draft_post(**overrides):
    data = {
        "title": "Smart welding cell", "acronym": "SWELD", "summary": "Vision-guided welding.",
        "requested_amount": "20000", "planned_start": str(timezone.localdate() + timedelta(90)),
        "duration_months": "9", "section_approach": "Camera", "section_impact": "Less scrap",
        "budget-TOTAL_FORMS": "2", "budget-INITIAL_FORMS": "0",
        "budget-0-category": "subcontracting", "budget-0-description": "Integrator",
        "budget-0-amount": "15000", "budget-1-category": "equipment",
        "budget-1-description": "Camera", "budget-1-amount": "5000",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_saving_the_draft_stores_fields_sections_and_budget(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    response = client.post(reverse("applications:edit", kwargs={"pk": application.pk}),
                           _draft_post(voucher_type=application.voucher_type_id))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Smart welding cell"
    assert application.sections == {"approach": "Camera", "impact": "Less scrap"}
    assert [line.amount for line in application.budget_lines.all()] == [Decimal("15000"),
                                                                        Decimal("5000")]


def test_over_limit_amount_is_refused_but_the_other_fields_are_saved(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    response = client.post(
        reverse("applications:edit", kwargs={"pk": application.pk}),
        _draft_post(voucher_type=application.voucher_type_id, requested_amount="99000"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "between EUR 10,000.00 and EUR 30,000.00" in html
    assert 'value="99000"' in html
    application.refresh_from_db()
    assert application.title == "Smart welding cell"
    assert application.requested_amount is None


def test_autosave_returns_json_and_keeps_valid_fields(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    response = client.post(reverse("applications:autosave", kwargs={"pk": application.pk}),
                           _draft_post(requested_amount="-3"))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "partial"
    assert list(data["errors"]) == ["requested_amount"]
    application.refresh_from_db()
    assert application.summary == "Vision-guided welding."


def test_topics_come_from_the_call_taxonomy_and_unknown_ones_are_refused(client):
    application = ApplicationFactory()
    application.call.expertise_taxonomy = ["Robotics", "Artificial intelligence", "Textiles"]
    application.call.save(update_fields=["expertise_taxonomy"])
    _login(client, application.created_by)
    url = reverse("applications:edit", kwargs={"pk": application.pk})
    assert 'value="Artificial intelligence"' in client.get(url).content.decode()
    response = client.post(url, _draft_post(topics=["Textiles", "Robotics"]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.topics == ["Robotics", "Textiles"]  # in the call's order
    response = client.post(url, _draft_post(topics=["Knitting"]))
    assert response.status_code == 400
    assert "Select a valid choice. Knitting is not one of the available choices." in (
        response.content.decode())
    application.refresh_from_db()
    assert application.topics == ["Robotics", "Textiles"]


def test_autosave_after_the_deadline_is_refused_with_the_deadline(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    application.call.closes_at = timezone.now() - timedelta(seconds=1)
    application.call.save()
    response = client.post(reverse("applications:autosave", kwargs={"pk": application.pk}),
                           _draft_post())
    assert response.status_code == 409
    assert "deadline of this call passed" in response.json()["message"]


def test_saving_after_the_deadline_keeps_what_was_typed_on_the_page(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    application.call.closes_at = timezone.now() - timedelta(seconds=1)
    application.call.save()
    response = client.post(reverse("applications:edit", kwargs={"pk": application.pk}),
                           _draft_post(summary="Text typed while the deadline passed"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Text typed while the deadline passed" in html
    assert "deadline of this call passed" in html


# --- documents --------------------------------------------------------------------------------


def test_upload_and_download_a_pdf(client):
    application = ApplicationFactory()
    document = RequiredDocumentFactory(call=application.call)
    _login(client, application.created_by)
    response = client.post(
        reverse("applications:upload", kwargs={"pk": application.pk}),
        {"required_document": document.pk,
         "file": SimpleUploadedFile("../../declaration.pdf", MINIMAL_PDF, "application/pdf")})
    assert response.status_code == 302
    attachment = application.attachments.get()
    assert attachment.original_name == "declaration.pdf"
    download = client.get(reverse("applications:attachment",
                                  kwargs={"pk": application.pk, "attachment_id": attachment.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    assert "declaration.pdf" in download["Content-Disposition"]


def test_renamed_non_pdf_is_refused_with_a_message(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    response = client.post(
        reverse("applications:upload", kwargs={"pk": application.pk}),
        {"file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 this is an exe", "application/pdf")},
        follow=True)
    assert "is not a PDF document" in response.content.decode()
    assert not application.attachments.exists()


def test_stored_files_are_outside_static_and_have_random_names(client, _private_files):
    application = ApplicationFactory()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=SimpleUploadedFile("plan.pdf", MINIMAL_PDF))
    assert attachment.file.path.startswith(str(_private_files))
    assert "plan" not in attachment.file.name


# --- submitting -------------------------------------------------------------------------------


def test_submit_page_lists_everything_missing(client):
    application = ApplicationFactory()
    _login(client, application.created_by)
    response = client.get(reverse("applications:submit", kwargs={"pk": application.pk}))
    missing = response.context["missing"]
    assert "Fill in the project title." in missing
    assert "Add at least one budget line." in missing


def test_submit_without_declarations_is_refused_and_lists_them(client):
    application = complete_application()
    _login(client, application.created_by)
    response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}), {})
    assert response.status_code == 400
    assert len(response.context["missing"]) == len(Declaration.values)
    assert not ApplicationVersion.objects.exists()


def test_submit_with_declarations_shows_the_receipt(client, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    application = complete_application()
    _login(client, application.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}),
                               {"declarations": Declaration.values}, follow=True)
    version = ApplicationVersion.objects.get()
    assert response.redirect_chain[-1][0] == version.get_absolute_url()
    html = response.content.decode()
    assert version.receipt_code in html and version.sha256 in html
    assert "Subcontracting and external services" in html
    assert "1 March 2027" in html
    assert version.receipt_code in mailoutbox[0].subject


def test_a_receipt_is_of_the_application_in_its_address_only(client,
                                                            django_capture_on_commit_callbacks):
    mine, hers = complete_application(), complete_application()
    for application in (mine, hers):
        _login(client, application.created_by)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("applications:submit", kwargs={"pk": application.pk}),
                        {"declarations": Declaration.values})
    _login(client, mine.created_by)
    own = client.get(reverse("applications:receipt", kwargs={"pk": mine.pk, "number": 1}))
    assert own.status_code == 200
    assert own.context["version"].application_id == mine.pk
    assert mine.versions.get().receipt_code in own.content.decode()
    for pk, number in ((mine.pk, 2), (hers.pk, 1), (mine.pk, 2**63)):
        response = client.get(reverse("applications:receipt",
                                      kwargs={"pk": pk, "number": number}))
        assert response.status_code == 404


def test_a_submit_reads_the_calls_row_once_with_the_lock(client):
    """The deadline rush: the view's permission check loads the application with its enterprise
    only; the submission's locked read brings the call (whose row is wide: nine languages)."""
    application = complete_application()
    _login(client, application.created_by)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}),
                               {"declarations": Declaration.values})
    assert response.status_code == 302
    # The row itself, not a join for ordering: its columns are selected.
    sqls = [readable(q["sql"]) for q in queries]  # a prepared read's own SQL, not EXECUTE
    reads = [sql for sql in sqls if '"calls_opencall"."description_bg"' in sql]
    assert len(reads) == 1, reads
    assert "FOR UPDATE" in reads[0] or connection.vendor == "sqlite"


def test_a_refused_submit_reads_the_call_and_voucher_type_with_the_row(client):
    """Declarations missing: the page of the refusal shows the call and the voucher type, loaded
    with the application in one read, not one lazy read each."""
    application = complete_application()
    _login(client, application.created_by)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}),
                               {"declarations": Declaration.values[:1]})
    assert response.status_code == 400
    lazy = [readable(q["sql"]) for q in queries for table in ("calls_opencall", "calls_vouchertype")
            if f'FROM "{table}" WHERE "{table}"."id" =' in readable(q["sql"])]
    assert lazy == []


def test_submit_after_the_deadline_is_refused(client):
    application = complete_application()
    application.call.closes_at = timezone.now() - timedelta(seconds=1)
    application.call.save()
    _login(client, application.created_by)
    response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}),
                           {"declarations": Declaration.values}, follow=True)
    assert "deadline of this call passed" in response.content.decode()
    assert not ApplicationVersion.objects.exists()


def test_withdraw_needs_confirmation_then_withdraws(client):
    application = complete_application()
    _login(client, application.created_by)
    url = reverse("applications:withdraw", kwargs={"pk": application.pk})
    assert client.post(url, {"reason": "changed plans"}).status_code == 400
    client.post(url, {"reason": "changed plans", "confirm": "on"})
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["detail", "edit", "submit", "withdraw"])
def test_another_applicant_gets_404_on_every_application_page(client, name):
    application = complete_application()
    _login(client, OrganisationFactory().user)
    response = client.get(reverse(f"applications:{name}", kwargs={"pk": application.pk}))
    assert response.status_code == 404


def test_another_applicant_gets_404_for_versions_and_attachments(client):
    application = complete_application()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=SimpleUploadedFile("a.pdf", MINIMAL_PDF))
    version = _submitted(application)
    _login(client, OrganisationFactory().user)
    assert client.get(version.get_absolute_url()).status_code == 404
    assert client.get(reverse("applications:attachment", kwargs={
        "pk": application.pk, "attachment_id": attachment.pk})).status_code == 404
    assert client.post(reverse("applications:autosave", kwargs={"pk": application.pk}),
                       _draft_post()).status_code == 404
    assert client.post(reverse("applications:upload", kwargs={"pk": application.pk}), {
        "file": SimpleUploadedFile("x.pdf", MINIMAL_PDF)}).status_code == 404


def test_attachment_of_another_application_is_not_reachable_through_mine(client):
    mine = ApplicationFactory()
    theirs = ApplicationFactory()
    attachment = attachment_upload(application=theirs, by=theirs.created_by,
                                   uploaded=SimpleUploadedFile("a.pdf", MINIMAL_PDF))
    _login(client, mine.created_by)
    url = reverse("applications:attachment", kwargs={"pk": mine.pk,
                                                     "attachment_id": attachment.pk})
    assert client.get(url).status_code == 404


def test_manager_of_the_eurocluster_sees_but_cannot_edit(client):
    application = complete_application()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=SimpleUploadedFile("a.pdf", MINIMAL_PDF))
    _submitted(application)  # a draft is the applicant's alone (test_walk_drafts)
    manager = MembershipFactory(eurocluster=application.call.eurocluster).user
    _login(client, manager)
    assert client.get(reverse("applications:detail", kwargs={"pk": application.pk})
                      ).status_code == 200
    assert client.get(reverse("applications:attachment", kwargs={
        "pk": application.pk, "attachment_id": attachment.pk})).status_code == 200
    assert client.get(reverse("applications:edit", kwargs={"pk": application.pk})
                      ).status_code == 403


def test_manager_of_another_eurocluster_gets_404(client):
    application = complete_application()
    _login(client, MembershipFactory().user)
    assert client.get(reverse("applications:detail", kwargs={"pk": application.pk})
                      ).status_code == 404


def test_unverified_user_cannot_edit(client):
    application = ApplicationFactory(organisation=OrganisationFactory(
        user=UserFactory(verified=False)))
    _login(client, application.created_by)
    assert client.get(reverse("applications:edit", kwargs={"pk": application.pk})
                      ).status_code == 403


# --- the dashboard ----------------------------------------------------------------------------


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_applications(client):
    organisation = OrganisationFactory()
    _login(client, organisation.user)
    _submitted(complete_application(organisation=organisation))
    one = _dashboard_queries(client)
    for _ in range(12):
        _submitted(complete_application(organisation=organisation))
    assert _dashboard_queries(client) == one
    assert len(client.get(reverse("applications:dashboard")).context["applications"]) == 13


def test_dashboard_lists_the_applicants_own_applications_as_the_orm_reads_them(client):
    organisation = OrganisationFactory()
    _login(client, organisation.user)
    first = complete_application(organisation=organisation)
    _submitted(first)
    first.title = "Changed after the first version"
    first.save(update_fields=["title"])
    _submitted(first)
    draft = complete_application(organisation=organisation)
    complete_application()  # another applicant's
    listed = client.get(reverse("applications:dashboard")).context["applications"]
    expected = applications_of_applicant(organisation.user.pk)
    assert [a.pk for a in listed] == [a.pk for a in expected]
    assert {a.pk for a in listed} == {first.pk, draft.pk}
    counts = {a.pk: (a.version_count, a.last_version, a.call.eurocluster.pk) for a in listed}
    assert counts == {a.pk: (a.version_count, a.last_version, a.call.eurocluster.pk)
                      for a in expected}
    assert counts[first.pk][:2] == (2, 2) and counts[draft.pk][:2] == (0, None)


def test_organisation_of_a_visitor_or_a_person_without_one_is_none():
    assert organisation_of(AnonymousUser()) is None
    assert organisation_of(UserFactory()) is None
    organisation = OrganisationFactory()
    assert organisation_of(organisation.user) == organisation


def test_saving_twice_keeps_budget_lines_already_stored(client):
    # The page was loaded before autosave stored the lines, so the second post still says
    # INITIAL_FORMS=0: the stored lines must not be taken for unchanged rows and dropped.
    application = ApplicationFactory()
    _login(client, application.created_by)
    url = reverse("applications:autosave", kwargs={"pk": application.pk})
    data = _draft_post(voucher_type=application.voucher_type_id)
    for target in (url, url, reverse("applications:edit", kwargs={"pk": application.pk})):
        client.post(target, data)
        assert [line.amount for line in application.budget_lines.all()] == [Decimal("15000"),
                                                                            Decimal("5000")]


def test_saving_the_enterprise_unchanged_keeps_related_enterprises_and_aid(client):
    user = _login(client, UserFactory())
    client.post(reverse("applications:organisation"), ORG_POST)
    # The page now shows the stored rows as initial forms; posting them back unchanged keeps them.
    resubmitted = {**ORG_POST, "related-INITIAL_FORMS": "1", "aid-INITIAL_FORMS": "1"}
    client.post(reverse("applications:organisation"), resubmitted)
    client.post(reverse("applications:organisation"), ORG_POST)
    organisation = Organisation.objects.get(user=user)
    assert organisation.related_enterprises.count() == 1
    assert organisation.de_minimis_aid.count() == 1


# --- virus scanning -----------------------------------------------------------------------------


def test_an_infected_upload_is_refused_with_the_threat_named_and_nothing_kept(client, fake_clamd):
    application = ApplicationFactory()
    _login(client, application.created_by)
    response = client.post(
        reverse("applications:upload", kwargs={"pk": application.pk}),
        {"file": SimpleUploadedFile("offer.pdf", INFECTED_PDF, "application/pdf")}, follow=True)
    assert refusal("offer.pdf") in response.content.decode()
    assert not application.attachments.exists()
    assert AuditEntry.objects.get(action="upload_infected").actor == application.created_by


def test_an_upload_kept_while_the_scanner_is_away_is_shown_pending_and_not_served(
        client, fake_clamd):
    application = ApplicationFactory()
    document = RequiredDocumentFactory(call=application.call)
    _login(client, application.created_by)
    fake_clamd.down = True
    response = client.post(
        reverse("applications:upload", kwargs={"pk": application.pk}),
        {"required_document": document.pk,
         "file": SimpleUploadedFile("declaration.pdf", MINIMAL_PDF, "application/pdf")},
        follow=True)
    html = response.content.decode()
    assert ("“declaration.pdf” is uploaded but waiting for its virus scan: it is kept aside and "
            "counts as attached once scanned (usually within minutes).") in html
    assert html.count("scan pending") == 2  # the document's row and the file's
    attachment = application.attachments.get()
    assert attachment.scan_status == ScanStatus.PENDING
    url = reverse("applications:attachment",
                  kwargs={"pk": application.pk, "attachment_id": attachment.pk})
    assert f'href="{url}"' not in html
    assert client.get(url).status_code == 404

    fake_clamd.down = False
    registered_task("portal.scan_pending").apply()
    html = client.get(reverse("applications:edit", kwargs={"pk": application.pk})).content.decode()
    assert "scan pending" not in html
    assert f'href="{url}"' in html
    assert client.get(url).status_code == 200
