import json
import re
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import CallDocument, OpenCall, TrancheStep, default_sections
from euroclusters.models import Membership
from portal.audit import audit_trail
from portal.models import ScanStatus
from portal.queue import registered_task
from tests.factories import (
    MINIMAL_PDF,
    CriterionFactory,
    MembershipFactory,
    OpenCallFactory,
    UserFactory,
    VoucherTypeFactory,
)
from tests.scanning import INFECTED_PDF, THREAT, refusal

pytestmark = pytest.mark.django_db


CHANGELIST = "admin:calls_opencall_changelist"
INLINE_PREFIXES = ["voucher_types", "criteria", "required_documents", "documents",
                   "tranche_steps"]


def change_url(call):
    return reverse("admin:calls_opencall_change", args=[call.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def call_form_data(eurocluster=None, **overrides):
    """What the admin's call form posts, with every inline empty."""
    data = {
        "reference": "DREAM-OC3",
        "language": "en",
        "title_en": "Innovation vouchers for manufacturing",
        "slug": "innovation-vouchers-for-manufacturing",
        "summary_en": "Vouchers for SMEs that bring digital technology into manufacturing.",
        "description_en": "",
        "eligibility_summary_en": "",
        "opens_at_0": "2027-01-10", "opens_at_1": "09:00:00",
        "closes_at_0": "2027-03-10", "closes_at_1": "17:00:00",
        "budget": "1050000",
        "max_support_per_third_party": "60000",
        "de_minimis_ceiling": "300000",
        "eligible_countries": ["BE", "FR", "RO"],
        "evaluators_per_application": "2",
        "evaluator_min_load": "0",
        "evaluator_max_load": "12",
        "balance_loads": "on",
        "expertise_taxonomy": "Robotics\nArtificial intelligence\n robotics \n",
        "score_step": "0.5",
        "comment_min_chars": "50",
        "disagreement_threshold": "2",
        "signing_days": "15",
        "overall_threshold": "10",
        "redress_days": "10",
        "questions_close_days": "3",
        "description_sections": json.dumps(default_sections()),
        "max_upload_mb": "10",
    }
    if eurocluster is not None:
        data["eurocluster"] = eurocluster.pk
    for prefix in INLINE_PREFIXES:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(overrides)
    return data


def with_tranches(data, call, percentages):
    data = dict(data)
    data["tranche_steps-TOTAL_FORMS"] = str(len(percentages))
    events = list(TrancheStep.Event.values)
    for index, percentage in enumerate(percentages):
        data.update({
            f"tranche_steps-{index}-id": "",
            f"tranche_steps-{index}-call": str(call.pk),
            f"tranche_steps-{index}-position": str(index),
            f"tranche_steps-{index}-percentage": str(percentage),
            f"tranche_steps-{index}-event": events[min(index, len(events) - 1)],
        })
    return data


def inline_formset(response, prefix):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset
    raise AssertionError(f"no inline {prefix}")


# --- scope -------------------------------------------------------------------------------------


def test_manager_sees_only_the_calls_of_their_eurocluster(manager_client, eurocluster_a,
                                                          eurocluster_b):
    own = OpenCallFactory(eurocluster=eurocluster_a, title="Own call")
    other = OpenCallFactory(eurocluster=eurocluster_b, title="Other call")
    response = manager_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]
    assert other.title not in response.content.decode()


def test_eurocluster_filter_offers_only_the_users_euroclusters(manager_client, manager_a,
                                                               eurocluster_a, eurocluster_b):
    # The filter shows only when it has two choices: make the manager an observer of a third.
    observing = MembershipFactory(user=manager_a.user, role=Membership.Role.OBSERVER)
    eurocluster_c = observing.eurocluster
    for eurocluster in (eurocluster_a, eurocluster_b, eurocluster_c):
        OpenCallFactory(eurocluster=eurocluster)
    response = manager_client.get(reverse(CHANGELIST))
    spec = next(f for f in response.context["cl"].filter_specs
                if getattr(f, "field_path", "") == "eurocluster")
    assert sorted(pk for pk, _label in spec.lookup_choices) == [eurocluster_a.pk,
                                                                eurocluster_c.pk]


def test_change_page_of_another_euroclusters_call_redirects_to_the_index(
    manager_client, eurocluster_b
):
    other = OpenCallFactory(eurocluster=eurocluster_b)
    response = manager_client.get(change_url(other), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert messages_of(response) == [
        f"open call with ID “{other.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_posting_to_another_euroclusters_call_changes_nothing(manager_client, eurocluster_b):
    other = OpenCallFactory(eurocluster=eurocluster_b, title="Untouched")
    response = manager_client.post(change_url(other), call_form_data(title="Hijacked"))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    other.refresh_from_db()
    assert other.title == "Untouched"


def test_manager_adds_a_call_in_their_eurocluster_as_a_draft(manager_client, eurocluster_a):
    response = manager_client.post(reverse("admin:calls_opencall_add"),
                                   call_form_data(eurocluster_a, status="open"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    call = OpenCall.objects.get(reference="DREAM-OC3")
    assert call.eurocluster == eurocluster_a
    assert call.status == OpenCall.Status.DRAFT
    assert call.eligible_countries == ["BE", "FR", "RO"]
    assert call.expertise_taxonomy == ["Robotics", "Artificial intelligence"]
    assert call.balance_loads is True


def test_manager_cannot_add_a_call_in_another_eurocluster(manager_client, eurocluster_b):
    response = manager_client.post(reverse("admin:calls_opencall_add"),
                                   call_form_data(eurocluster_b))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["eurocluster"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not OpenCall.objects.exists()


def test_observer_of_another_eurocluster_cannot_file_a_call_there(manager_client, manager_a,
                                                                   eurocluster_b):
    MembershipFactory(user=manager_a.user, eurocluster=eurocluster_b,
                      role=Membership.Role.OBSERVER)
    response = manager_client.get(reverse("admin:calls_opencall_add"))
    choices = response.context["adminform"].form.fields["eurocluster"].queryset
    assert list(choices) == [manager_a.eurocluster]
    response = manager_client.post(reverse("admin:calls_opencall_add"),
                                   call_form_data(eurocluster_b))
    assert "eurocluster" in response.context["adminform"].form.errors
    assert not OpenCall.objects.exists()


def test_observer_sees_the_call_but_cannot_change_it(client, eurocluster_a):
    observer = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    call = OpenCallFactory(eurocluster=eurocluster_a, title="Before")
    client.force_login(observer.user)
    assert client.get(change_url(call)).status_code == 200
    response = client.post(change_url(call), call_form_data(title="After"))
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.title == "Before"


def test_eurocluster_and_status_are_read_only_on_the_change_page(manager_client, eurocluster_a,
                                                                 eurocluster_b):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    response = manager_client.post(
        change_url(call),
        call_form_data(eurocluster_b, status=OpenCall.Status.OPEN, title_en="Renamed"),
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.title, call.status, call.eurocluster) == (
        "Renamed", OpenCall.Status.DRAFT, eurocluster_a)


def test_staff_user_without_membership_is_refused(client):
    client.force_login(UserFactory(is_staff=True))
    call = OpenCallFactory()
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse("admin:calls_opencall_add")).status_code == 403
    assert client.get(change_url(call)).status_code == 403
    assert client.post(change_url(call), call_form_data()).status_code == 403


def test_superuser_sees_every_call(client, eurocluster_a, eurocluster_b):
    calls = {OpenCallFactory(eurocluster=eurocluster_a), OpenCallFactory(eurocluster=eurocluster_b)}
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(CHANGELIST))
    assert set(response.context["cl"].result_list) == calls


def test_only_a_draft_call_can_be_deleted(manager_client, eurocluster_a):
    draft = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    open_call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.OPEN)
    delete = "admin:calls_opencall_delete"
    assert manager_client.get(reverse(delete, args=[open_call.pk])).status_code == 403
    response = manager_client.post(reverse(delete, args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert list(OpenCall.objects.all()) == [open_call]


# --- tranche schedule --------------------------------------------------------------------------


@pytest.mark.parametrize(("percentages", "total"), [
    ([50, 40], "90"),
    ([40, 45, "15.5"], "100.5"),
    (["99.99"], "99.99"),
])
def test_tranches_that_do_not_add_up_to_100_are_refused(manager_client, eurocluster_a,
                                                        percentages, total):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    response = manager_client.post(change_url(call),
                                   with_tranches(call_form_data(), call, percentages))
    assert response.status_code == 200
    assert inline_formset(response, "tranche_steps").non_form_errors() == [
        f"The tranche percentages must add up to 100 %; they now add up to {total} %."
    ]
    assert not TrancheStep.objects.exists()


@pytest.mark.parametrize("percentages", [
    [50, 50], [40, 45, 15], [100], ["33.34", "33.33", "33.33"],
])
def test_tranches_that_add_up_to_100_are_saved(manager_client, eurocluster_a, percentages):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    response = manager_client.post(change_url(call),
                                   with_tranches(call_form_data(), call, percentages))
    assert response.status_code == 302
    assert [step.percentage for step in call.tranche_steps.all()] == [
        Decimal(str(p)) for p in percentages
    ]


def test_a_call_without_tranches_is_saved(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    response = manager_client.post(change_url(call), call_form_data(title_en="No tranches yet"))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.title == "No tranches yet"


def test_deleted_tranches_do_not_count_in_the_total(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    data = with_tranches(call_form_data(), call, [50, 50, 30])
    data["tranche_steps-2-DELETE"] = "on"
    response = manager_client.post(change_url(call), data)
    assert response.status_code == 302
    assert call.tranche_steps.count() == 2


def test_the_tranche_schedule_of_an_open_call_cannot_change(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.OPEN)
    TrancheStep.objects.create(call=call, position=0, percentage=Decimal("100"),
                               event=TrancheStep.Event.AGREEMENT_COUNTERSIGNED)
    page = manager_client.get(change_url(call)).content.decode()
    assert 'name="tranche_steps-0-percentage"' not in page
    # A forged post of a new schedule is ignored: the inline takes no changes.
    response = manager_client.post(change_url(call),
                                   with_tranches(call_form_data(status="open"), call, [50, 50]))
    assert response.status_code == 302
    assert [step.percentage for step in call.tranche_steps.all()] == [Decimal("100")]


# --- call documents ----------------------------------------------------------------------------


def _with_document(data, call, upload):
    data = dict(data)
    data.update({"documents-TOTAL_FORMS": "1", "documents-0-id": "",
                 "documents-0-call": str(call.pk), "documents-0-position": "0",
                 "documents-0-title": "Guide for applicants", "documents-0-file": upload})
    return data


def test_a_call_document_that_is_not_a_pdf_is_refused_with_the_reason(manager_client,
                                                                      eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    upload = SimpleUploadedFile("guide.pdf", b"MZ\x90\x00 this is a program, not a PDF",
                                content_type="application/pdf")
    response = manager_client.post(change_url(call),
                                   _with_document(call_form_data(), call, upload))
    assert response.status_code == 200
    assert inline_formset(response, "documents").errors == [{"file": [
        "“guide.pdf” is not a PDF document (its content is not PDF, whatever its name says). "
        "Please export or print it to PDF and upload that."
    ]}]
    assert "is not a PDF document" in response.content.decode()
    assert not CallDocument.objects.exists()


def test_a_pdf_call_document_is_saved_and_downloaded_by_its_eurocluster_only(
    manager_client, client, eurocluster_a, eurocluster_b
):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    upload = SimpleUploadedFile("guide.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = manager_client.post(change_url(call),
                                   _with_document(call_form_data(), call, upload))
    assert response.status_code == 302
    document = call.documents.get()
    url = reverse("admin:calls_calldocument_download", args=[document.pk])
    assert url in manager_client.get(change_url(call)).content.decode()
    download = manager_client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF

    client.logout()
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    assert client.get(url).status_code == 404


# --- status actions ----------------------------------------------------------------------------


def _act(client, action, *calls):
    return client.post(reverse(CHANGELIST), {
        "action": action, ACTION_CHECKBOX_NAME: [c.pk for c in calls], "index": "0",
    }, follow=True)


def test_publish_action_publishes_a_draft_and_audits_it(manager_client, manager_a,
                                                        eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    response = _act(manager_client, "publish", call)
    call.refresh_from_db()
    assert call.status == OpenCall.Status.PUBLISHED
    assert messages_of(response) == ["1 call is published."]
    entry = audit_trail(call).get()
    assert (entry.from_state, entry.to_state, entry.actor) == ("draft", "published",
                                                               manager_a.user)


def test_back_to_draft_action_unpublishes(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.PUBLISHED)
    response = _act(manager_client, "back_to_draft", call)
    call.refresh_from_db()
    assert call.status == OpenCall.Status.DRAFT
    assert messages_of(response) == ["1 call is back to draft."]


def test_publish_action_reports_a_refused_transition_as_an_error(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.CLOSED,
                           reference="DREAM-OC1")
    response = _act(manager_client, "publish", call)
    call.refresh_from_db()
    assert call.status == OpenCall.Status.CLOSED
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert str(message) == "DREAM-OC1: This cannot go from “Closed” to “Published”."


def test_publish_action_refuses_a_call_the_user_only_observes(manager_client, manager_a,
                                                              eurocluster_b):
    MembershipFactory(user=manager_a.user, eurocluster=eurocluster_b,
                      role=Membership.Role.OBSERVER)
    call = OpenCallFactory(eurocluster=eurocluster_b, status=OpenCall.Status.DRAFT,
                           reference="SEE-OC1")
    response = _act(manager_client, "publish", call)
    call.refresh_from_db()
    assert call.status == OpenCall.Status.DRAFT
    assert messages_of(response) == [
        f"SEE-OC1: you may not change the calls of {eurocluster_b.acronym}."
    ]


def test_publish_action_cannot_reach_another_euroclusters_call(manager_client, eurocluster_b):
    call = OpenCallFactory(eurocluster=eurocluster_b, status=OpenCall.Status.DRAFT)
    _act(manager_client, "publish", call)
    call.refresh_from_db()
    assert call.status == OpenCall.Status.DRAFT


def test_observer_has_no_status_actions(client, eurocluster_a):
    observer = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    client.force_login(observer.user)
    response = client.get(reverse(CHANGELIST))
    assert response.context["action_form"] is None
    _act(client, "publish", call)
    call.refresh_from_db()
    assert call.status == OpenCall.Status.DRAFT


# --- query budget ------------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_changelist_makes_the_same_number_of_queries_at_1_and_20_calls(manager_client,
                                                                       eurocluster_a):
    url = reverse(CHANGELIST)
    manager_client.get(url)  # warm the per-process caches (content types, templates)
    OpenCallFactory(eurocluster=eurocluster_a)
    at_one = _count_queries(manager_client, url)
    OpenCallFactory.create_batch(19, eurocluster=eurocluster_a)
    at_twenty = _count_queries(manager_client, url)
    assert at_one == at_twenty


def test_change_page_makes_the_same_number_of_queries_with_1_and_10_inline_rows(
    manager_client, eurocluster_a
):
    call = OpenCallFactory(eurocluster=eurocluster_a)
    manager_client.get(change_url(call))
    VoucherTypeFactory(call=call)
    CriterionFactory(call=call)
    CallDocument.objects.create(call=call, title="Guide", file=ContentFile(MINIMAL_PDF, "g.pdf"))
    at_one = _count_queries(manager_client, change_url(call))
    VoucherTypeFactory.create_batch(9, call=call)
    CriterionFactory.create_batch(9, call=call)
    for n in range(9):
        CallDocument.objects.create(call=call, title=f"Template {n}",
                                    file=ContentFile(MINIMAL_PDF, f"t{n}.pdf"))
    at_ten = _count_queries(manager_client, change_url(call))
    assert at_one == at_ten


def test_an_infected_call_document_is_refused_naming_the_threat_and_audited(
        manager_client, manager_a, eurocluster_a, fake_clamd):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    upload = SimpleUploadedFile("guide.pdf", INFECTED_PDF, content_type="application/pdf")
    response = manager_client.post(change_url(call),
                                   _with_document(call_form_data(), call, upload))
    assert response.status_code == 200
    assert inline_formset(response, "documents").errors == [{"file": [refusal("guide.pdf")]}]
    assert not CallDocument.objects.exists()
    assert [(e.action, e.actor, e.reason) for e in audit_trail(call)] == [
        ("upload_infected", manager_a.user, THREAT)]


def test_a_call_document_waiting_for_its_scan_is_neither_listed_nor_served(
        manager_client, client, eurocluster_a, fake_clamd):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    fake_clamd.down = True
    upload = SimpleUploadedFile("guide.pdf", MINIMAL_PDF, content_type="application/pdf")
    assert manager_client.post(change_url(call), _with_document(
        call_form_data(), call, upload)).status_code == 302
    document = call.documents.get()
    assert document.scan_status == ScanStatus.PENDING
    assert "Scan pending" in manager_client.get(change_url(call)).content.decode()
    admin_download = reverse("admin:calls_calldocument_download", args=[document.pk])
    assert manager_client.get(admin_download).status_code == 404
    OpenCall.objects.filter(pk=call.pk).update(status=OpenCall.Status.OPEN)
    call.refresh_from_db()  # the admin's form set its reference and slug
    public = reverse("calls:document", kwargs={"slug": call.slug, "pk": document.pk})
    client.logout()
    page = client.get(call.get_absolute_url())
    assert page.status_code == 200
    assert public not in page.content.decode()
    assert client.get(public).status_code == 404

    fake_clamd.down = False
    registered_task("portal.scan_pending").apply()
    assert public in client.get(call.get_absolute_url()).content.decode()
    assert client.get(public).status_code == 200


def test_every_input_of_the_call_form_has_a_name_for_screen_readers(manager_client, eurocluster_a):
    call = OpenCallFactory(eurocluster=eurocluster_a)
    CriterionFactory(call=call, name="Impact")
    page = manager_client.get(reverse("admin:calls_opencall_change", args=[call.pk]))
    html = page.content.decode()

    # Date and time each in a label of their own (Django leaves both unlabelled).
    assert '<label>Date: <input type="text" name="opens_at_0"' in html
    assert '<label>Time: <input type="text" name="opens_at_1"' in html
    # A tabular inline's inputs are named after their column, its delete box "Delete".
    assert re.search(r'<input [^>]*name="criteria-0-name_en" [^>]*aria-label="Name \[en\]"',
                     html)
    assert re.search(r'<input [^>]*name="criteria-0-name_ro" [^>]*aria-label="Name \[ro\]"',
                     html)
    assert re.search(r'<input [^>]*name="criteria-0-DELETE" [^>]*aria-label="Delete"', html)
