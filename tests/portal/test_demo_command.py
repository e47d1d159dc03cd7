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
