"""Every write to a Eurocluster's team. The admin calls these; nothing else saves memberships."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from euroclusters.models import Eurocluster, Membership
from portal.audit import audit_record
from portal.errors import DomainError


class NoAccount(DomainError):
    pass


class NotAllowed(DomainError):
    pass


def no_account_message() -> str:
    return _("No account uses this e-mail address; ask the person to sign up first.")


def user_for_email(email: str):
    """The account whose login is ``email`` (case does not matter). Raises NoAccount."""
    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise NoAccount(no_account_message())
    return user


@transaction.atomic
def membership_grant(*, eurocluster: Eurocluster, email: str, role: str, by: Any) -> Membership:
    """Give the person who logs in with ``email`` the ``role`` in ``eurocluster``.

    Creates the membership, or changes the role of an existing one, and sets ``is_staff`` on the
    account so the person can log in to the administration; writes an audit record. Granting a
    role the person already holds changes nothing. ``by=None`` is the system (seed, shell).
    Raises NoAccount when no account uses the address, NotAllowed when ``by`` does not manage
    ``eurocluster``, DomainError for an unknown role.
    """
    if role not in Membership.Role.values:
        raise DomainError(_("“%(role)s” is not a role of a Eurocluster.") % {"role": role})
    if by is not None and not by.has_perm("euroclusters.add_membership", eurocluster):
        raise NotAllowed(_("You can only add people to a Eurocluster you manage."))
    user = user_for_email(email)
    # Lock the account: two managers adding the same person at once must make one membership.
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    membership = (
        Membership.objects.select_for_update().filter(user=user, eurocluster=eurocluster).first()
    )
    if membership is not None and membership.role == role and user.is_staff:
        return membership
    previous_role = membership.role if membership is not None else ""
    if membership is None:
        membership = Membership.objects.create(user=user, eurocluster=eurocluster, role=role)
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    # The person by id only: an audit line is never rewritten, so it holds no e-mail to erase.
    audit_record(
        subject=membership, action="membership_granted", actor=by, from_state=previous_role,
        to_state=role, data={"user": user.pk, "eurocluster": eurocluster.acronym},
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: Any) -> None:
    """Remove ``membership`` and write an audit record.

    The account keeps its staff status only while it holds another membership (or is a
    superuser): without one, the administration has nothing to show it. Raises NotAllowed when
    ``by`` does not manage the membership's Eurocluster.
    """
    if by is not None and not by.has_perm("euroclusters.delete_membership", membership):
        raise NotAllowed(_("You can only remove people from a Eurocluster you manage."))
    user = get_user_model().objects.select_for_update().get(pk=membership.user_id)
    audit_record(
        subject=membership, action="membership_revoked", actor=by, from_state=membership.role,
        data={"user": user.pk, "eurocluster": membership.eurocluster.acronym},
    )
    membership.delete()
    if (user.is_staff and not user.is_superuser
            and not Membership.objects.filter(user=user).exists()):
        user.is_staff = False
        user.save(update_fields=["is_staff"])
