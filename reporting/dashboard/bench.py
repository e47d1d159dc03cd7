"""``manage.py bench dashboard --applications N``: the manager's dashboard rendered warm, timed.

Builds, with ``bulk_create``, four Euroclusters of five calls each (open, in evaluation, results
published) and N applications spread over the 20 calls in every state the dashboard counts, each
submitted one with its version and eligibility result; then a fifth Eurocluster of five calls and
10 applications. A manager of the first Eurocluster opens ``/manage/`` once (the warm-up:
templates compiled, pygal loaded), then ``--repeat`` times, timed; the queries of one render are
counted at N and at the small Eurocluster (they must be the same). Last, the XLSX export of
every application (N + 10) is timed and its peak memory measured (``measure_export``).
"""

import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import totp_give
from accounts.models import User
from applications.models import Application, ApplicationVersion, EligibilityResult, Organisation
from calls.models import OpenCall, VoucherType
from euroclusters.models import Eurocluster, Membership
from portal.bench import Log, positive_int, refresh_statistics, register
from reporting.exports.bench import measure_export

BATCH = 1000
COUNTRIES = ("BE", "FR", "DE", "IT", "RO", "ES", "NL", "AT", "BG", "PT")
STATUSES = (Application.Status.DRAFT, Application.Status.SUBMITTED, Application.Status.ELIGIBLE,
            Application.Status.INELIGIBLE, Application.Status.UNDER_EVALUATION,
            Application.Status.SELECTED, Application.Status.RESERVE,
            Application.Status.REJECTED)
OUTCOMES = {Application.Status.SUBMITTED: EligibilityResult.Outcome.NEEDS_REVIEW,
            Application.Status.INELIGIBLE: EligibilityResult.Outcome.INELIGIBLE}
CALL_STATUSES = (OpenCall.Status.OPEN, OpenCall.Status.EVALUATION, OpenCall.Status.RESULTS,
                 OpenCall.Status.OPEN, OpenCall.Status.EVALUATION)


def add_arguments(parser) -> None:
    parser.add_argument("--applications", type=positive_int, default=1000,
                        help="How many applications over the 20 calls (default 1000).")
    parser.add_argument("--repeat", type=positive_int, default=20,
                        help="How many timed renders (default 20).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the random data.")


def _eurocluster(tag: str, calls: int) -> tuple[Eurocluster, list[OpenCall], User]:
    now = timezone.now()
    eurocluster = Eurocluster.objects.create(name=f"Bench Eurocluster {tag}", acronym=tag,
                                             slug=tag.lower(), cascade_budget=Decimal("1050000"))
    made = []
    for n in range(calls):
        call = OpenCall.objects.create(
            eurocluster=eurocluster, reference=f"{tag}-OC{n}", slug=f"{tag.lower()}-oc{n}",
            title=f"Bench vouchers {tag} {n}", summary="Bench call.",
            status=CALL_STATUSES[n % len(CALL_STATUSES)], opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=10 if n % 5 in (0, 3) else -5),
            evaluation_deadline=now + timedelta(days=2), budget=Decimal("200000"))
        VoucherType.objects.create(call=call, name=f"Voucher {n % 3}",
                                   min_amount=Decimal("1000"), max_amount=Decimal("60000"))
        made.append(call)
    manager = User.objects.create(email=f"manager@{tag.lower()}.bench.example.org",
                                  full_name=f"Manager {tag}", is_staff=True)
    Membership.objects.create(user=manager, eurocluster=eurocluster,
                              role=Membership.Role.MANAGER)
    # The portal requires a second factor of a manager (accounts.middleware).
    totp_give(user=manager, secret=generate_totp_secret())
    return eurocluster, made, manager


