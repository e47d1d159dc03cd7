from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from applications.demo_data import ADMIN, DEMO_PASSWORD, EVALUATORS, STAFF
from applications.identifiers import normalise_identifier
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    Organisation,
)
from calls.models import OpenCall, TrancheStep, VoucherType
from euroclusters.models import Eurocluster, KpiTarget, Membership, Objective, Partner
from payments.services.finance import eurocluster_account_problem
from portal.demo import DEMO_TOTP_SECRET
from portal.models import AuditEntry, Notification

COUNTED = (Eurocluster, Partner, KpiTarget, OpenCall, VoucherType, TrancheStep, Membership, User,
           EmailAddress, Organisation, Application, ApplicationVersion, Attachment, AuditEntry)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}



@pytest.fixture
def seeded(db):
    return seed()


def test_second_run_changes_nothing(seeded):
    first = counts()
    versions = list(ApplicationVersion.objects.values_list("pk", "sha256").order_by("pk"))
    stamps = list(OpenCall.objects.values_list("pk", "updated_at").order_by("pk"))

    output = seed()

    assert counts() == first
    assert list(ApplicationVersion.objects.values_list("pk", "sha256").order_by("pk")) == versions
    assert list(OpenCall.objects.values_list("pk", "updated_at").order_by("pk")) == stamps
    assert "Nothing to change: the demo data is already in place." in output


def test_first_run_counts(seeded):
    assert counts() | {"AuditEntry": 0} == {
        "Eurocluster": 4, "Partner": 23, "KpiTarget": 25, "OpenCall": 7, "VoucherType": 13,
        "TrancheStep": 18, "Membership": 8, "User": 28, "EmailAddress": 28, "Organisation": 14,
        "Application": 19, "ApplicationVersion": 17, "Attachment": 36, "AuditEntry": 0,
    }


def test_the_four_euroclusters_of_the_design(seeded):
    budgets = dict(Eurocluster.objects.values_list("acronym", "cascade_budget"))
    assert budgets == {"DREAM": Decimal("1050000"), "Silicon Europe": Decimal("1100000"),
                       "RE-CENTRE": Decimal("1050000"), "DESIRE": Decimal("1050000")}
    dream = Partner.objects.filter(eurocluster__acronym="DREAM")
    assert sorted((p.name, p.country.code, p.is_coordinator) for p in dream) == [
        ("Cluj IT Cluster", "RO", False), ("G.A.C. Group", "FR", False),
        ("MESAP", "IT", False), ("Pôle Mecatech", "BE", False), ("Pôle SCS", "FR", True),
    ]
    silicon = Partner.objects.filter(eurocluster__acronym="Silicon Europe")
    assert sorted(p.country.code for p in silicon) == sorted(
        ["FR", "NL", "IT", "DE", "PT", "AT", "SE", "BG", "ES", "BE"])
    assert {"Pôle SCS", "MESAP", "ICT Cluster"} <= {p.name for p in silicon}
    targets = dict(KpiTarget.objects.filter(eurocluster__acronym="Silicon Europe")
                   .values_list("name", "target"))
    assert {k: targets[k] for k in ("New products", "Innovation projects", "Companies benefited",
                                    "Business agreements", "Companies internationalised")} == {
        "New products": 12, "Innovation projects": 12, "Companies benefited": 300,
        "Business agreements": 20, "Companies internationalised": 15,
    }
    assert KpiTarget.objects.get(eurocluster__acronym="DREAM",
                                 name="Innovation projects funded").target == 35


def test_a_cluster_in_several_consortia_keeps_one_valid_vat_number(seeded):
    cluj = set(Partner.objects.filter(name="Cluj IT Cluster")
               .values_list("registration_number", flat=True))
    assert len(cluj) == 1
    assert Partner.objects.filter(name="Cluj IT Cluster").count() == 3
    for partner in Partner.objects.all():
        assert normalise_identifier(partner.registration_number,
                                    partner.country.code) == partner.registration_number
    for organisation in Organisation.objects.all():
        assert normalise_identifier(organisation.registration_number,
                                    organisation.country.code) == organisation.registration_number


