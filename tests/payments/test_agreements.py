"""Agreement services: generation (idempotent, regenerate while unsigned), commitment checks,
signature and countersignature, tampering, declines past the deadline, tasks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from applications.models import Application, ApplicationVersion, ConsortiumMember
from calls.models import OpenCall
from euroclusters.models import Membership
from evaluation.models import Ranking, RankingEntry
from payments.models import GrantAgreement, Signature, Tranche
from payments.pdf import pdf_text, sha256_hex
from payments.services.agreements import (
    CommitmentExceeded,
    DocumentTampered,
    SignatureRefused,
    agreement_countersign,
    agreement_generate,
    agreement_sign,
    agreements_decline_overdue,
)
from payments.services.agreements.signatures import normalised_name
from payments.tasks import (
    task_decline_overdue_agreements,
    task_generate_agreement,
    task_generate_missing_agreements,
)
from portal.audit import audit_trail
from portal.errors import DomainError
from tests.factories import MembershipFactory, OrganisationFactory, PartnerFactory
from tests.payments.factories import agreement_row, results_call, selected_application

pytestmark = pytest.mark.django_db
A = GrantAgreement.Status
S = Application.Status
PASSWORD = "correct-horse-42"
UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def call(eurocluster_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("100000"))
    PartnerFactory(eurocluster=eurocluster_a, name="Pôle SCS", country="FR", is_coordinator=True)
    PartnerFactory(eurocluster=eurocluster_a, name="Pôle Mecatech", country="BE")
    return call


@pytest.fixture
def application(call):
    application = selected_application(call)
    ConsortiumMember.objects.create(
        application=application, legal_name="Vision Partner GmbH",
        registration_number="DE129273398", country="DE", contact_email="c@vision.example.org",
        staff_headcount=Decimal("8"), annual_turnover=Decimal("900000"),
        balance_sheet_total=Decimal("500000"), role="Camera integration")
    return application


def selected(call, amount=None, **kwargs) -> Application:
    """A selected application asking ``amount`` (the payments factory cannot set the amount:
    ``complete_application`` fixes it to 20,000)."""
    application = selected_application(call, **kwargs)
    if amount is not None:
        Application.objects.filter(pk=application.pk).update(requested_amount=Decimal(amount))
        application.refresh_from_db()
    return application


def sign(agreement, user, **overrides):
    arguments = {"password": PASSWORD, "typed_name": user.full_name, "accepted": True,
                 "ip_address": "198.51.100.7", "user_agent": UA}
    return agreement_sign(agreement=agreement, by=user, **{**arguments, **overrides})


def countersign(agreement, user, **overrides):
    arguments = {"password": PASSWORD, "typed_name": user.full_name, "accepted": True,
                 "ip_address": "203.0.113.9", "user_agent": "Chrome/126"}
    return agreement_countersign(agreement=agreement, by=user, **{**arguments, **overrides})


def refusals(agreement, action="agreement_sign_refused"):
    return [(e.data["kind"], e.reason) for e in audit_trail(agreement).filter(action=action)]


# --- generation -------------------------------------------------------------------------------


def test_generate_stores_the_pdf_with_its_hash_and_deadline(application, manager_a, committed):
    before = timezone.now()
    with committed():
        agreement = agreement_generate(application=application, by=manager_a.user)
    agreement.refresh_from_db()
    data = agreement.file.read()
    assert data.startswith(b"%PDF-")
    assert agreement.sha256 == sha256_hex(data)
    assert (agreement.status, agreement.revision, agreement.amount) == (
        A.GENERATED, 1, Decimal("20000.00"))
    assert before + timedelta(days=15) <= agreement.signing_deadline <= (
        timezone.now() + timedelta(days=15))
    assert agreement.third_party.identity_key
    assert [e.action for e in audit_trail(agreement)] == ["agreement_generated"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [application.organisation.user.email]
    assert "ready to sign" in mail.outbox[0].subject
    assert f"/applications/{application.pk}/agreement/" in mail.outbox[0].body


def test_generate_again_returns_the_same_agreement_unchanged(application):
    first = agreement_generate(application=application)
    again = agreement_generate(application=application)
    assert (again.pk, again.sha256, again.revision, again.file.name) == (
        first.pk, first.sha256, 1, first.file.name)
    assert GrantAgreement.objects.count() == 1


def test_generate_removes_the_pdf_a_killed_attempt_left_behind(application, _private_files):
    # A worker killed after writing the file, before committing the agreement that names it.
    orphan = _private_files / "agreements" / str(application.pk) / "0123abcd.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.7 half written")
    agreement = agreement_generate(application=application)
    assert [path.name for path in orphan.parent.iterdir()] == [agreement.file.name.split("/")[-1]]


def test_generate_refuses_an_application_that_is_not_selected(call):
    application = selected_application(call)
    Application.objects.filter(pk=application.pk).update(status=S.RESERVE)
    with pytest.raises(DomainError) as refused:
        agreement_generate(application=application)
    assert refused.value.message == ("Only a selected application gets a grant agreement; "
                                     "SWELD is “Reserve list”.")
    assert not GrantAgreement.objects.exists()


def test_regenerate_while_unsigned_gives_a_new_revision_file_and_hash(application, call):
    first = agreement_generate(application=application)
    old = (first.sha256, first.file.name, first.signing_deadline, first.verification_code)
    call.agreement_template = "<h1>Agreement {{ call.reference }}</h1><p>{{ amount_text }}</p>"
    call.save(update_fields=["agreement_template"])
    again = agreement_generate(application=application, regenerate=True)
    again.refresh_from_db()
    assert again.pk == first.pk
    assert again.revision == 2
    assert again.sha256 != old[0] and again.file.name != old[1]
    assert again.sha256 == sha256_hex(again.file.read())
    assert (again.signing_deadline, again.verification_code) == (old[2], old[3])
    assert [e.action for e in audit_trail(again).order_by("pk")] == [
        "agreement_generated", "agreement_regenerated"]
    assert audit_trail(again).get(action="agreement_regenerated").data["previous_sha256"] == old[0]
    text = pdf_text(again.file.open("rb").read())
    assert f"Agreement {call.reference}" in text and "EUR 20,000.00" in text


def test_regenerate_is_refused_once_the_beneficiary_signed(application):
    agreement = agreement_generate(application=application)
    sign(agreement, application.organisation.user)
    with pytest.raises(DomainError) as refused:
        agreement_generate(application=application, regenerate=True)
    assert refused.value.message == ("The agreement can be generated again only while nobody "
                                     "has signed it; it is “Signed by the beneficiary”.")
    assert GrantAgreement.objects.get().revision == 1


# --- commitments ------------------------------------------------------------------------------


def test_generate_refuses_beyond_the_call_budget_with_the_figures(eurocluster_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("30000"))
    first = selected_application(call)
    second = selected(call, "10000.01")
    agreement_generate(application=first)
    with pytest.raises(CommitmentExceeded) as refused:
        agreement_generate(application=second)
    assert refused.value.message == (
        "This agreement would take the call over its budget: EUR 20,000.00 already committed + "
        "EUR 10,000.01 = EUR 30,000.01, more than the budget of EUR 30,000.00.")
    assert GrantAgreement.objects.count() == 1


def test_a_declined_agreement_frees_the_call_budget(eurocluster_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("30000"))
    first = selected_application(call)
    agreement_row(first, status=A.DECLINED)
    second = selected_application(call)
    assert agreement_generate(application=second).amount == Decimal("20000.00")


def test_generate_refuses_beyond_the_cap_per_third_party_across_euroclusters(
        eurocluster_a, eurocluster_b):
    organisation = OrganisationFactory()
    call_a = results_call(eurocluster=eurocluster_a)
    call_b = results_call(eurocluster=eurocluster_b)
    first = selected(call_a, "30000", organisation=organisation)
    second = selected(call_b, "30000.01", organisation=organisation)
    agreement_generate(application=first)
    with pytest.raises(CommitmentExceeded) as refused:
        agreement_generate(application=second)
    assert refused.value.message == (
        f"This agreement would take {organisation.legal_name} over the maximum support per "
        "third party: EUR 30,000.00 already committed to it across the portal + EUR 30,000.01 "
        "= EUR 60,000.01, more than EUR 60,000.00.")
    assert list(GrantAgreement.objects.values_list("application_id", flat=True)) == [first.pk]


def test_the_amount_is_the_one_of_the_last_submitted_version(application):
    for number, amount in ((1, "25000.00"), (2, "18000.50")):
        ApplicationVersion.objects.create(
            application=application, number=number, submitted_at=timezone.now(),
            submitted_by=application.organisation.user, sha256="0" * 64,
            receipt_code=f"R-{application.pk}-{number}",
            content={"requested_amount": amount, "title": "Welding cell v2", "members": [],
                     "acronym": "SWELD2", "summary": "Submitted summary."})
    agreement = agreement_generate(application=application)
    assert agreement.amount == Decimal("18000.50")
    text = pdf_text(agreement.file.open("rb").read())
    assert "EUR 18,000.50" in text and "Welding cell v2" in text
    assert "Vision Partner GmbH" not in text  # the submitted version had no member


# --- signing ----------------------------------------------------------------------------------


@pytest.fixture
def agreement(application):
    return agreement_generate(application=application)


def test_sign_records_signer_time_ip_browser_and_hash(agreement, application):
    user = application.organisation.user
    signed = sign(agreement, user, typed_name=f"  {user.full_name.upper()} ",
                  user_agent="X" * 450)
    assert signed.status == A.SIGNED_BY_BENEFICIARY
    signature = Signature.objects.get()
    assert (signature.role, signature.signer, signature.typed_name, signature.ip_address,
            signature.user_agent, signature.document_sha256) == (
        Signature.Role.BENEFICIARY, user, user.full_name.upper(), "198.51.100.7", "X" * 400,
        agreement.sha256)
    assert [e.action for e in audit_trail(signed).order_by("pk")] == [
        "agreement_generated", "transition", "agreement_signed"]
    # A double click changes nothing.
    assert sign(signed, user).status == A.SIGNED_BY_BENEFICIARY
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(("overrides", "kind", "message"), [
    ({"password": "wrong"}, "password",
     "The password is not right. Enter the password you log in with."),
    ({"typed_name": "Somebody Else"}, "name", None),
    ({"accepted": False}, "accept", "Tick the box to accept the terms of the agreement."),
])
def test_sign_is_refused_and_audited(agreement, application, overrides, kind, message):
    user = application.organisation.user
    message = message or "Type your full name as registered on your account."
    with pytest.raises(SignatureRefused) as refused:
        sign(agreement, user, **overrides)
    assert refused.value.message == message
    assert refusals(agreement) == [(kind, message)]
    assert GrantAgreement.objects.get().status == A.GENERATED
    assert not Signature.objects.exists()


def test_the_typed_name_is_compared_without_accents_case_or_spaces(agreement, application):
    user = application.organisation.user
    user.full_name = "Inês Carvalhal"
    user.save(update_fields=["full_name"])
    signed = sign(agreement, user, typed_name="  ines   CARVALHAL ")
    assert signed.status == A.SIGNED_BY_BENEFICIARY
    assert Signature.objects.get().typed_name == "ines CARVALHAL"


def test_a_wrong_name_is_refused_without_showing_the_account_name(agreement, application):
    user = application.organisation.user
    user.full_name = "Inês Carvalhal"
    user.save(update_fields=["full_name"])
    with pytest.raises(SignatureRefused) as refused:
        sign(agreement, user, typed_name="Ines Carvalho")
    assert refused.value.message == "Type your full name as registered on your account."
    assert "Carvalhal" not in refused.value.message


@pytest.mark.parametrize(("typed", "registered"), [
    ("Ines Carvalhal", "Inês Carvalhal"),
    ("JOSE MARIA GARCIA", "José María García"),
    ("francois lefevre", "François Lefèvre"),
    ("Zoe Muller", "Zoë Müller"),
    ("ﬁona smith", "Fiona Smith"),  # a ligature (NFKD splits it)
])
def test_normalised_name_ignores_accents_case_and_compatibility_forms(typed, registered):
    assert normalised_name(typed) == normalised_name(registered)


def test_normalised_name_keeps_letters_apart():
    assert normalised_name("Ines Carvalhal") != normalised_name("Inez Carvalhal")


def test_an_account_without_a_full_name_must_type_two_words(agreement, application):
    user = application.organisation.user
    user.full_name = ""
    user.save(update_fields=["full_name"])
    with pytest.raises(SignatureRefused) as refused:
        sign(agreement, user, typed_name="Marie")
    assert refused.value.message == "Type your full name: first name and surname."
    sign(agreement, user, typed_name="Marie  Curie")
    assert Signature.objects.get().typed_name == "Marie Curie"


def test_five_wrong_passwords_lock_signing(agreement, application):
    user = application.organisation.user
    for _ in range(5):
        with pytest.raises(SignatureRefused):
            sign(agreement, user, password="wrong")
    with pytest.raises(SignatureRefused) as refused:
        sign(agreement, user)
    assert refused.value.message == "Too many wrong passwords: try again in 15 minutes."


def test_sign_after_the_deadline_is_refused(agreement, application):
    GrantAgreement.objects.filter(pk=agreement.pk).update(
        signing_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(SignatureRefused) as refused:
        sign(agreement, application.organisation.user)
    assert refused.value.message.startswith("The deadline to sign this agreement passed on ")
    assert GrantAgreement.objects.get().status == A.GENERATED


def test_sign_by_someone_else_is_refused(agreement, manager_a):
    with pytest.raises(SignatureRefused) as refused:
        sign(agreement, manager_a.user)
    assert refused.value.message == ("Only the beneficiary who leads the application signs its "
                                     "agreement.")


def test_a_tampered_file_is_refused_and_audited(agreement, application):
    with agreement.file.storage.open(agreement.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 forged")
    with pytest.raises(DocumentTampered):
        sign(agreement, application.organisation.user)
    assert [k for k, _ in refusals(agreement, "agreement_tampered")] == ["hash"]
    assert not Signature.objects.exists()
    assert GrantAgreement.objects.get().status == A.GENERATED


def test_countersign_records_both_builds_the_final_pdf_and_contracts(
        agreement, application, manager_a, committed):
    manager = manager_a.user
    sign(agreement, application.organisation.user)
    mail.outbox.clear()
    with committed():
        done = countersign(agreement, manager)
    done.refresh_from_db()
    assert done.status == A.COUNTERSIGNED
    final = done.final_file.open("rb").read()
    signed = done.file.open("rb").read()
    assert done.final_sha256 == sha256_hex(final)
    assert final.startswith(signed)  # the signed bytes, unchanged, then the signature page
    signatures = {s.role: s for s in done.signatures.all()}
    assert signatures[Signature.Role.COUNTERSIGNATORY].document_sha256 == done.sha256
    assert signatures[Signature.Role.COUNTERSIGNATORY].ip_address == "203.0.113.9"
    text = "".join(pdf_text(final).split())  # table cells wrap names and hashes
    for expected in ("Signature page", application.organisation.user.full_name,
                     manager.full_name, "198.51.100.7", "203.0.113.9", done.sha256, UA,
                     done.verification_code, f"/verify/?code={done.verification_code}"):
        assert "".join(expected.split()) in text, expected
    assert Application.objects.get(pk=application.pk).status == S.CONTRACTED
    tranches = list(Tranche.objects.filter(agreement=done).order_by("position"))
    assert [(t.amount, t.status) for t in tranches] == [
        (Decimal("10000.00"), Tranche.Status.DUE), (Decimal("10000.00"), Tranche.Status.PLANNED)]
    assert len(mail.outbox) == 1 and "countersigned" in mail.outbox[0].subject
    assert f"/applications/{application.pk}/agreement/document/" in mail.outbox[0].body
    # Countersigning again changes nothing.
    assert countersign(done, manager).final_sha256 == done.final_sha256


def test_countersign_before_the_beneficiary_signed_is_refused(agreement, manager_a):
    with pytest.raises(SignatureRefused) as refused:
        countersign(agreement, manager_a.user)
    assert refused.value.message == ("This agreement is “Ready to sign”: only an agreement "
                                     "signed by the beneficiary is countersigned.")


def test_countersign_by_a_manager_of_another_eurocluster_is_refused(agreement, application):
    other = MembershipFactory(role=Membership.Role.MANAGER).user
    sign(agreement, application.organisation.user)
    with pytest.raises(SignatureRefused):
        countersign(agreement, other)
    assert GrantAgreement.objects.get().status == A.SIGNED_BY_BENEFICIARY


def test_countersign_refuses_a_file_changed_after_the_beneficiary_signed(
        agreement, application, manager_a):
    sign(agreement, application.organisation.user)
    with agreement.file.storage.open(agreement.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 forged")
    with pytest.raises(DocumentTampered):
        countersign(agreement, manager_a.user)
    assert refusals(agreement, "agreement_tampered") == [(
        "hash", "The stored agreement is no longer the document that was generated and signed, "
                "so it cannot be signed. The cluster manager has been told to look into it.")]
    assert GrantAgreement.objects.get().status == A.SIGNED_BY_BENEFICIARY


# --- declines past the deadline ---------------------------------------------------------------


def test_decline_overdue_withdraws_and_moves_the_best_reserve_up(eurocluster_a, committed):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("40000"))
    kept = selected_application(call)
    late = selected_application(call)
    reserves = [selected_application(call) for _ in range(2)]
    Application.objects.filter(pk__in=[r.pk for r in reserves]).update(status=S.RESERVE)
    ranking = Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED,
                                     published_at=timezone.now(), computed_at=timezone.now())
    for rank, (application, outcome, position) in enumerate(
            [(kept, "selected", None), (late, "selected", None), (reserves[0], "reserve", 1),
             (reserves[1], "reserve", 2)], start=1):
        RankingEntry.objects.create(ranking=ranking, application=application, rank=rank,
                                    total=Decimal(20 - rank), amount=Decimal("20000"),
                                    outcome=outcome, reserve_position=position)
    on_time = agreement_generate(application=kept)
    overdue = agreement_generate(application=late)
    GrantAgreement.objects.filter(pk=overdue.pk).update(
        signing_deadline=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    with committed():
        assert agreements_decline_overdue() == 1
    assert GrantAgreement.objects.get(pk=overdue.pk).status == A.DECLINED
    assert GrantAgreement.objects.get(pk=on_time.pk).status == A.GENERATED
    assert [Application.objects.get(pk=a.pk).status for a in (kept, late, *reserves)] == [
        S.SELECTED, S.WITHDRAWN, S.SELECTED, S.RESERVE]
    assert "agreement_declined_overdue" in [e.action for e in audit_trail(overdue)]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([
        late.organisation.user.email, reserves[0].organisation.user.email])
    # Idempotent: nothing more to decline; the task says so too.
    assert agreements_decline_overdue() == 0
    assert task_decline_overdue_agreements.delay().get() == 0


def test_decline_overdue_leaves_signed_and_timely_agreements(application):
    agreement = agreement_generate(application=application)
    sign(agreement, application.organisation.user)
    GrantAgreement.objects.filter(pk=agreement.pk).update(
        signing_deadline=timezone.now() - timedelta(minutes=1))
    assert agreements_decline_overdue() == 0
    assert GrantAgreement.objects.get().status == A.SIGNED_BY_BENEFICIARY


# --- tasks ------------------------------------------------------------------------------------


def test_generate_task_twice_makes_one_agreement(application):
    first = task_generate_agreement.delay(application_id=application.pk).get()
    second = task_generate_agreement.delay(application_id=application.pk).get()
    assert first == second == GrantAgreement.objects.get().pk


def test_generate_task_logs_a_refusal_without_failing(eurocluster_a, caplog):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("1000"))
    application = selected_application(call)
    assert task_generate_agreement.delay(application_id=application.pk).get() is None
    assert "would take the call over its budget" in caplog.text
    assert task_generate_agreement.delay(application_id=10**9).get() is None


def test_sweep_generates_missing_agreements_of_published_calls_only(eurocluster_a, committed):
    published = results_call(eurocluster=eurocluster_a)
    Ranking.objects.create(call=published, status=Ranking.Status.PUBLISHED)
    waiting = selected_application(published)
    unpublished = results_call(eurocluster=eurocluster_a)
    Ranking.objects.create(call=unpublished, status=Ranking.Status.APPROVED)
    selected_application(unpublished)
    with committed():
        assert task_generate_missing_agreements.delay().get() == 1
    assert list(GrantAgreement.objects.values_list("application_id", flat=True)) == [waiting.pk]
    with committed():
        assert task_generate_missing_agreements.delay().get() == 0
    assert OpenCall.objects.count() == 2
