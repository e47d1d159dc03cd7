"""Data of a load test, written into its throwaway database (``manage.py shell -c``).

``main(plan_path=..., smes=..., closes_in=...)`` makes one Eurocluster with a manager (password
and authenticator app, as the portal requires of staff), one open call that closes ``closes_in``
seconds from now with one mandatory PDF, and ``smes`` enterprises, each with a user logged in (a
session row, as a log-in writes it: the production password hasher would make logging in
thousands of SMEs the slow part of the preparation) and a complete draft: figures, budget, the
description. The PDF of each draft is uploaded afterwards through the portal's upload endpoint
(loadtest.run), and the declarations are ticked on the submit itself.

Rows are written with ``bulk_create``: this is the state an SME reaches through the forms, not a
test of the forms. The plan (ids, sessions, the call) is written as JSON to ``plan_path``.
"""

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications.identifiers import example_vat_number
from applications.models import Application, BudgetLine, Declaration, Organisation
from calls.models import OpenCall, RequiredDocument, VoucherType
from euroclusters.models import Eurocluster, Membership

# The manager's authenticator-app secret (base32) and password: the locustfile logs in with them.
MANAGER_EMAIL = "manager@loadtest.invalid"
MANAGER_PASSWORD = "load-test-manager-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BACKEND = "euroclusters.backends.AuthenticationBackend"
COUNTRIES = ["BE", "FR", "IT", "DE", "ES", "NL", "PT", "RO", "BG", "AT"]


def _sessions(users: list[User]) -> list[str]:
    """A logged-in session per user, written in one statement."""
    keys, rows = [], []
    expiry = timezone.now() + timedelta(days=1)
    for user in users:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: BACKEND,
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data),
                            expire_date=expiry))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=500)
    return keys


@transaction.atomic
def seed(*, smes: int, closes_in: float, rng: random.Random) -> dict:
    now = timezone.now()
    eurocluster = Eurocluster.objects.create(
        name="Load-test Eurocluster", acronym="LOAD", slug="load", strand="digital",
        cascade_budget=Decimal("100000000"))
    manager = User.objects.create(email=MANAGER_EMAIL, full_name="Load Manager", is_staff=True)
    manager.set_password(MANAGER_PASSWORD)
    manager.save()
    EmailAddress.objects.create(user=manager, email=manager.email, verified=True, primary=True)
    TOTP.activate(manager, TOTP_SECRET)
    Membership.objects.create(user=manager, eurocluster=eurocluster,
                              role=Membership.Role.MANAGER)
    call = OpenCall.objects.create(
        eurocluster=eurocluster, reference="LOAD-1", slug="load-rush",
        title="Innovation vouchers: the deadline rush",
        summary="Vouchers for SMEs that bring digital technology into manufacturing.",
        status=OpenCall.Status.OPEN, opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(seconds=closes_in), budget=Decimal("100000000"),
        description_sections=[
            {"key": "approach", "title": "Approach", "help": "", "max_chars": 2000},
            {"key": "impact", "title": "Impact", "help": "", "max_chars": 2000}])
    voucher = VoucherType.objects.create(call=call, name="Innovation voucher",
                                         min_amount=Decimal("10000"),
                                         max_amount=Decimal("60000"))
    document = RequiredDocument.objects.create(call=call, name="Signed SME declaration")

    users = User.objects.bulk_create(
        [User(email=f"sme{n}@loadtest.invalid", full_name=f"SME person {n}",
              password="!unusable") for n in range(smes)], batch_size=500)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True)
         for user in users], batch_size=500)
    organisations = []
    for n, user in enumerate(users):
        country = COUNTRIES[n % len(COUNTRIES)]
        organisations.append(Organisation(
            user=user, legal_name=f"Load SME {n} SRL", country=country,
            registration_number=example_vat_number(country, rng), street=f"Main street {n}",
            postcode="1000", city="Brussels", nace_code="C28.4", year_founded=2010 + n % 12,
            staff_headcount=Decimal(5 + n % 200), annual_turnover=Decimal(400000 + 1000 * n),
            balance_sheet_total=Decimal(300000 + 500 * n)))
    organisations = Organisation.objects.bulk_create(organisations, batch_size=500)
    applications = Application.objects.bulk_create(
        [Application(call=call, organisation=organisation, created_by=organisation.user,
                     voucher_type=voucher, title=f"Smart welding cell {n}", acronym=f"LOAD{n}",
                     summary="A vision-guided welding cell for a small metal workshop.",
                     sections={"approach": "We integrate a camera and a robot arm. " * 10,
                               "impact": "Less scrap, fewer injuries, more orders. " * 10},
                     requested_amount=Decimal(20000 + 100 * (n % 300)),
                     planned_start=date(2027, 3, 1), duration_months=9)
         for n, organisation in enumerate(organisations)], batch_size=500)
    lines = []
    for application in applications:
        half = (application.requested_amount / 2).quantize(Decimal("1"))
        lines += [BudgetLine(application=application, category=BudgetLine.Category.SUBCONTRACTING,
                             description="Integration of a vision system", amount=half,
                             position=0),
                  BudgetLine(application=application, category=BudgetLine.Category.EQUIPMENT,
                             description="Camera and lighting",
                             amount=application.requested_amount - half, position=1)]
    BudgetLine.objects.bulk_create(lines, batch_size=1000)
    sessions = _sessions(users)
    return {
        "call": {"pk": call.pk, "slug": call.slug, "closes_at": call.closes_at.timestamp(),
                 "required_document": document.pk},
        "declarations": list(Declaration.values),
        "manager": {"email": MANAGER_EMAIL, "password": MANAGER_PASSWORD,
                    "totp_secret": TOTP_SECRET},
        "smes": [{"application": application.pk, "session": session}
                 for application, session in zip(applications, sessions, strict=True)],
    }


def main(*, plan_path: str, smes: int, closes_in: float) -> None:
    plan = seed(smes=smes, closes_in=closes_in, rng=random.Random(20261205))
    Path(plan_path).write_text(json.dumps(plan))
    print(f"seeded {smes} SMEs and their drafts")