def test_every_eurocluster_has_an_open_call(seeded):
    for eurocluster in Eurocluster.objects.all():
        assert any(call.accepts_submissions() and call.status == OpenCall.Status.OPEN
                   for call in eurocluster.calls.all()), eurocluster


def test_exactly_one_forthcoming_and_two_closed_calls(seeded):
    now = timezone.now()
    forthcoming = OpenCall.objects.filter(status=OpenCall.Status.PUBLISHED)
    closed = OpenCall.objects.filter(status=OpenCall.Status.CLOSED).order_by("reference")
    assert [c.reference for c in forthcoming] == ["SEE-DEMO-2027"]
    assert forthcoming.get().opens_at > now
    assert forthcoming.get().phase == "forthcoming"
    assert [c.reference for c in closed] == ["DREAM-OC1-2026", "SEE-GREEN-OC1-2026"]
    assert all(call.closes_at < now for call in closed)
    assert OpenCall.objects.filter(status=OpenCall.Status.OPEN).count() == 4


def test_deadlines_are_at_five_pm_brussels(seeded):
    for call in OpenCall.objects.all():
        local = timezone.localtime(call.closes_at)
        assert (local.hour, local.minute, local.second) == (17, 0, 0), call


def test_voucher_types_of_the_design(seeded):
    green = VoucherType.objects.get(call__eurocluster__acronym="Silicon Europe",
                                    call__status=OpenCall.Status.OPEN, name="Green voucher")
    assert (green.min_amount, green.max_amount, green.number_of_vouchers) == (
        Decimal("3600"), Decimal("3600"), 15)
    # The Eurocluster's 25 green vouchers (DESIGN.md): 10 in the closed first cut-off.
    assert VoucherType.objects.filter(call__eurocluster__acronym="Silicon Europe",
                                      name="Green voucher").aggregate(
        total=Sum("number_of_vouchers"))["total"] == 25
    collaboration = VoucherType.objects.get(name="Collaboration innovation voucher")
    assert collaboration.call.eurocluster.acronym == "RE-CENTRE"
    assert (collaboration.min_consortium_size, collaboration.max_consortium_size,
            collaboration.min_countries, collaboration.max_amount) == (2, 4, 2, Decimal("52000"))


def test_tranches_add_up_to_100_for_every_call(seeded):
    for call in OpenCall.objects.all():
        total = call.tranche_steps.aggregate(total=Sum("percentage"))["total"]
        assert total == Decimal("100"), call
        assert call.criteria.count() == 3
        assert call.required_documents.filter(is_mandatory=True).count() == 2


def test_call_budgets_stay_within_the_cascade_budget(seeded):
    for eurocluster in Eurocluster.objects.all():
        total = eurocluster.calls.aggregate(total=Sum("budget"))["total"]
        assert total <= eurocluster.cascade_budget, eurocluster


def test_the_cascade_budget_is_more_than_three_quarters_of_the_total(seeded):
    shares = {e.acronym: (e.total_budget, e.cascade_share) for e in Eurocluster.objects.all()}
    assert shares == {"DREAM": (Decimal("1395000"), Decimal("75.3")),
                      "Silicon Europe": (Decimal("1450000"), Decimal("75.9")),
                      "RE-CENTRE": (Decimal("1390000"), Decimal("75.5")),
                      "DESIRE": (Decimal("1380000"), Decimal("76.1"))}


