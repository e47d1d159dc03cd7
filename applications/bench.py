"""``manage.py bench eligibility``: the eligibility check of many submitted versions, timed.

Builds, with ``bulk_create``, two Euroclusters with partners, four open calls and a past one,
enterprises and submitted applications whose versions have the shape ``submission.snapshot``
gives them, and a pending result for each; then runs ``task_check_eligibility`` for every version
in order of submission, through Celery in eager mode, and times only that.

The data make every rule take each of its paths: enterprises from countries outside the call's
list, not SMEs or with figures to check, partner and linked enterprises, de minimis aid near the
ceiling or dated after the submission, earlier grants on the past call (to the lead or to a
consortium member), partners of the Eurocluster applying, one enterprise leading two proposals of
a call or leading one and joining another. Submission refuses missing documents, unticked
declarations and amounts or consortia outside the voucher type's bounds, so those failures stand
for a call whose rules were tightened after some applicants had submitted.

Queries are counted for every check inside the timed run (a counter in
``connection.execute_wrapper``, no SQL kept: a call per query); a re-check that a check queues of
an earlier proposal of the same enterprise runs nested in eager mode and is counted on its own.
"""

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from applications.identifiers import VAT_PREFIX, example_vat_number
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    ConsortiumMember,
    Declaration,
    DeMinimisAid,
    EligibilityResult,
    Organisation,
    RelatedEnterprise,
)
from applications.sme import Figures, Holding, classify_enterprise
from applications.submission import content_hash
from applications.tasks import task_check_eligibility
from calls.countries import EU_MEMBER_STATES
from calls.models import OpenCall, RequiredDocument, VoucherType
from euroclusters.models import Eurocluster, Partner
from portal.bench import (
    Log,
    TaskQueries,
    eager_tasks,
    positive_int,
    refresh_statistics,
    register,
)

BATCH = 1000
CENT = Decimal("0.01")
# Eurocluster acronym, partners (name, country); the first runs the past call too.
EUROCLUSTERS = [
    ("BENCH-SILICON", [("Silicon Saxony", "DE"), ("Minalogic", "FR"),
                       ("Brainport Industries", "NL"), ("ICT Cluster", "BG"),
                       ("Silicon Alps", "AT")]),
    ("BENCH-DREAM", [("Pôle SCS", "FR"), ("Pôle Mecatech", "BE"), ("G.A.C. Group", "FR"),
                     ("MESAP", "IT"), ("Cluj IT Cluster", "RO")]),
]
# (name, min, max, min SMEs, max SMEs, min countries)
VOUCHERS = [
    ("Innovation voucher", Decimal("10000"), Decimal("30000"), 1, 1, 1),
    ("Collaboration voucher", Decimal("20000"), Decimal("60000"), 2, 4, 2),
]
DOCUMENTS = [("Signed SME declaration", True), ("Project plan", True),
             ("Letter of support", False)]
ELIGIBLE_OTHER = ("NO", "UA", "RS", "IS")
NOT_ELIGIBLE = ("CH", "GB", "US", "TR")
FUNDED = Application.FUNDED


def add_arguments(parser) -> None:
    parser.add_argument("--applications", type=positive_int, default=10000,
                        help="How many submitted applications to check (default 10000).")
    parser.add_argument("--seed", type=int, default=1,
                        help="Seed of the random data, for a run that can be repeated "
                             "(default 1).")


# --- synthetic data ---------------------------------------------------------------------------


def _money(low: float, high: float, rng: random.Random) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2))).quantize(CENT)


def _staff(low: int, high: int, rng: random.Random) -> Decimal:
    return (Decimal(rng.randint(low * 10, high * 10)) / 10).quantize(Decimal("0.1"))


def _figures(rng: random.Random, kind: str) -> tuple[Decimal, Decimal, Decimal]:
    """(staff, turnover, balance sheet) of an enterprise of ``kind``, as the form stores them."""
    if kind == "not_sme":
        if rng.random() < 0.5:
            return _staff(250, 900, rng), _money(5e6, 2e8, rng), _money(5e6, 1.5e8, rng)
        return _staff(60, 240, rng), _money(5.1e7, 9e7, rng), _money(4.4e7, 8e7, rng)
    if kind == "inconsistent":  # EUR millions per person: likelier a typo than the truth
        return _staff(1, 3, rng), _money(8e6, 1.2e7, rng), _money(1e6, 3e6, rng)
    if kind == "medium":
        return _staff(50, 240, rng), _money(1e7, 4.5e7, rng), _money(8e6, 4e7, rng)
    if kind == "small":
        return _staff(10, 49, rng), _money(2e6, 9.5e6, rng), _money(1e6, 9e6, rng)
    return _staff(1, 9, rng), _money(5e4, 1.9e6, rng), _money(3e4, 1.9e6, rng)


