"""``manage.py seed_demo``: the demo data of DESIGN.md section 1, idempotent.

Reference data (Euroclusters, partners, KPI targets, calls and their parts, people) is keyed by a
natural key (acronym, name, call reference, e-mail) and brought to the values of
``applications.demo_data``; a row that already has them is not written at all, so a second run
changes nothing. Enterprises and applications are made only when missing, through the same
services as the portal (versions, hashes, receipts, audit records), and never touched afterwards.

Calls keep their dates while they are still in the phase they are meant to show (open,
forthcoming, closed); a call whose dates have run out, in a demo database seeded weeks ago, gets
fresh dates relative to today. A closed call may have moved on to its evaluation since (the
evaluation app's ``seed_demo_evaluation`` does that): it keeps that status.

The applications of a closed call are submitted through ``application_submit`` too, which takes
submissions only before the deadline by the server's clock. So the call takes them as it did
while it was open: it is put back in its open phase for the submissions, then moved to its closed
dates again (see ``Seeder.taking_submissions``). That happens only when the call is still closed
and not yet in evaluation, and only for applications missing from it.
"""

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from accounts.mfa import totp_give
from applications import demo_data, demo_translations
from applications.models import Application, Declaration, Organisation
from applications.selectors import organisation_of
from applications.services import (
    application_save_draft,
    application_start,
    application_submit,
    attachment_upload,
    organisation_save,
)
from calls.models import (
    CallAlertSubscription,
    CallQuestion,
    Criterion,
    OpenCall,
    RequiredDocument,
    TrancheStep,
    VoucherType,
)
from calls.question_services import question_answer, question_ask, question_publish
from euroclusters.models import Eurocluster, KpiTarget, Membership, Partner
from euroclusters.services import membership_grant
from portal.demo import DEMO_TOTP_SECRET, SITE, DemoCommand, seed_quietly

BRUSSELS = ZoneInfo("Europe/Brussels")
ROLE_LABELS = {"manager": "Cluster manager", "finance": "Finance officer"}
# A call of the "closed" phase of the tables: its deadline passed; it may be in evaluation since.
AFTER_DEADLINE = (OpenCall.Status.CLOSED, OpenCall.Status.EVALUATION, OpenCall.Status.RESULTS,
                  OpenCall.Status.COMPLETED)


def _same(current: Any, wanted: Any) -> bool:
    # CountryField gives Country objects; compare their codes with the table's strings.
    if hasattr(current, "code") and isinstance(wanted, str):
        current = current.code
    return current == wanted