def test_every_voucher_type_serves_a_eurocluster_objective(seeded):
    objectives = {(v.call.reference, v.name): v.objective
                  for v in VoucherType.objects.select_related("call")}
    assert objectives == {
        ("DREAM-OC2-2026", "Innovation voucher"): Objective.GREEN_DIGITAL,
        ("DREAM-OC2-2026", "Internationalisation consultancy voucher"): Objective.INTERNATIONAL,
        ("DREAM-OC1-2026", "Innovation voucher"): Objective.GREEN_DIGITAL,
        ("DREAM-OC1-2026", "Internationalisation consultancy voucher"): Objective.INTERNATIONAL,
        ("SEE-GREEN-DEMO-2026", "Green voucher"): Objective.GREEN_DIGITAL,
        ("SEE-GREEN-DEMO-2026", "Demonstration project"): Objective.AUTONOMY,
        ("SEE-DEMO-2027", "Demonstration project"): Objective.AUTONOMY,
        ("RECENTRE-2026", "Collaboration innovation voucher"): Objective.AUTONOMY,
        ("RECENTRE-2026", "Internationalisation voucher (Mexico and Chile)"):
            Objective.INTERNATIONAL,
        ("DESIRE-2026", "Product innovation voucher"): Objective.AUTONOMY,
        ("DESIRE-2026", "Business-process innovation voucher"): Objective.GREEN_DIGITAL,
        ("DESIRE-2026", "Internationalisation voucher (third countries)"):
            Objective.INTERNATIONAL,
        ("SEE-GREEN-OC1-2026", "Green voucher"): Objective.GREEN_DIGITAL,
    }


def test_every_user_has_a_verified_primary_address_and_the_demo_password(seeded):
    for user in User.objects.all():
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True,
                                           primary=True).exists(), user
    assert User.objects.get(email="admin@example.org").is_superuser
    assert User.objects.get(email="lotte@brabant-vision.example.eu").check_password(
        DEMO_PASSWORD)


def test_staff_evaluators_and_the_administrator_have_the_demo_second_factor(seeded):
    """The portal requires a second factor of them: the demo's known authenticator-app secret,
    printed with the logins; SME applicants have none (they are only invited to)."""
    with_totp = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP)
                    .values_list("user__email", flat=True))
    expected = ({ADMIN[0]} | {email for email, *_ in STAFF} | {email for email, _ in EVALUATORS})
    assert with_totp == expected
    for authenticator in Authenticator.objects.all():
        assert decrypt(authenticator.data["secret"]) == DEMO_TOTP_SECRET
    assert (f"an authenticator app with the secret {DEMO_TOTP_SECRET}. The current code: "
            "`python manage.py demo_totp`") in seeded


def test_a_manager_and_a_finance_officer_per_eurocluster(seeded):
    for eurocluster in Eurocluster.objects.all():
        roles = sorted(eurocluster.memberships.values_list("role", flat=True))
        assert roles == ["finance", "manager"], eurocluster
    assert not Membership.objects.filter(user__is_staff=False).exists()


def test_enterprises_cover_micro_small_and_medium(seeded):
    classes = {o.legal_name: o.sme_class.value for o in Organisation.objects.all()}
    assert {"micro", "small", "medium", "not_sme"} == set(classes.values())
    # The linked holding (60 %) makes this 30-person company medium-sized.
    assert classes["Drau Leistungselektronik GmbH"] == "medium"
    # A large group holds 70 %: not an SME at all (the demo's ineligible proposal).
    assert [name for name, value in classes.items() if value == "not_sme"] == [
        "Jutland Pack Automation ApS"]


def test_applications_are_what_the_portal_makes(seeded):
    submitted = Application.objects.filter(status=Application.Status.SUBMITTED)
    drafts = Application.objects.filter(status=Application.Status.DRAFT)
    assert submitted.count() == 16
    assert drafts.count() == 3
    assert submitted.values("call__eurocluster").distinct().count() == 3
    resubmitted = Application.objects.get(acronym="SILKEYE")
    assert list(resubmitted.versions.values_list("number", flat=True)) == [2, 1]
    assert resubmitted.versions.first().receipt_code.endswith("-v2")
    for version in ApplicationVersion.objects.all():
        assert len(version.sha256) == 64
        assert version.eligibility.outcome == "pending"