def _kind(rng: random.Random) -> str:
    return rng.choices(["micro", "small", "medium", "not_sme", "inconsistent"],
                       weights=[50, 33, 12, 3, 1])[0]


def _country(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(NOT_ELIGIBLE)
    if roll < 0.05:
        return rng.choice(ELIGIBLE_OTHER)
    return rng.choice(EU_MEMBER_STATES)


@dataclass
class Enterprise:
    name: str
    number: str
    country: str
    staff: Decimal
    turnover: Decimal
    balance_sheet: Decimal

    def snapshot(self) -> dict:
        return {"legal_name": self.name, "registration_number": self.number,
                "country": self.country, "staff_headcount": str(self.staff),
                "annual_turnover": str(self.turnover),
                "balance_sheet_total": str(self.balance_sheet)}


@dataclass
class Plan:
    """One submitted application before it is written."""

    call: OpenCall
    voucher: VoucherType
    lead: Enterprise
    submitted_at: datetime
    amount: Decimal
    members: list[Enterprise] = field(default_factory=list)
    related: list[dict] = field(default_factory=list)
    aid: list[dict] = field(default_factory=list)
    documents: list[RequiredDocument] = field(default_factory=list)
    declarations: list[str] = field(default_factory=list)
    organisation: Organisation | None = None
    application: Application | None = None


class Builder:
    """Writes the synthetic portal of one run; every choice comes from ``rng``."""

    def __init__(self, *, count: int, rng: random.Random, log: Log) -> None:
        self.count, self.rng, self.log = count, rng, log
        self.now = timezone.now()
        self.serial = 0
        self.users: list[User] = []

    def number(self, country: str) -> str:
        """A unique registration number in the country's VAT style; plain data for the rules."""
        self.serial += 1
        return f"{VAT_PREFIX.get(country, country)}{700000000 + self.serial}"

    def enterprise(self, *, country: str | None = None, kind: str | None = None) -> Enterprise:
        country = country or _country(self.rng)
        staff, turnover, balance = _figures(self.rng, kind or _kind(self.rng))
        return Enterprise(f"Bench Enterprise {self.serial + 1} {country}",
                          self.number(country), country, staff, turnover, balance)

    def build(self) -> list[int]:
        """Write everything; return the version ids in order of submission."""
        self.calls, self.past_call, self.partners = self.reference_data()
        # About 2 % of the proposals are an enterprise's second one in a call (one at least).
        twins = max(1, self.count // 50) if self.count >= 10 else 0
        plans = [self.plan() for _ in range(self.count - twins)]
        self.duplicate(plans, twins=twins)
        plans.sort(key=lambda plan: plan.submitted_at)
        self.write_enterprises(plans)
        self.write_applications(plans)
        self.write_past_grants(plans)
        versions = self.write_versions(plans)
        self.log(f"built {len(plans)} submitted applications, {len(self.users)} users, "
                 f"{Application.objects.filter(status__in=FUNDED).count()} earlier grants")
        return versions

    def reference_data(self):
        rng, now = self.rng, self.now
        clusters = Eurocluster.objects.bulk_create(
            Eurocluster(name=f"{acronym} Eurocluster", acronym=acronym, slug=acronym.lower(),
                        strand="digital", cascade_budget=Decimal("1050000"))
            for acronym, _partners in EUROCLUSTERS)
        partners: dict[int, list[Partner]] = {}
        for cluster, (_acronym, rows) in zip(clusters, EUROCLUSTERS, strict=True):
            partners[cluster.pk] = Partner.objects.bulk_create(
                Partner(eurocluster=cluster, name=name, country=country,
                        registration_number=example_vat_number(country, rng),
                        is_coordinator=position == 0)
                for position, (name, country) in enumerate(rows))
        calls = OpenCall.objects.bulk_create(
            OpenCall(eurocluster=cluster, reference=f"{cluster.acronym}-{n}",
                     slug=f"{cluster.acronym.lower()}-{n}", title=f"Open call {n}",
                     summary="Vouchers for SMEs.", status=OpenCall.Status.OPEN,
                     opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=10),
                     budget=Decimal("500000"))
            for cluster in clusters for n in (1, 2))
        past = OpenCall.objects.create(
            eurocluster=clusters[0], reference="BENCH-PAST", slug="bench-past",
            title="Past call", summary="Funded last year.", status=OpenCall.Status.COMPLETED,
            opens_at=now - timedelta(days=500), closes_at=now - timedelta(days=400),
            budget=Decimal("1000000"))
        VoucherType.objects.bulk_create(
            VoucherType(call=call, name=name, min_amount=low, max_amount=high,
                        min_consortium_size=min_size, max_consortium_size=max_size,
                        min_countries=countries, position=position)
            for call in [*calls, past]
            for position, (name, low, high, min_size, max_size, countries) in enumerate(VOUCHERS))
        RequiredDocument.objects.bulk_create(
            RequiredDocument(call=call, name=name, is_mandatory=mandatory, position=position)
            for call in calls for position, (name, mandatory) in enumerate(DOCUMENTS))
        self.vouchers = {call.pk: list(call.voucher_types.all()) for call in [*calls, past]}
        self.documents = {call.pk: list(call.required_documents.all()) for call in calls}
        return calls, past, partners

    def plan(self, *, call: OpenCall | None = None, collaboration: bool | None = None) -> Plan:
        rng = self.rng
        call = call or rng.choice(self.calls)
        if collaboration is None:
            collaboration = rng.random() < 0.3
        voucher = self.vouchers[call.pk][1 if collaboration else 0]
        lead = self.enterprise()
        roll = rng.random()
        if roll < 0.005:  # a partner of the Eurocluster applies
            partner = rng.choice(self.partners[call.eurocluster_id])
            lead.name, lead.country = f"{partner.name} Services", str(partner.country)
            lead.number = partner.registration_number
        elif roll < 0.01:  # an enterprise with a partner's name but another number
            lead.name = rng.choice(self.partners[call.eurocluster_id]).name
        size = rng.randint(voucher.min_consortium_size, voucher.max_consortium_size)
        roll = rng.random()
        if roll < 0.01:  # single-SME voucher with a partner, or a consortium without one
            size = 2 if size == 1 else 1
        members = [self.enterprise(kind=rng.choice(["micro", "small", "small", "medium"]))
                   for _ in range(size - 1)]
        if members and 0.01 <= roll < 0.03:  # every SME from one country
            for member in members:
                member.country = lead.country
        amount = Decimal(rng.randrange(int(voucher.min_amount), int(voucher.max_amount) + 1,
                                       100)).quantize(CENT)
        if rng.random() < 0.03:  # outside the voucher type's range
            amount = rng.choice([voucher.min_amount - 500, voucher.max_amount + 5000])
        plan = Plan(call=call, voucher=voucher, lead=lead, members=members, amount=amount,
                    submitted_at=self.now - timedelta(seconds=rng.randint(3600, 25 * 86400)))
        if rng.random() < 0.2:
            plan.related = [self.related(rng) for _ in range(rng.randint(1, 2))]
        plan.aid = self.aid(plan)
        plan.documents = [d for d in self.documents[call.pk]
                          if d.is_mandatory or rng.random() < 0.5]
        if rng.random() < 0.03:
            plan.documents.remove(rng.choice([d for d in plan.documents if d.is_mandatory]))
        plan.declarations = list(Declaration.values)
        if rng.random() < 0.02:
            plan.declarations.remove(rng.choice(plan.declarations))
        return plan

    @staticmethod
    def related(rng: random.Random) -> dict:
        staff, turnover, balance = _figures(rng, rng.choice(["micro", "micro", "small",
                                                             "medium"]))
        return {"name": f"Holding {rng.randint(1, 10**6)}", "country": rng.choice(EU_MEMBER_STATES),
                "share_percent": rng.choice([Decimal("10.00"), Decimal("30.00"),
                                             Decimal("49.00"), Decimal("75.00")]),
                "staff_headcount": staff, "annual_turnover": turnover,
                "balance_sheet_total": balance}

    def aid(self, plan: Plan) -> list[dict]:
        rng, submitted_on = self.rng, plan.submitted_at.date()
        rows = []
        roll = rng.random()
        if roll < 0.3:
            for _ in range(rng.randint(1, 3)):
                rows.append((submitted_on - timedelta(days=rng.randint(20, 1050)),
                             _money(2000, 80000, rng)))
        if 0.3 <= roll < 0.33:  # close to the ceiling: this request goes over it
            rows.append((submitted_on - timedelta(days=rng.randint(20, 900)),
                         _money(285000, 295000, rng)))
        if 0.33 <= roll < 0.34:  # dated after the submission
            rows.append((submitted_on + timedelta(days=rng.randint(1, 40)),
                         _money(5000, 20000, rng)))
        if rng.random() < 0.05:  # older than three years: does not count
            rows.append((submitted_on - timedelta(days=rng.randint(1200, 2000)),
                         _money(100000, 250000, rng)))
        return [{"granted_on": granted, "granting_body": "Regional development agency",
                 "amount": amount} for granted, amount in rows]

    def duplicate(self, plans: list[Plan], *, twins: int) -> None:
        """Give ``twins`` enterprises a second proposal in the same call, under a second account,
        and about as many a place in another proposal of the call while they lead one."""
        rng = self.rng
        for plan in rng.sample(plans, twins):
            twin = self.plan(call=plan.call, collaboration=False)
            twin.lead = replace(plan.lead)
            twin.related, twin.aid = plan.related, plan.aid
            twin.submitted_at = plan.submitted_at + timedelta(minutes=rng.randint(5, 3000))
            plans.append(twin)
        by_call: dict[int, list[Plan]] = {}
        for plan in plans:
            by_call.setdefault(plan.call.pk, []).append(plan)
        collaborations = [p for p in plans if p.members]
        for plan in rng.sample(collaborations, min(len(collaborations), twins)):
            other = rng.choice(by_call[plan.call.pk])
            if other.lead.number != plan.lead.number:
                plan.members[0] = replace(other.lead)

    def user(self, label: str) -> User:
        user = User(email=f"{label}-{len(self.users)}@bench.example.org", password="!",
                    full_name=f"Bench person {len(self.users)}")
        self.users.append(user)
        return user

    def organisation(self, enterprise: Enterprise, user: User) -> Organisation:
        return Organisation(
            user=user, legal_name=enterprise.name, registration_number=enterprise.number,
            country=enterprise.country, street="Rue de la Loi 16", postcode="1000",
            city="Brussels", nace_code="C28.4", year_founded=2012,
            staff_headcount=enterprise.staff, annual_turnover=enterprise.turnover,
            balance_sheet_total=enterprise.balance_sheet)

    def write_enterprises(self, plans: list[Plan]) -> None:
        for plan in plans:
            plan.organisation = self.organisation(plan.lead, self.user("applicant"))
        User.objects.bulk_create(self.users, batch_size=BATCH)
        Organisation.objects.bulk_create([p.organisation for p in plans], batch_size=BATCH)
        RelatedEnterprise.objects.bulk_create(
            (RelatedEnterprise(organisation=p.organisation, **row)
             for p in plans for row in p.related), batch_size=BATCH)
        DeMinimisAid.objects.bulk_create(
            (DeMinimisAid(organisation=p.organisation, **row) for p in plans for row in p.aid),
            batch_size=BATCH)

    def write_applications(self, plans: list[Plan]) -> None:
        for plan in plans:
            sections = {s["key"]: f"{s['title']}: synthetic text." * 8
                        for s in plan.call.description_sections}
            plan.application = Application(
                call=plan.call, organisation=plan.organisation,
                created_by=plan.organisation.user, voucher_type=plan.voucher,
                status=Application.Status.SUBMITTED, title=f"Project of {plan.lead.name}",
                acronym=f"B{plan.lead.number[-8:]}", summary="A synthetic project.",
                sections=sections, requested_amount=plan.amount,
                planned_start=plan.submitted_at.date() + timedelta(days=90),
                duration_months=12, submitted_at=plan.submitted_at)
        Application.objects.bulk_create([p.application for p in plans], batch_size=BATCH)
        ConsortiumMember.objects.bulk_create(
            (ConsortiumMember(application=p.application, legal_name=m.name,
                              registration_number=m.number, country=m.country,
                              contact_email=f"contact{position}@{m.number.lower()}.example.org",
                              staff_headcount=m.staff, annual_turnover=m.turnover,
                              balance_sheet_total=m.balance_sheet, role="Technology partner",
                              position=position)
             for p in plans for position, m in enumerate(p.members)), batch_size=BATCH)
        lines = []
        for plan in plans:
            half = (plan.amount / 2).quantize(CENT)
            lines.append(BudgetLine(application=plan.application, position=0, amount=half,
                                    category=BudgetLine.Category.SUBCONTRACTING,
                                    description="Technology provider"))
            lines.append(BudgetLine(application=plan.application, position=1,
                                    amount=plan.amount - half,
                                    category=BudgetLine.Category.PERSONNEL,
                                    description="Staff time"))
        BudgetLine.objects.bulk_create(lines, batch_size=BATCH)
        Attachment.objects.bulk_create(
            (Attachment(application=p.application, required_document=document,
                        file=f"applications/{p.application.pk}/{document.pk:032x}.pdf",
                        original_name=f"{document.name}.pdf", size=48213,
                        sha256=f"{p.application.pk:064x}", uploaded_by=p.organisation.user)
             for p in plans for document in p.documents), batch_size=BATCH)

    def write_past_grants(self, plans: list[Plan]) -> None:
        """Grants on the past call: to some leads themselves, and to some consortium members as
        members of another enterprise's project."""
        rng, call = self.rng, self.past_call
        leads = rng.sample(plans, max(1, len(plans) // 20))
        with_members = [p for p in plans if p.members]
        members = rng.sample(with_members, min(len(with_members), max(1, len(plans) // 50)))
        past_leads = [self.enterprise() for _ in members]
        users = [self.user("past") for _ in past_leads]
        User.objects.bulk_create(users, batch_size=BATCH)
        organisations = Organisation.objects.bulk_create(
            [self.organisation(e, u) for e, u in zip(past_leads, users, strict=True)],
            batch_size=BATCH)
        grants = [Application(call=call, organisation=p.organisation,
                              created_by=p.organisation.user,
                              voucher_type=self.vouchers[call.pk][0],
                              status=rng.choice(FUNDED), title="Earlier project",
                              requested_amount=rng.choice([Decimal("15000"), Decimal("50000")]),
                              submitted_at=call.closes_at - timedelta(days=3))
                  for p in leads]
        grants += [Application(call=call, organisation=organisation,
                               created_by=organisation.user, voucher_type=self.vouchers[call.pk][1],
                               status=rng.choice(FUNDED), title="Earlier joint project",
                               requested_amount=Decimal("80000"),
                               submitted_at=call.closes_at - timedelta(days=3))
                   for organisation in organisations]
        Application.objects.bulk_create(grants, batch_size=BATCH)
        joint = grants[len(leads):]
        ConsortiumMember.objects.bulk_create(
            (ConsortiumMember(application=grant, legal_name=m.name, registration_number=m.number,
                              country=m.country, contact_email="past@bench.example.org",
                              staff_headcount=m.staff, annual_turnover=m.turnover,
                              balance_sheet_total=m.balance_sheet)
             for grant, plan in zip(joint, members, strict=True)
             for m in [plan.members[-1]]), batch_size=BATCH)

    def write_versions(self, plans: list[Plan]) -> list[int]:
        attachments: dict[int, list[Attachment]] = {}
        for attachment in Attachment.objects.select_related("required_document").order_by("pk"):
            attachments.setdefault(attachment.application_id, []).append(attachment)
        versions = []
        for plan in plans:
            content = self.snapshot(plan, attachments.get(plan.application.pk, []))
            versions.append(ApplicationVersion(
                application=plan.application, number=1, submitted_at=plan.submitted_at,
                submitted_by=plan.organisation.user, content=content,
                sha256=content_hash(content),
                receipt_code=f"{plan.application.receipt_prefix}-v1"))
        ApplicationVersion.objects.bulk_create(versions, batch_size=BATCH)
        EligibilityResult.objects.bulk_create(
            (EligibilityResult(version=version) for version in versions), batch_size=BATCH)
        return [version.pk for version in versions]

    @staticmethod
    def snapshot(plan: Plan, attachments: list[Attachment]) -> dict:
        """The content ``submission.snapshot`` would have frozen for this application."""
        application, lead = plan.application, plan.lead
        holdings = [Holding(row["share_percent"], Figures(row["staff_headcount"],
                                                          row["annual_turnover"],
                                                          row["balance_sheet_total"]))
                    for row in plan.related]
        sme_class = classify_enterprise(Figures(lead.staff, lead.turnover, lead.balance_sheet),
                                        holdings)
        half = (plan.amount / 2).quantize(CENT)
        return {
            "call": plan.call.reference,
            "voucher_type": plan.voucher.name,
            "voucher_type_id": plan.voucher.pk,
            "title": application.title,
            "acronym": application.acronym,
            "summary": application.summary,
            "sections": application.sections,
            "requested_amount": str(plan.amount),
            "planned_start": application.planned_start.isoformat(),
            "duration_months": application.duration_months,
            "budget_lines": [
                {"category": "subcontracting", "description": "Technology provider",
                 "amount": str(half)},
                {"category": "personnel", "description": "Staff time",
                 "amount": str(plan.amount - half)},
            ],
            "members": [{**m.snapshot(), "role": "Technology partner",
                         "contact_email": f"contact{position}@{m.number.lower()}.example.org"}
                        for position, m in enumerate(plan.members)],
            "organisation": {
                **lead.snapshot(),
                "address": "Rue de la Loi 16, 1000 Brussels",
                "nace_code": "C28.4",
                "year_founded": 2012,
                "sme_class": sme_class.value,
                "related_enterprises": [
                    {"name": row["name"], "country": row["country"],
                     "share_percent": str(row["share_percent"]),
                     "staff_headcount": str(row["staff_headcount"]),
                     "annual_turnover": str(row["annual_turnover"]),
                     "balance_sheet_total": str(row["balance_sheet_total"])}
                    for row in plan.related],
                "de_minimis_aid": [
                    {"granted_on": row["granted_on"].isoformat(),
                     "granting_body": row["granting_body"], "amount": str(row["amount"])}
                    for row in sorted(plan.aid, key=lambda row: row["granted_on"],
                                      reverse=True)],
            },
            "attachments": [
                {"id": a.pk, "document": a.required_document.name,
                 "required_document_id": a.required_document_id, "name": a.original_name,
                 "size": a.size, "sha256": a.sha256}
                for a in attachments],
            "declarations": sorted(plan.declarations),
        }


# --- the timed run ----------------------------------------------------------------------------


def _histogram(counts: list[int]) -> dict[str, int]:
    return {str(queries): n for queries, n in sorted(Counter(counts).items())}


def run(*, options: dict[str, Any], log: Log) -> dict[str, Any]:
    """Build the data, then time the checks. ``checks_per_second`` counts applications: the
    re-checks they queue run inside the time and are reported apart, with their queries."""
    count = options["applications"]
    started = time.perf_counter()
    version_ids = Builder(count=count, rng=random.Random(options["seed"]), log=log).build()
    refresh_statistics()
    log(f"data written in {time.perf_counter() - started:.1f} s; checking "
        f"{len(version_ids)} versions")

    meter = TaskQueries()
    latencies = []
    step = max(1, len(version_ids) // 10)
    with eager_tasks(), meter.measuring():
        started = time.perf_counter()
        for n, version_id in enumerate(version_ids, 1):
            before = time.perf_counter()
            task_check_eligibility.delay(version_id=version_id)
            latencies.append(time.perf_counter() - before)
            if n % step == 0:
                elapsed = time.perf_counter() - started
                log(f"checked {n}/{len(version_ids)} in {elapsed:.1f} s "
                    f"({n / elapsed:.0f} per second)")
        seconds = time.perf_counter() - started

    outcomes = dict(EligibilityResult.objects.filter(version_id__in=version_ids)
                    .values_list("outcome").annotate(n=Count("pk")).order_by("outcome"))
    rules: dict[str, Counter] = {}
    for checks in (EligibilityResult.objects.filter(version_id__in=version_ids)
                   .values_list("checks", flat=True).iterator(chunk_size=BATCH)):
        for check in checks:
            rules.setdefault(check["rule"], Counter())[check["outcome"]] += 1
    runs = [task for task in meter.runs if task.name == task_check_eligibility.name]
    checked = [task.queries for task in runs if not task.kwargs.get("recheck")]
    rechecked = [task.queries for task in runs if task.kwargs.get("recheck")]
    latencies.sort()
    return {
        "applications": len(version_ids),
        "seconds": round(seconds, 3),
        "checks_per_second": round(len(version_ids) / seconds, 1),
        "rechecks": len(rechecked),
        "workers": 1,
        "mode": "eager",
        "queries_per_check_min": min(checked),
        "queries_per_check_max": max(checked),
        "queries_per_check": _histogram(checked),
        "queries_per_recheck": _histogram(rechecked),
        "queries_measured": "every check, counted by portal.bench.TaskQueries in the timed run",
        "check_ms_median": round(statistics.median(latencies) * 1000, 2),
        "check_ms_p95": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
                              * 1000, 2),
        "outcomes": outcomes,
        "rule_outcomes": {rule: dict(sorted(counter.items()))
                          for rule, counter in rules.items()},
        "seed": options["seed"],
    }


register("eligibility", help="Check N synthetic submitted applications through the Celery task "
         "(eager, one worker) and time it.", add_arguments=add_arguments, run=run)