class Seeder:
    """Brings the database to the demo tables; counts what it created, updated or left alone."""

    def __init__(self, *, data: dict, now: datetime) -> None:
        self.data = data
        self.now = now
        self.today = timezone.localdate(now, BRUSSELS)
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.removed: Counter[str] = Counter()
        self.euroclusters: dict[str, Eurocluster] = {}
        self.calls: dict[str, OpenCall] = {}

    @cached_property
    def password_hash(self) -> str:
        # Hashed once, and only when a user has to be created: a second run stays fast.
        return make_password(demo_data.DEMO_PASSWORD)

    def sync(self, model: type[models.Model], lookup: dict, values: dict,
             create_only: dict | None = None) -> models.Model:
        """The row of ``model`` found by ``lookup``, created or updated to ``values``.

        Unchanged rows are not saved, so ``auto_now`` stamps and audit trails stay as they were.
        """
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values, **(create_only or {}))
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            self.created[model.__name__] += 1
            return obj
        changed = [name for name, value in values.items() if not _same(getattr(obj, name), value)]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            self.updated[model.__name__] += 1
        return obj

    def run(self) -> None:
        for spec in self.data["euroclusters"]:
            self.seed_eurocluster(spec)
        for spec in self.data["calls"]:
            self.seed_call(spec)
        self.seed_people()
        for spec in self.data["applications"]:
            self.seed_application(spec)
        self.seed_questions()
        self.seed_alert_subscribers()

    # --- Euroclusters ------------------------------------------------------------------------

    def seed_eurocluster(self, spec: dict) -> None:
        eurocluster = self.sync(Eurocluster, {"acronym": spec["acronym"]}, {
            "name": spec["name"], "slug": spec["slug"], "strand": spec["strand"],
            "description": spec["description"], "cascade_budget": spec["cascade_budget"],
            "total_budget": spec["total_budget"],
            # The paying account of its SEPA transfers (reference data, like the name).
            "account_holder": spec["account"][0], "iban": spec["account"][1],
            "bic": spec["account"][2],
            # The granting party of its agreements.
            "address": spec["address"], "registration_number": spec["registration_number"],
        })
        self.euroclusters[spec["acronym"]] = eurocluster
        for partner in spec["partners"]:
            self.sync(Partner, {"eurocluster": eurocluster, "name": partner["name"]}, {
                "country": partner["country"], "is_coordinator": partner["is_coordinator"],
                "registration_number": partner["registration_number"],
            })
        for name, objective, target in spec["kpis"]:
            self.sync(KpiTarget, {"eurocluster": eurocluster, "name": name},
                      {"objective": objective, "target": target})

    # --- calls -------------------------------------------------------------------------------

    def at(self, days: int, hour: int) -> datetime:
        """``days`` from today at ``hour``:00 Brussels time (stored in UTC)."""
        return datetime.combine(self.today + timedelta(days=days), time(hour), tzinfo=BRUSSELS)

    def in_phase(self, call: OpenCall, spec: dict) -> bool:
        phase = spec["phase"]
        if phase == "open":
            return (call.status == OpenCall.Status.OPEN
                    and call.opens_at <= self.now < call.closes_at)
        if phase == "forthcoming":
            return call.status == OpenCall.Status.PUBLISHED and self.now < call.opens_at
        if call.status not in AFTER_DEADLINE or call.closes_at > self.now:
            return False
        # Evaluators must still be able to work: an evaluation deadline run out is moved too.
        wanted = spec.get("evaluation", {}).get("evaluation_deadline")
        return wanted is None or (call.evaluation_deadline is not None
                                  and call.evaluation_deadline > self.now)

    def seed_call(self, spec: dict) -> None:
        tranches = spec["tranches"]
        if sum(percentage for percentage, _event in tranches) != 100:
            raise CommandError(f"{spec['reference']}: the tranches must add up to 100 %.")
        values = {
            "eurocluster": self.euroclusters[spec["eurocluster"]],
            "slug": slugify(spec["reference"]), "title": spec["title"],
            "summary": spec["summary"], "description": spec["description"],
            "eligibility_summary": spec["eligibility"], "budget": spec["budget"],
            "description_sections": spec["sections"],
            "expertise_taxonomy": list(spec.get("taxonomy", [])),
        }
        evaluation = dict(spec.get("evaluation", {}))
        evaluation_deadline = evaluation.pop("evaluation_deadline", None)
        values.update(evaluation)
        existing = OpenCall.objects.filter(reference=spec["reference"]).first()
        if existing is None or not self.in_phase(existing, spec):
            # Seed data, not a lifecycle step: the status is set with the dates it goes with.
            status = {"open": OpenCall.Status.OPEN, "forthcoming": OpenCall.Status.PUBLISHED,
                      "closed": OpenCall.Status.CLOSED}[spec["phase"]]
            if (spec["phase"] == "closed" and existing is not None
                    and existing.status in AFTER_DEADLINE):
                status = existing.status  # in evaluation since: new dates, same stage
            values.update(status=status, opens_at=self.at(*spec["opens"]),
                          closes_at=self.at(*spec["closes"]))
            if evaluation_deadline is not None:
                values["evaluation_deadline"] = self.at(*evaluation_deadline)
        call = self.sync(OpenCall, {"reference": spec["reference"]}, values)
        self.calls[spec["reference"]] = call

        for position, voucher in enumerate(spec["vouchers"]):
            min_size, max_size, min_countries = voucher.get("consortium", (1, 1, 1))
            self.sync(VoucherType, {"call": call, "name": voucher["name"]}, {
                "description": voucher["description"], "min_amount": voucher["min"],
                "max_amount": voucher["max"], "number_of_vouchers": voucher["n"],
                "min_consortium_size": min_size, "max_consortium_size": max_size,
                "min_countries": min_countries, "position": position,
                "objective": voucher.get("objective", ""),
            })
        for position, (name, description) in enumerate(demo_data.CRITERIA):
            self.sync(Criterion, {"call": call, "name": name}, {
                "description": description, "weight": Decimal("1"), "max_score": Decimal("5"),
                "threshold": Decimal("3"), "position": position,
            })
        for position, (name, description, *mandatory) in enumerate(spec["documents"]):
            self.sync(RequiredDocument, {"call": call, "name": name}, {
                "description": description, "is_mandatory": mandatory[0] if mandatory else True,
                "position": position,
            })
        for position, (percentage, event) in enumerate(tranches):
            self.sync(TrancheStep, {"call": call, "position": position},
                      {"percentage": Decimal(percentage), "event": event})
        # A shorter schedule than an earlier seed must not leave a tranche behind.
        extra, _by_model = call.tranche_steps.filter(position__gte=len(tranches)).delete()
        if extra:
            self.removed["TrancheStep"] += extra
        self.translate_call(call)

    def translate_call(self, call) -> None:
        """The call's texts in the other languages of demo_translations (DREAM and RE-CENTRE in
        French, Italian and Romanian, DESIRE in Romanian and Bulgarian), and its criteria's."""
        def columns(text: dict, code: str, fields) -> dict:
            return {f"{field}_{code.replace('-', '_')}": text[field] for field in fields}

        for code, text in demo_translations.CALL_TEXTS.get(call.reference, {}).items():
            self.sync(OpenCall, {"pk": call.pk}, columns(
                text, code, ("title", "summary", "description", "eligibility_summary")))
            for model, key in ((VoucherType, "vouchers"), (RequiredDocument, "documents")):
                for name, texts in text[key].items():
                    self.sync(model, {"call": call, "name": name},
                              columns(texts, code, ("name", "description")))
        for name, by_language in demo_translations.CRITERIA.items():
            for code, texts in by_language.items():
                self.sync(Criterion, {"call": call, "name": name},
                          columns(texts, code, ("name", "description")))

    # --- people ------------------------------------------------------------------------------

    def user(self, email: str, full_name: str, language: str = "", **flags: bool):
        user = self.sync(get_user_model(), {"email": email},
                         {"full_name": full_name, "language": language, **flags},
                         create_only={"password": self.password_hash})
        # A verified primary address: allauth lets the person log in, and the portal lets them
        # apply, without an e-mail round trip.
        self.sync(EmailAddress, {"user": user, "email": email},
                  {"verified": True, "primary": True})
        return user

    def second_factor(self, user) -> None:
        """The portal requires a second factor of the staff and the evaluators: the demo's known
        authenticator-app secret (portal.demo.DEMO_TOTP_SECRET)."""
        if totp_give(user=user, secret=DEMO_TOTP_SECRET):
            self.created["Authenticator"] += 1

    def seed_people(self) -> None:
        email, name = self.data["admin"]
        self.second_factor(self.user(email, name, is_staff=True, is_superuser=True))
        for email, name, acronym, role in self.data["staff"]:
            user = self.user(email, name)
            self.second_factor(user)
            eurocluster = self.euroclusters[acronym]
            before = Membership.objects.filter(user=user, eurocluster=eurocluster).first()
            membership_grant(eurocluster=eurocluster, email=email, role=role, by=None)
            if before is None:
                self.created["Membership"] += 1
            elif before.role != role:
                self.updated["Membership"] += 1
        for email, name in self.data["evaluators"]:
            self.second_factor(self.user(email, name))
        for sme in self.data["smes"]:
            user = self.user(sme["email"], sme["name"], sme.get("language", ""))
            if organisation_of(user) is None:
                organisation_save(user=user, data=sme["org"], related=sme["related"],
                                  aid=sme["aid"])
                self.created["Organisation"] += 1

    # --- questions about calls and call alerts ------------------------------------------------

    def seed_questions(self) -> None:
        """Each question once (by call and wording), through the services: asked while the call
        took questions, answered, and published anonymised where the table says so."""
        calls = {c.reference: c for c in OpenCall.objects.filter(
            reference__in={q[0] for q in self.data["questions"]})}
        managers = {m.eurocluster_id: m.user for m in Membership.objects.filter(
            role=Membership.Role.MANAGER).select_related("user").order_by("pk")}
        users = {u.email: u for u in get_user_model().objects.filter(
            email__in={q[1] for q in self.data["questions"]})}
        for reference, email, text, answer, public in self.data["questions"]:
            call = calls[reference]
            if CallQuestion.objects.filter(call=call, text=text).exists():
                continue
            question = question_ask(call=call, text=text, by=users[email],
                                    now=min(self.now, call.questions_close_at))
            self.created["CallQuestion"] += 1
            manager = managers[call.eurocluster_id]
            if answer:
                question_answer(question=question, answer=answer, by=manager)
            if public:
                question_publish(question=question, public_question=public,
                                 public_answer=answer, by=manager)

    def seed_alert_subscribers(self) -> None:
        for email, acronyms, objectives in self.data["alert_subscribers"]:
            subscription = self.sync(CallAlertSubscription, {"email": email},
                                     {"objectives": objectives})
            subscription.euroclusters.set([self.euroclusters[a] for a in acronyms])

    # --- applications ------------------------------------------------------------------------

    def planned_start(self) -> date:
        """The first day of the month after next: a plausible start for a new project."""
        month = self.today.month + 2
        return date(self.today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @contextmanager
    def taking_submissions(self, call: OpenCall):
        """``call`` taking submissions for the block: a call of the closed phase is put back in
        its open phase (its opening date, a deadline an hour ahead) and then moved to its closed
        dates again, so that its applications go through ``application_submit`` like every other.

        Seed data, not a lifecycle step (the lifecycle has no way back from closed to open). The
        versions carry the time of seeding as their submission time, after the deadline shown
        afterwards: the services take the server's clock, and the demo keeps to them. Refused
        (CommandError) once the call is in evaluation: proposals cannot join an evaluation.
        """
        if call.accepts_submissions():
            yield
            return
        if call.status != OpenCall.Status.CLOSED or call.closes_at > timezone.now():
            raise CommandError(
                f"{call.reference} is {call.get_status_display().lower()}: the demo "
                "applications missing from it cannot be submitted any more. Start from a fresh "
                "demo database (make clean) to have them.")
        closed = (call.status, call.closes_at)
        call.status, call.closes_at = OpenCall.Status.OPEN, timezone.now() + timedelta(hours=1)
        call.save(update_fields=["status", "closes_at"])
        try:
            yield
        finally:
            call.status, call.closes_at = closed
            call.save(update_fields=["status", "closes_at"])

    def seed_application(self, spec: dict) -> None:
        user = get_user_model().objects.get(email=spec["applicant"])
        call = self.calls[spec["call"]]
        if Application.objects.filter(call=call, organisation__user=user).exists():
            return  # made by an earlier run, and maybe changed since in the demo: leave it
        with self.taking_submissions(call):
            self.make_application(spec, call, user)
        self.created["Application"] += 1

    def make_application(self, spec: dict, call: OpenCall, user) -> None:
        application = application_start(call=call, user=user)
        fields = {"voucher_type": call.voucher_types.get(name=spec["voucher"]), **spec["fields"]}
        if "budget" in spec:
            fields["planned_start"] = self.planned_start()
        budget = [{"category": category, "description": description, "amount": amount}
                  for category, description, amount in spec.get("budget", [])]
        members = []
        for email, role in spec.get("partners", []):
            partner = Organisation.objects.get(user__email=email)
            members.append({
                "legal_name": partner.legal_name,
                "registration_number": partner.registration_number,
                "country": partner.country.code, "contact_email": email,
                "staff_headcount": partner.staff_headcount,
                "annual_turnover": partner.annual_turnover,
                "balance_sheet_total": partner.balance_sheet_total, "role": role,
            })
        application_save_draft(application=application, by=user, fields=fields,
                               budget_lines=budget or None, members=members or None)
        for document in call.required_documents.all():
            wanted = spec["documents"] == "all" or (
                spec["documents"] == "mandatory" and document.is_mandatory)
            if wanted:
                content = demo_data.demo_pdf(f"{document.name} - {user.organisation.legal_name}")
                name = f"{slugify(document.name)}.pdf"
                attachment_upload(
                    application=application, by=user, required_document=document,
                    uploaded=SimpleUploadedFile(name, content, content_type="application/pdf"),
                )
        for round_ in range(spec["submit"]):
            if round_ and spec.get("revision"):
                # A change before the deadline and a second submission: version 2 counts.
                application_save_draft(application=application, by=user,
                                       fields=spec["revision"])
            application_submit(application=application, by=user,
                               declarations=Declaration.values)


class Command(DemoCommand):
    help = ("Load the demo data: four Euroclusters, their calls, staff, evaluators, SMEs and "
            "applications. Safe to run again: it changes nothing the second time.")

    refused_what = "demo accounts with a shared, published password"

    def seed(self) -> None:
        seeder = Seeder(data=demo_data.build(), now=timezone.now())
        kept = seed_quietly(seeder.run)
        self.report_changes(seeder, kept)
        self.report_logins()

    def report_changes(self, seeder: Seeder, kept_mails: int) -> None:
        if not (seeder.created or seeder.updated or seeder.removed):
            self.stdout.write(self.style.SUCCESS(
                "Nothing to change: the demo data is already in place."))
        else:
            parts = [f"{name} +{count}" for name, count in sorted(seeder.created.items())]
            parts += [f"{name} ~{count}" for name, count in sorted(seeder.updated.items())]
            parts += [f"{name} -{count}" for name, count in sorted(seeder.removed.items())
                      if count]
            self.stdout.write(self.style.SUCCESS(
                "Demo data loaded (+ created, ~ updated, - removed): " + ", ".join(parts)))
        if kept_mails:
            self.stdout.write(f"{kept_mails} e-mail(s) (submission receipts) kept in memory, "
                              "not sent.")
        self.stdout.write("")
        rows = []
        for call in OpenCall.objects.select_related("eurocluster").order_by("eurocluster__acronym",
                                                                            "reference"):
            deadline = timezone.localtime(call.closes_at, BRUSSELS).strftime("%d %b %Y %H:%M")
            rows.append((call.eurocluster.acronym, call.reference, call.phase,
                         f"{deadline} Brussels",
                         str(call.applications.exclude(status=Application.Status.DRAFT).count()),
                         str(call.applications.filter(status=Application.Status.DRAFT).count())))
        self.table(("Eurocluster", "Call", "Phase", "Deadline", "Submitted", "Drafts"), rows)

    def report_logins(self) -> None:
        data = demo_data
        rows = [("Administrator (superuser)", data.ADMIN[0], "all", "")]
        rows += [(ROLE_LABELS[role], email, acronym, "")
                 for email, _name, acronym, role in data.STAFF]
        rows += [("Evaluator", email, "", "") for email, _name in data.EVALUATORS]
        organisations = {o.user.email: o for o in Organisation.objects.select_related("user")
                         .prefetch_related("applications__call")}
        for sme in data.SMES:
            organisation = organisations.get(sme["email"])
            if organisation is None:
                continue
            applications = ", ".join(
                f"{a.call.reference} ({a.get_status_display().lower()})"
                for a in organisation.applications.all())
            rows.append(("SME applicant", sme["email"], "",
                         f"{organisation.legal_name} ({organisation.country.code}, "
                         f"{organisation.sme_class.value})"
                         + (f": {applications}" if applications else "")))
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        self.table(("Role", "E-mail", "Eurocluster", "Enterprise and applications"), rows)
        self.stdout.write("")
        self.stdout.write(f"Password for every account: {data.DEMO_PASSWORD}")
        self.stdout.write(
            "Second factor of the administrator, the staff and the evaluators: an authenticator "
            f"app with the secret {DEMO_TOTP_SECRET}. The current code: `python manage.py "
            f"demo_totp` (or `oathtool --totp -b {DEMO_TOTP_SECRET}`).")
        self.stdout.write(f"Portal: {SITE}/    Administration: {SITE}/admin/")
