"""``manage.py bench agreements``: grant agreement PDFs generated in a warm process, timed.

Builds, with ``bulk_create``, one Eurocluster with its coordinator, a call whose results are
published (budget large enough for every grant, a 40/45/15 tranche schedule) and N selected
applications of N enterprises, every other one with two consortium members. One more agreement
is generated first and not timed (the warm-up: templates compiled, fonts loaded by Pango and
WeasyPrint's caches filled, as in a worker that has run before). Then ``agreement_generate`` —
the whole service: locks, commitment sums, rendering, storage, hash, audit and the e-mail, run
in-process on commit — is timed for each application in turn.

The PDFs go to a temporary folder removed at the end, e-mails to memory.
"""

import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from applications.identifiers import example_vat_number
from applications.models import Application, ConsortiumMember, Organisation
from calls.models import OpenCall, TrancheStep, VoucherType
from euroclusters.models import Eurocluster, Partner
from payments.services.agreements import agreement_generate
from portal.bench import Log, eager_tasks, positive_int, refresh_statistics, register

BATCH = 500
COUNTRIES = ("BE", "FR", "DE", "IT", "RO", "ES", "NL", "AT", "BG", "PT")


def add_arguments(parser) -> None:
    parser.add_argument("--count", type=positive_int, default=200,
                        help="How many agreements to generate and time (default 200).")
    parser.add_argument("--seed", type=int, default=1,
                        help="Seed of the random data (default 1).")


def _build(count: int, rng: random.Random) -> list[Application]:
    now = timezone.now()
    eurocluster = Eurocluster.objects.create(
        name="Bench Eurocluster for Advanced Manufacturing", acronym="BENCH", slug="bench",
        strand="digital", cascade_budget=Decimal("1050000"), account_holder="BENCH Eurocluster",
        iban="DE89370400440532013000", bic="COBADEFFXXX")
    Partner.objects.create(eurocluster=eurocluster, name="Pôle SCS", country="FR",
                           is_coordinator=True, registration_number="FR40303265045")
    call = OpenCall.objects.create(
        eurocluster=eurocluster, reference="BENCH-OC1", slug="bench-oc1",
        title="Innovation vouchers for digital manufacturing", summary="Bench call.",
        status=OpenCall.Status.RESULTS, opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=45), budget=Decimal(30000) * (count + 1))
    for position, (percentage, event) in enumerate(((40, "agreement_countersigned"),
                                                    (45, "interim_report_approved"),
                                                    (15, "final_report_approved"))):
        TrancheStep.objects.create(call=call, position=position, percentage=percentage,
                                   event=event)
    voucher = VoucherType.objects.create(call=call, name="Innovation voucher",
                                         min_amount=Decimal("10000"), max_amount=Decimal("30000"))
    users = [User(email=f"bench-{n}@bench.example.org", password="!",
                  full_name=f"Bench Person {n}") for n in range(count + 1)]
    User.objects.bulk_create(users, batch_size=BATCH)
    numbers: set[str] = set()
    organisations = []
    for n, user in enumerate(users):
        country = COUNTRIES[n % len(COUNTRIES)]
        number = example_vat_number(country, rng)
        while number in numbers:
            number = example_vat_number(country, rng)
        numbers.add(number)
        organisations.append(Organisation(
            user=user, legal_name=f"Bench Manufacturing {n} SRL", registration_number=number,
            country=country, street="Rue de la Loi 16", postcode="1000", city="Brussels",
            nace_code="C28.4", year_founded=2012, staff_headcount=Decimal("25"),
            annual_turnover=Decimal("3000000"), balance_sheet_total=Decimal("2000000")))
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    applications = [Application(
        call=call, organisation=organisation, created_by=organisation.user, voucher_type=voucher,
        status=Application.Status.SELECTED, title=f"Vision-guided welding cell {n}",
        acronym=f"BW{n}", summary="We bring a camera-guided welding cell into a small workshop "
                                  "and train its staff. " * 4,
        requested_amount=Decimal(rng.randrange(1000000, 3000000)) / 100,
        planned_start=date(2027, 3, 1), duration_months=12, submitted_at=now - timedelta(days=50))
        for n, organisation in enumerate(organisations)]
    Application.objects.bulk_create(applications, batch_size=BATCH)
    ConsortiumMember.objects.bulk_create(
        (ConsortiumMember(application=application, legal_name=f"Partner {n}-{m} GmbH",
                          registration_number=example_vat_number("DE", rng), country="DE",
                          contact_email=f"p{n}-{m}@bench.example.org",
                          staff_headcount=Decimal("9"), annual_turnover=Decimal("800000"),
                          balance_sheet_total=Decimal("400000"), role="Technology partner",
                          position=m)
         for n, application in enumerate(applications) if n % 2 for m in range(2)),
        batch_size=BATCH)
    refresh_statistics()
    return applications


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def _generate(application: Application):
    # In place (the tests) the bench runs inside its own rolled-back transaction, where the
    # service, durable, refuses to run: time its body, the same work without the outer
    # transaction. In a scratch database (``manage.py bench``) the service itself is timed.
    if transaction.get_connection().in_atomic_block:
        return agreement_generate.__wrapped__(application=application)
    return agreement_generate(application=application)


def run(*, options: dict[str, Any], log: Log) -> dict[str, Any]:
    count = options["count"]
    rng = random.Random(options["seed"])
    folder = tempfile.mkdtemp(prefix="bench_agreements_")
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                            "OPTIONS": {"location": folder}},
                "staticfiles": {"BACKEND":
                                "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    try:
        with override_settings(STORAGES=storages,
                               EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), \
                eager_tasks():
            started = time.perf_counter()
            applications = _build(count, rng)
            log(f"built 1 call and {len(applications)} selected applications in "
                f"{time.perf_counter() - started:.1f} s")
            warm_up, timed = applications[0], applications[1:]
            started = time.perf_counter()
            _generate(warm_up)
            warm_ms = (time.perf_counter() - started) * 1000
            log(f"warm-up agreement in {warm_ms:.0f} ms")
            durations, sizes = [], []
            started = time.perf_counter()
            for index, application in enumerate(timed, start=1):
                begin = time.perf_counter()
                agreement = _generate(application)
                durations.append((time.perf_counter() - begin) * 1000)
                sizes.append(agreement.file.size)
                if index % 50 == 0 or index == len(timed):
                    log(f"{index}/{len(timed)} agreements, p50 so far "
                        f"{statistics.median(durations):.0f} ms")
            seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "count": len(durations),
        "seconds": round(seconds, 3),
        "p50_ms": round(statistics.median(durations), 1),
        "p95_ms": round(_percentile(durations, 0.95), 1),
        "max_ms": round(max(durations), 1),
        "warm_up_ms": round(warm_ms, 1),
        "bytes_avg": round(sum(sizes) / len(sizes)),
        "measured": "agreement_generate (the whole service)",
    }


register("agreements", help="Generate N grant agreement PDFs (WeasyPrint) through the service in "
         "a warm process and time each.", add_arguments=add_arguments, run=run)
