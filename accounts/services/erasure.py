"""Erasure of a person's account (GDPR art. 17) and the retention of accounts.

Where no legal retention applies, everything the portal holds about the person is deleted, the
account too. Where one does (a submitted application, a review, a signed agreement: FSTP records
under the EU Financial Regulation), the person is pseudonymised: name and e-mail address replaced,
login disabled, and the held records are kept until PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT
years after the last payment of the Eurocluster concerned; then ``erased_accounts_purge`` (beat)
deletes them.

The audit trail is append-only (its rows are never updated nor deleted) and names its actor by
a foreign key that protects the account row: an account named there is never deleted but kept as
a nameless placeholder ("anonymised"), so the trail keeps pointing at a row. The erasure's own
audit line names the account as its subject only, never as its actor, and holds no personal data.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.personal_data import Hold, contributors, retained_until
from portal.audit import audit_record
from portal.errors import DomainError
from portal.mail import mail_on_commit
from portal.site import absolute_url

logger = logging.getLogger(__name__)

DELETED = "deleted"  # the account row is gone
ANONYMISED = "anonymised"  # nothing kept but a nameless row that the audit trail points at
PSEUDONYMISED = "pseudonymised"  # the records the grant requires are kept until ``until``


class WrongPassword(DomainError):
    pass


@dataclass(frozen=True)
class ErasureDecision:
    """What erasure does to an account, and why, as the person is shown it."""

    outcome: str
    reasons: list[str] = field(default_factory=list)
    until: datetime | None = None

    @property
    def keeps_records(self) -> bool:
        return self.outcome == PSEUDONYMISED


def holds_of(user) -> list[Hold]:
    return [hold for contributor in contributors() for hold in contributor.holds(user)]


def erasure_decision(*, user) -> ErasureDecision:
    """What ``account_erase`` would do now: pseudonymise (with the reasons and the date the
    held records go) when a legal retention applies, otherwise delete."""
    holds = holds_of(user)
    if not holds:
        return ErasureDecision(outcome=DELETED)
    reasons = sorted({str(hold.reason) for hold in holds})
    return ErasureDecision(outcome=PSEUDONYMISED, reasons=reasons, until=retained_until(holds))


def pseudonym(user_id: int) -> str:
    return f"erased-user-{user_id}@invalid"


def _remove_login(user) -> None:
    """No way in any more: no address, no second factor, no password, inactive. The sessions
    end with the password: Django checks each session's password hash on every request."""
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = pseudonym(user.pk)
    user.full_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def _delete_or_keep_placeholder(user) -> bool:
    """Delete the account row; True when deleted. A row that the audit trail (or a record of
    someone else, e.g. a decision the person took as a manager) points at stays."""
    try:
        with transaction.atomic():
            get_user_model().objects.filter(pk=user.pk).delete()
    except (ProtectedError, RestrictedError):
        return False
    return True


def _audit(user_id: int, *, action: str, outcome: str, reasons: list[str],
           until: datetime | None) -> None:
    audit_record(subject=get_user_model()(pk=user_id), action=action, to_state=outcome,
                 reason="; ".join(reasons),
                 data={"until": until.isoformat() if until else ""})


@transaction.atomic
def account_erase(*, user, password: str) -> ErasureDecision:
    """Erase the account of ``user``, who confirms with ``password``.

    Each app deletes what no retention covers (``Contributor.erase``). Without a legal
    retention the account row is deleted (or kept nameless when the audit trail points at it);
    with one it is pseudonymised and ``erased_at`` set. Writes an audit line (no personal data)
    and e-mails the decision to the address the person had. Raises WrongPassword, DomainError
    when already erased.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        raise DomainError(_("This account has already been erased."))
    if not user.check_password(password):
        raise WrongPassword(_("The password is not right."))
    decision = erasure_decision(user=user)
    address, user_id, now = user.email, user.pk, timezone.now()
    for contributor in contributors():
        contributor.erase(user)
    _remove_login(user)
    if decision.keeps_records:
        user.erased_at = now
        user.save(update_fields=["erased_at"])
    elif _delete_or_keep_placeholder(user):
        decision = ErasureDecision(outcome=DELETED)
    else:
        user.erased_at = user.purged_at = now
        user.save(update_fields=["erased_at", "purged_at"])
        decision = ErasureDecision(outcome=ANONYMISED)
    _audit(user_id, action="account_erased", outcome=decision.outcome, reasons=decision.reasons,
           until=decision.until)
    mail_on_commit(to=[address], template="account_erased",
                   context={"decision": decision,
                            "years": settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT,
                            "privacy_url": absolute_url(reverse("accounts:privacy"))})
    return decision


def erased_accounts_purge(*, now: datetime | None = None) -> int:
    """Delete the held records of pseudonymised accounts whose retention has run out (the
    Eurocluster's last payment plus the retention years, read again now: a later payment moves
    the date), then the account row where nothing points at it any more. Returns how many
    accounts were purged. Safe to run twice."""
    now = now or timezone.now()
    purged = 0
    User = get_user_model()
    for user_id in list(User.objects.filter(erased_at__isnull=False, purged_at__isnull=True)
                        .values_list("pk", flat=True)):
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=user_id, purged_at__isnull=True) \
                .first()
            if user is None:
                continue
            until = retained_until(holds_of(user))
            if until is not None and until > now:
                continue
            for contributor in contributors():
                contributor.purge(user)
            if _delete_or_keep_placeholder(user):
                outcome = DELETED
            else:
                user.purged_at = now
                user.save(update_fields=["purged_at"])
                outcome = ANONYMISED
            _audit(user_id, action="account_purged", outcome=outcome, reasons=[], until=until)
            purged += 1
    return purged


def signups_remove_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete the accounts that signed up themselves (a password of their own), never confirmed
    their e-mail address and never logged in, PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS days or
    more ago. Accounts made for others (an invited evaluator has no password yet), staff and
    accounts anything points at are left alone. Returns how many went. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS)
    candidates = (get_user_model().objects
                  .filter(date_joined__lte=cutoff, last_login__isnull=True, is_staff=False,
                          is_superuser=False, erased_at__isnull=True)
                  .exclude(password__startswith="!")  # unusable: made for someone, not a sign-up
                  .exclude(emailaddress__verified=True)
                  .values_list("pk", flat=True))
    removed = 0
    for user_id in list(candidates):
        with transaction.atomic():
            user = get_user_model()(pk=user_id)
            if _delete_or_keep_placeholder(user):
                _audit(user_id, action="signup_expired", outcome=DELETED, reasons=[], until=None)
                removed += 1
    return removed