def test_the_re_centre_project_has_a_partner_from_another_country(seeded):
    project = Application.objects.get(acronym="CIRCUPASS")
    assert project.status == Application.Status.SUBMITTED
    assert project.organisation.country.code == "IT"
    assert [(m.legal_name, m.country.code) for m in project.members.all()] == [
        ("Mobiliario Levante Digital S.L.", "ES")]
    content = project.versions.get().content
    assert content["members"][0]["country"] == "ES"


def test_an_open_call_whose_deadline_passed_is_opened_again(seeded):
    call = OpenCall.objects.get(reference="DESIRE-2026")
    past = timezone.now() - timedelta(days=1)
    OpenCall.objects.filter(pk=call.pk).update(status=OpenCall.Status.CLOSED,
                                               opens_at=past - timedelta(days=30), closes_at=past)

    output = seed()

    call.refresh_from_db()
    assert call.status == OpenCall.Status.OPEN
    assert call.accepts_submissions()
    assert "OpenCall ~1" in output


def test_refused_in_production_without_the_flag(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_one_receipt_per_submitted_version(db, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    # Each mail is a notification's (its kind tells what it is; some demo SMEs read another
    # language than English, so subjects differ).
    kind_of = dict(Notification.objects.values_list("text", "kind"))
    receipts = [m for m in mailoutbox
                if kind_of.get(m.subject) == "applications.submission_receipt"]
    assert sorted(m.to[0] for m in receipts) == sorted(
        ApplicationVersion.objects.values_list("submitted_by__email", flat=True))
    assert len(receipts) == 17
    # The rest are the demo's questions about a call: its manager told of each of the three,
    # the askers of the two answers, and of their publication.
    assert sorted((m.to[0], kind_of[m.subject]) for m in mailoutbox if m not in receipts) == \
        sorted([
            *[("manager.dream@example.eu", "calls.question_asked")] * 3,
            ("lotte@brabant-vision.example.eu", "calls.question_answered"),
            ("mathieu@atelier-numerique.example.eu", "calls.question_answered"),
            ("lotte@brabant-vision.example.eu", "calls.qa_published"),
            ("mathieu@atelier-numerique.example.eu", "calls.qa_published"),
        ])
    # Mathieu reads French: his mails are in French.
    french = [m for m in mailoutbox if m.to[0] == "mathieu@atelier-numerique.example.eu"]
    assert french and all('<html lang="fr">' in m.alternatives[0][0] for m in french)
    # The checks ran after each submission: Levante Digital leads one RE-CENTRE proposal and is
    # a partner in another, so both wait for the manager.
    outcomes = {(a.acronym, a.status, a.versions.first().eligibility.outcome)
                for a in Application.objects.exclude(status=Application.Status.DRAFT)}
    assert outcomes == {
        ("SILKEYE", "eligible", "eligible"), ("PACKTWIN", "eligible", "eligible"),
        ("GREENLCA", "eligible", "eligible"), ("CIRCUPASS", "submitted", "needs_review"),
        ("CONFIGCL", "submitted", "needs_review"),
        ("ROBOSAND", "eligible", "eligible"), ("SINTERTWIN", "eligible", "eligible"),
        ("WAFERSCAN", "eligible", "eligible"), ("PRINTSPARE", "eligible", "eligible"),
        ("FOUNDRYSEC", "eligible", "eligible"), ("SPINDLEWATCH", "eligible", "eligible"),
        ("PACKBOT", "ineligible", "ineligible"),
        ("GREENSENS", "eligible", "eligible"), ("LENSLOOP", "eligible", "eligible"),
        ("CLEANROOM-E", "eligible", "eligible"), ("SILVERBACK", "eligible", "eligible"),
    }


def test_the_closed_call_took_its_proposals_while_open_and_is_closed_again(seeded):
    call = OpenCall.objects.get(reference="DREAM-OC1-2026")
    assert call.status == OpenCall.Status.CLOSED
    assert call.closes_at < timezone.now() < call.evaluation_deadline
    assert not call.accepts_submissions()
    assert call.evaluators_per_application == 2
    assert call.exclude_same_country
    assert "Predictive maintenance" in call.expertise_taxonomy
    proposals = call.applications.order_by("acronym")
    assert [a.acronym for a in proposals] == [
        "FOUNDRYSEC", "PACKBOT", "PRINTSPARE", "ROBOSAND", "SINTERTWIN", "SPINDLEWATCH",
        "WAFERSCAN"]
    for application in proposals:
        assert application.status == Application.Status.SUBMITTED
        assert application.voucher_type.name == "Innovation voucher"
        assert not application.members.exists()
        assert set(application.topics) <= set(call.expertise_taxonomy)
        version = application.versions.get()
        assert version.content["topics"] == application.topics
        assert AuditEntry.objects.filter(content_type__model="application",
                                         object_id=application.pk,
                                         action="submitted").count() == 1


def test_a_closed_call_in_evaluation_keeps_its_stage_and_gets_fresh_dates(seeded):
    call = OpenCall.objects.get(reference="DREAM-OC1-2026")
    long_ago = timezone.now() - timedelta(days=200)
    OpenCall.objects.filter(pk=call.pk).update(
        status=OpenCall.Status.EVALUATION, opens_at=long_ago - timedelta(days=60),
        closes_at=long_ago, evaluation_deadline=long_ago + timedelta(days=20))

    output = seed()

    call.refresh_from_db()
    assert call.status == OpenCall.Status.EVALUATION
    assert call.closes_at < timezone.now() < call.evaluation_deadline
    assert call.closes_at > long_ago
    assert "OpenCall ~1" in output
    assert "Nothing to change" in seed()


def test_proposals_missing_from_a_call_in_evaluation_are_refused(seeded):
    call = OpenCall.objects.get(reference="DREAM-OC1-2026")
    # Submitted versions cannot be deleted: move the proposal out of the call instead.
    Application.objects.filter(acronym="PACKBOT").update(
        call=OpenCall.objects.get(reference="DREAM-OC2-2026"))
    OpenCall.objects.filter(pk=call.pk).update(status=OpenCall.Status.EVALUATION)

    with pytest.raises(CommandError, match="cannot be submitted any more"):
        seed()

    assert call.applications.count() == 6
    call.refresh_from_db()
    assert call.status == OpenCall.Status.EVALUATION


def test_every_eurocluster_has_a_valid_paying_account(seeded):
    for eurocluster in Eurocluster.objects.all():
        assert eurocluster.iban and eurocluster.bic and eurocluster.account_holder, eurocluster
        assert eurocluster_account_problem(eurocluster) is None, eurocluster


def test_the_closed_green_voucher_call_took_four_proposals(seeded):
    call = OpenCall.objects.get(reference="SEE-GREEN-OC1-2026")
    assert (call.status, call.budget, call.eurocluster.acronym) == (
        OpenCall.Status.CLOSED, Decimal("36000"), "Silicon Europe")
    assert not call.accepts_submissions()
    assert list(call.tranche_steps.values_list("percentage", "event")) == [
        (Decimal("40"), "agreement_countersigned"), (Decimal("45"), "interim_report_approved"),
        (Decimal("15"), "final_report_approved")]
    proposals = {a.acronym: (a.organisation.user.email, a.status, a.requested_amount)
                 for a in call.applications.select_related("organisation__user")}
    assert proposals == {
        "GREENSENS": ("ines@minho-sensores.example.eu", "submitted", Decimal("3600")),
        "LENSLOOP": ("lotte@brabant-vision.example.eu", "submitted", Decimal("3600")),
        "CLEANROOM-E": ("jonas@elbtal-mikro.example.eu", "submitted", Decimal("3600")),
        "SILVERBACK": ("eva@drau-elektronik.example.eu", "submitted", Decimal("3600")),
    }
