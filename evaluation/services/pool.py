"""The evaluator pool of a call: invitations, answers, removal, rapporteurs, and the profile.

Decisions:

- An invitation names an e-mail address. Without an account for it, one is created with an
  unusable password; the person chooses a password when accepting (the invitation link proves
  they own the address, so the address counts as verified). With an account, the invitation is
  linked to it and the person logs in to accept.
- Refused invitations: a manager of the call's Eurocluster (they run the evaluation), and the
  account of an applicant of the call (an organisation with a submitted proposal in it). Other
  conflicts (a consortium member's staff, a partner's staff) are caught per proposal by
  ``evaluation.conflicts``, since the portal cannot know them from the e-mail address alone.
- Re-inviting someone still invited sends the e-mail again; a declined or removed member is
  invited again with a new link; an accepted member cannot be invited twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from calls.models import OpenCall
from euroclusters.models import Membership
from evaluation.models import Assignment, CallEvaluator, EvaluatorProfile, new_token
from evaluation.selectors.pool import distinct_texts
from evaluation.services.transitions import assignment_transition, call_evaluator_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify
from portal.queue import enqueue_on_commit
from portal.site import site_url

PROFILE_FIELDS = ("expertise", "country", "organisation", "organisation_number", "languages",
                  "max_proposals_per_call")


class PoolRefused(DomainError):
    pass


def _send_invitation(call_evaluator: CallEvaluator, by: Any) -> None:
    user = call_evaluator.user
    notify(recipient=user, kind="evaluation.invitation", context={
        "call": call_evaluator.call, "user": user, "call_evaluator": call_evaluator,
        "has_password": user.has_usable_password(),
        "invited_by_name": by.get_full_name() if getattr(by, "is_authenticated", False) else "",
        "site_url": site_url(),
    }, link=reverse("evaluation:invitation", kwargs={"token": call_evaluator.token}))


def _check_invitable(call: OpenCall, user) -> None:
    if Membership.objects.filter(user=user, eurocluster_id=call.eurocluster_id,
                                 role=Membership.Role.MANAGER).exists():
        raise PoolRefused(_("%(email)s is a manager of this Eurocluster and cannot evaluate its "
                            "proposals.") % {"email": user.email})
    applied = Application.objects.filter(call=call, organisation__user=user,
                                         status__in=Application.IN_CALL)
    if applied.exists():
        raise PoolRefused(_("%(email)s applied to this call and cannot evaluate it.")
                          % {"email": user.email})


@transaction.atomic
def evaluator_invite(*, call: OpenCall, email: str, by: Any, name: str = "") -> CallEvaluator:
    """Invite a person to the call's pool by e-mail; create their account if they have none.

    Creates the user (unusable password) and an empty EvaluatorProfile when missing. Raises
    PoolRefused for an invalid address, a manager of the Eurocluster, an applicant of the call,
    or someone already in the pool. Audited; queues the invitation e-mail on commit.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise PoolRefused(_("“%(email)s” is not a valid e-mail address.")
                          % {"email": email}) from None
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email.lower(), password=None,
                                        full_name=name.strip())
        audit_record(subject=user, action="account.create_for_invitation", actor=by,
                     data={"call": call.pk})
    elif not user.is_active:
        raise PoolRefused(_("The account of %(email)s is deactivated.") % {"email": user.email})
    _check_invitable(call, user)
    EvaluatorProfile.objects.get_or_create(user=user)
    entry = CallEvaluator.objects.select_for_update().filter(call=call, user=user).first()
    if entry is None:
        entry = CallEvaluator.objects.create(call=call, user=user, invited_by=by)
        audit_record(subject=entry, action="invite", actor=by, to_state=entry.status)
    elif entry.status == CallEvaluator.Status.ACCEPTED:
        raise PoolRefused(_("%(email)s is already in the pool of this call.")
                          % {"email": user.email})
    elif entry.status == CallEvaluator.Status.INVITED:
        audit_record(subject=entry, action="invite_again", actor=by)
    else:  # declined or removed: a new invitation with a new link
        entry = call_evaluator_transition(
            call_evaluator=entry, to=CallEvaluator.Status.INVITED, by=by,
            reason=_("invited again"),
            extra={"token": new_token(), "invited_by": by, "invited_at": timezone.now(),
                   "responded_at": None, "declaration_accepted_at": None})
    entry = CallEvaluator.objects.select_related("call__eurocluster", "user").get(pk=entry.pk)
    _send_invitation(entry, by)
    return entry


@transaction.atomic
def evaluators_invite(*, call: OpenCall, emails: list[str], by: Any,
                      name: str = "") -> tuple[list[CallEvaluator], list[str]]:
    """Invite each address of ``emails`` (``evaluator_invite``; ``name`` for a single one).

    Each invitation stands alone: one refused (PoolRefused) changes nothing of the others.
    Returns the pool entries invited and the refusals in words, in the order given.
    """
    name = name if len(emails) == 1 else ""
    invited, refused = [], []
    for email in emails:
        try:
            with transaction.atomic():
                invited.append(evaluator_invite(call=call, email=email, by=by, name=name))
        except DomainError as error:
            refused.append(error.message)
    return invited, refused


