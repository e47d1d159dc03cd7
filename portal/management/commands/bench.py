"""``manage.py bench <name> [options]``: run a registered benchmark and print its figures.

Benchmarks live in ``<app>/bench.py`` (see ``portal.bench``). Each runs in a scratch database made
for the run and dropped after it (unless it registered with ``database=False``), with ``DEBUG``
off as in production: with it on, Django keeps every query in memory. Progress goes to stderr;
stdout gets one line of JSON with the figures.
"""

import json
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils.module_loading import autodiscover_modules

from portal.bench import benchmarks, rolled_back, scratch_database


class Command(BaseCommand):
    help = ("Run a benchmark in a throw-away database; the last line of the output is a JSON "
            "object with the figures.")

    def add_arguments(self, parser):
        autodiscover_modules("bench")
        subparsers = parser.add_subparsers(dest="benchmark", metavar="name", required=True,
                                           title="benchmarks")
        for name, benchmark in benchmarks().items():
            subparser = subparsers.add_parser(name, help=benchmark.help,
                                              description=benchmark.help)
            subparser.add_argument(
                "--in-place", action="store_true",
                help="Use the current database instead of a scratch one, in a transaction rolled "
                     "back at the end (nothing commits, so on-commit work never runs). For "
                     "tests, which already run in a throw-away database.")
            benchmark.add_arguments(subparser)

    def handle(self, *args, benchmark: str, in_place: bool = False, **options):
        available = benchmarks()
        if benchmark not in available:  # call_command(benchmark=...) skips the parser's check
            raise CommandError(f"Unknown benchmark {benchmark!r}; available: "
                               f"{', '.join(available) or 'none'}.")
        chosen = available[benchmark]

        def log(line: str) -> None:
            if options["verbosity"] >= 1:
                self.stderr.write(line)

        if not chosen.database:
            place, mode = nullcontext(), "none"
        elif in_place:
            place, mode = rolled_back(), "in_place_rolled_back"
        else:
            place, mode = scratch_database(), "scratch"
        with override_settings(DEBUG=False), place:
            if chosen.database:
                log(f"bench {benchmark}: {connection.vendor} database "
                    f"{connection.settings_dict['NAME']} ({mode.replace('_', ' ')})")
            figures = chosen.run(options=options, log=log)
        result = {"benchmark": benchmark,
                  "database": connection.vendor if chosen.database else None,
                  "database_mode": mode, **figures}
        self.stdout.write(json.dumps(result))
