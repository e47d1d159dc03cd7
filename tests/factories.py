import random
import time
from datetime import date, timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from accounts.models import User
from applications.identifiers import example_vat_number
from applications.models import Application, BudgetLine, Organisation
from calls.models import Criterion, OpenCall, RequiredDocument, VoucherType
from euroclusters.models import Eurocluster, Membership, Partner

_rng = random.Random(20261121)

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# The authenticator-app secret of every user the factories give a second factor (base32, as an
# authenticator app takes it); totp_code() computes its current code, as the app would.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


def give_mfa(user) -> None:
    """An authenticator app (TOTP_SECRET) for ``user``, as if she had set it up."""
    TOTP.activate(user, TOTP_SECRET)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)
        if create:
            obj.save()

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """Staff and superusers come with a second factor, as the portal requires of them;
        ``mfa=False`` leaves it out (the tests of that requirement), ``mfa=True`` gives one to
        anyone."""
        if create and (extracted or (extracted is None and (obj.is_staff or obj.is_superuser))):
            give_mfa(obj)


class EuroclusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Eurocluster

    name = factory.Sequence(lambda n: f"Test Eurocluster {n}")
    acronym = factory.Sequence(lambda n: f"EC{n}")
    slug = factory.Sequence(lambda n: f"ec{n}")
    strand = "digital"
    cascade_budget = Decimal("1050000")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    eurocluster = factory.SubFactory(EuroclusterFactory)
    name = factory.Sequence(lambda n: f"Cluster partner {n}")
    country = "FR"
    registration_number = factory.LazyFunction(lambda: example_vat_number("FR", _rng))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, is_staff=True)
    eurocluster = factory.SubFactory(EuroclusterFactory)
    role = Membership.Role.MANAGER


class OpenCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpenCall

    eurocluster = factory.SubFactory(EuroclusterFactory)
    reference = factory.Sequence(lambda n: f"OC-{n:03d}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    title = factory.Sequence(lambda n: f"Innovation vouchers {n}")
    summary = "Vouchers for SMEs that bring digital technology into manufacturing."
    status = OpenCall.Status.OPEN
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    budget = Decimal("500000")
    description_sections = factory.LazyFunction(
        lambda: [{"key": "approach", "title": "Approach", "help": "", "max_chars": 2000},
                 {"key": "impact", "title": "Impact", "help": "", "max_chars": 2000}]
    )


class VoucherTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoucherType

    call = factory.SubFactory(OpenCallFactory)
    name = "Innovation voucher"
    min_amount = Decimal("10000")
    max_amount = Decimal("30000")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(OpenCallFactory)
    name = factory.Iterator(["Excellence", "Impact", "Implementation"])


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(OpenCallFactory)
    name = "Signed SME declaration"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    user = factory.SubFactory(UserFactory)
    legal_name = factory.Sequence(lambda n: f"Acme Robotics {n} SRL")
    country = "BE"
    registration_number = factory.LazyAttribute(
        lambda o: example_vat_number(str(o.country), _rng))
    street = "Rue de la Loi 16"
    postcode = "1000"
    city = "Brussels"
    nace_code = "C28.4"
    year_founded = 2015
    staff_headcount = Decimal("12")
    annual_turnover = Decimal("1500000")
    balance_sheet_total = Decimal("900000")


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.SubFactory(OpenCallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.LazyAttribute(lambda a: a.organisation.user)
    voucher_type = factory.LazyAttribute(
        lambda a: VoucherTypeFactory(call=a.call))


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    application = factory.SubFactory(ApplicationFactory)
    category = BudgetLine.Category.SUBCONTRACTING
    description = "Integration of a vision system"
    amount = Decimal("20000")


def complete_application(**kwargs) -> Application:
    """An application with everything filled in, ready to submit (declarations aside)."""
    fields = {
        "title": "Smart welding cell", "acronym": "SWELD",
        "summary": "A vision-guided welding cell.",
        "sections": {"approach": "We integrate a camera.", "impact": "Less scrap."},
        "requested_amount": Decimal("20000"), "planned_start": date(2027, 3, 1),
        "duration_months": 9,
    }
    application = ApplicationFactory(**{**fields, **kwargs})
    BudgetLineFactory(application=application, amount=application.requested_amount)
    return application