@transaction.atomic
def evaluator_accept(*, call_evaluator: CallEvaluator, user: Any, full_name: str = "",
                     password: str | None = None) -> CallEvaluator:
    """Accept an invitation as ``user`` (who must be the invited account).

    For an account without a usable password, ``password`` (checked with Django's validators)
    and ``full_name`` are set, and the e-mail address counts as verified. Accepting twice is a
    no-op. Raises PoolRefused for another account or an invitation no longer open. Audited.
    """
    entry = CallEvaluator.objects.select_for_update().get(pk=call_evaluator.pk)
    if entry.user_id != user.pk:
        raise PoolRefused(_("This invitation was sent to another account. Log out and open "
                            "the link again."))
    if entry.status == CallEvaluator.Status.ACCEPTED:
        return entry
    if entry.status != CallEvaluator.Status.INVITED:
        raise PoolRefused(_("This invitation is no longer open."))
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not user.has_usable_password():
        if not password:
            raise PoolRefused(_("Choose a password for your new account."))
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise PoolRefused(" ".join(error.messages), details=error.messages) from None
        user.set_password(password)
        fields = ["password"]
        if full_name.strip():
            user.full_name = full_name.strip()
            fields.append("full_name")
        user.save(update_fields=fields)
        # The invitation link reached this address: it is verified.
        address, _created = EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True})
        if not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
    EvaluatorProfile.objects.get_or_create(user=user)
    return call_evaluator_transition(call_evaluator=entry, to=CallEvaluator.Status.ACCEPTED,
                                     by=user, reason=_("invitation accepted"),
                                     extra={"responded_at": timezone.now()})


@transaction.atomic
def evaluator_decline(*, call_evaluator: CallEvaluator, user: Any = None,
                      reason: str = "") -> CallEvaluator:
    """Decline an invitation (by its link: no login needed). Declining twice is a no-op; an
    accepted invitation cannot be declined (PoolRefused: the manager removes). Audited."""
    entry = CallEvaluator.objects.select_for_update().get(pk=call_evaluator.pk)
    if entry.status == CallEvaluator.Status.DECLINED:
        return entry
    if entry.status != CallEvaluator.Status.INVITED:
        raise PoolRefused(_("This invitation is no longer open; to leave the pool, write to "
                            "the call's manager."))
    actor = user if getattr(user, "is_authenticated", False) else entry.user
    return call_evaluator_transition(call_evaluator=entry, to=CallEvaluator.Status.DECLINED,
                                     by=actor, reason=reason or _("invitation declined"),
                                     extra={"responded_at": timezone.now()})


@transaction.atomic
def evaluator_remove(*, call_evaluator: CallEvaluator, by: Any, reason: str) -> CallEvaluator:
    """Remove a member from the call's pool.

    Their live assignments without a submitted review are removed (audited); submitted reviews
    stay. Queues ``evaluation.fill_assignments`` on commit when any assignment was removed.
    Removing twice is a no-op.
    """
    entry = CallEvaluator.objects.select_for_update().get(pk=call_evaluator.pk)
    if entry.status == CallEvaluator.Status.REMOVED:
        return entry
    reason = reason or _("removed from the pool")
    removed = 0
    for assignment in Assignment.objects.filter(
            evaluator=entry, status__in=(Assignment.Status.ASSIGNED, Assignment.Status.ACTIVE)):
        assignment_transition(assignment=assignment, to=Assignment.Status.REMOVED, by=by,
                              reason=reason)
        removed += 1
    entry = call_evaluator_transition(call_evaluator=entry, to=CallEvaluator.Status.REMOVED,
                                      by=by, reason=reason, extra={"is_rapporteur": False})
    if removed:
        enqueue_on_commit("evaluation.fill_assignments", call_id=entry.call_id)
    return entry


@transaction.atomic
def evaluator_set_rapporteur(*, call_evaluator: CallEvaluator, value: bool,
                             by: Any) -> CallEvaluator:
    """Make an accepted member a rapporteur (may record consensus) or not. Audited."""
    entry = CallEvaluator.objects.select_for_update().get(pk=call_evaluator.pk)
    if value and entry.status != CallEvaluator.Status.ACCEPTED:
        raise PoolRefused(_("Only an evaluator who accepted the invitation can be a "
                            "rapporteur."))
    if entry.is_rapporteur != value:
        entry.is_rapporteur = value
        entry.save(update_fields=["is_rapporteur"])
        audit_record(subject=entry, action="rapporteur" if value else "rapporteur_removed",
                     actor=by)
    return entry


@transaction.atomic
def profile_save(*, user: Any, data: Mapping[str, Any]) -> EvaluatorProfile:
    """Create or update the user's evaluator profile from ``data`` (keys of PROFILE_FIELDS;
    missing keys keep their value). Expertise and languages are de-duplicated. Audited."""
    profile, _created = EvaluatorProfile.objects.select_for_update().get_or_create(user=user)
    changed = {}
    for name in PROFILE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "expertise":
            value = distinct_texts(value)
        elif name == "languages":
            value = [v.lower() for v in distinct_texts(value)]
        elif name in ("organisation", "organisation_number"):
            value = " ".join(str(value or "").split())
        if getattr(profile, name) != value:
            changed[name] = value
            setattr(profile, name, value)
    if changed:
        if profile.max_proposals_per_call < 1:
            raise PoolRefused(_("The most proposals per call must be at least 1."))
        profile.save()
        audit_record(subject=profile, action="profile.save", actor=user,
                     data={"fields": sorted(changed)})
    return profile