def _applications(calls: list[OpenCall], count: int, rng: random.Random, tag: str) -> None:
    vouchers = {v.call_id: v for v in VoucherType.objects.filter(call__in=calls)}
    users = User.objects.bulk_create(
        (User(email=f"a{n}@{tag.lower()}.bench.example.org", password="!",
              full_name=f"Bench applicant {n}") for n in range(count)), batch_size=BATCH)
    organisations = Organisation.objects.bulk_create(
        (Organisation(user=user, legal_name=f"Bench SME {tag} {n}",
                      registration_number=f"{tag}{n:09d}", country=COUNTRIES[n % 10],
                      street="Rue de la Loi 16", postcode="1000", city="Brussels",
                      nace_code="C28.4", year_founded=2012,
                      staff_headcount=Decimal(rng.choice((5, 25, 120))),
                      annual_turnover=Decimal("1500000"), balance_sheet_total=Decimal("900000"))
         for n, user in enumerate(users)), batch_size=BATCH)
    now = timezone.now()
    applications = Application.objects.bulk_create(
        (Application(call=calls[n % len(calls)], organisation=organisation,
                     created_by=organisation.user, voucher_type=vouchers[calls[n % len(calls)].pk],
                     status=STATUSES[n % len(STATUSES)], title=f"Project {n}",
                     acronym=f"P{n}", requested_amount=Decimal(rng.randrange(10000, 60000)),
                     submitted_at=None if n % len(STATUSES) == 0 else now)
         for n, organisation in enumerate(organisations)), batch_size=BATCH)
    submitted = [a for a in applications if a.status != Application.Status.DRAFT]
    versions = ApplicationVersion.objects.bulk_create(
        (ApplicationVersion(application=a, number=1, submitted_at=now,
                            submitted_by=a.created_by, content={}, sha256="0" * 64,
                            receipt_code=f"{tag}-{a.pk}") for a in submitted),
        batch_size=BATCH)
    EligibilityResult.objects.bulk_create(
        (EligibilityResult(version=v, outcome=OUTCOMES.get(a.status,
                                                           EligibilityResult.Outcome.ELIGIBLE))
         for a, v in zip(submitted, versions, strict=True)), batch_size=BATCH)


def _render(client: Client, url: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed, len(queries)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def run(*, options: dict[str, Any], log: Log) -> dict[str, Any]:
    rng = random.Random(options["seed"])
    count = options["applications"]
    started = time.perf_counter()
    all_calls, first_manager = [], None
    for tag in ("BENA", "BENB", "BENC", "BEND"):
        _eurocluster_row, calls, manager = _eurocluster(tag, 5)
        all_calls += calls
        first_manager = first_manager or manager
    _applications(all_calls, count, rng, "BIG")
    _small, small_calls, small_manager = _eurocluster("SMALL", 5)
    _applications(small_calls, 10, rng, "SML")
    refresh_statistics()
    log(f"built 20 calls with {count} applications, and 5 with 10, in "
        f"{time.perf_counter() - started:.1f} s")

    url = reverse("reporting:dashboard")
    client = Client(HTTP_HOST="localhost")
    client.force_login(small_manager)
    _render(client, url)
    _ms, queries_small = _render(client, url)
    client.force_login(first_manager)
    warm_ms, queries = _render(client, url)
    log(f"warm-up render {warm_ms:.0f} ms, {queries} queries")
    durations = []
    for _ in range(options["repeat"]):
        elapsed, _queries = _render(client, url)
        durations.append(elapsed)
    # The XLSX export of every application, as a superuser sees them (exports' own measure).
    exporter = User.objects.create(email="admin@bench.example.org", full_name="Bench admin",
                                   is_staff=True, is_superuser=True)
    exported = measure_export(user=exporter, name="applications", log=log)
    return {
        **exported,
        "applications": count,
        "calls": 20,
        "euroclusters": 4,
        "renders": len(durations),
        "p50_ms": round(statistics.median(durations), 1),
        "p95_ms": round(_percentile(durations, 0.95), 1),
        "max_ms": round(max(durations), 1),
        "queries": queries,
        "queries_small": queries_small,
        "measured": "GET /manage/ as the manager of the first Eurocluster (5 calls), warm",
    }


register("dashboard", help="Render the manager's dashboard warm over N applications in 20 calls "
         "and time it; count its queries at N and at 10 applications.",
         add_arguments=add_arguments, run=run)
