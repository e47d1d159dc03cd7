"""Print the code the demo accounts' authenticator app shows now (portal.demo.DEMO_TOTP_SECRET),
to log in to the demo as its administrator, a member of a Eurocluster's staff or an evaluator."""

import time

from allauth.mfa import app_settings as mfa_settings

from portal.demo import DEMO_TOTP_SECRET, DemoCommand, demo_totp_code


class Command(DemoCommand):
    help = ("Print the current authenticator-app code of the demo's staff, evaluators and "
            "administrator (their known secret), and how long it stays valid.")
    refused_what = "the demo accounts' second factor"

    def seed(self) -> None:
        now = time.time()
        period = mfa_settings.TOTP_PERIOD
        left = period - int(now) % period
        self.stdout.write(demo_totp_code(now))
        self.stderr.write(f"valid for {left} more second(s); secret {DEMO_TOTP_SECRET}")
