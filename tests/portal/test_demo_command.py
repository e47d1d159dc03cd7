"""The base of the demo-seeding commands: the production guard and the text table."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.demo import DemoCommand


class Command(DemoCommand):
    refused_what = "the test demo"

    def seed(self) -> None:
        self.table(("Name", "Role"), [("Ana", "manager"), ("Bernadette", "")])


def run(**options) -> str:
    out = StringIO()
    call_command(Command(), stdout=out, **options)
    return out.getvalue()


def test_refused_in_production_without_the_flag(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError) as refused:
        run()
    assert str(refused.value) == ("Refusing to load the test demo into a production portal. "
                                  "Use --allow-production for a throw-away demo instance.")


def test_runs_in_production_with_the_flag(settings):
    settings.PRODUCTION = True
    assert run(allow_production=True).splitlines()[0] == "Name        Role"


def test_the_table_pads_each_column_to_its_widest_cell(settings):
    settings.PRODUCTION = False
    assert run() == ("Name        Role\n"
                     "----------  -------\n"
                     "Ana         manager\n"
                     "Bernadette\n")


# --- the demo accounts' second factor -----------------------------------------------------------


def test_demo_totp_prints_the_current_code_of_the_known_secret(settings):
    from allauth.mfa.totp.internal.auth import validate_totp_code  # noqa: PLC0415 -- this test only

    from portal.demo import DEMO_TOTP_SECRET  # noqa: PLC0415 -- this test only

    settings.PRODUCTION = False
    out, err = StringIO(), StringIO()
    call_command("demo_totp", stdout=out, stderr=err)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert validate_totp_code(DEMO_TOTP_SECRET, code)
    assert f"secret {DEMO_TOTP_SECRET}" in err.getvalue()


def test_demo_totp_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError) as refused:
        call_command("demo_totp", stdout=StringIO())
    assert "Refusing to load the demo accounts' second factor into a production portal" in str(
        refused.value)


def test_the_demo_code_is_rfc_6238s():
    """The RFC's SHA-1 test vector (secret "12345678901234567890", 59 s, 8 digits: 94287082):
    the same algorithm as oathtool and every authenticator app, here with 6 digits."""
    from portal.demo import demo_totp_code  # noqa: PLC0415 -- this test only

    rfc_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert demo_totp_code(at=59, secret=rfc_secret) == "287082"
