"""The portal's authentication backend: allauth's, with a load of the signed-in person that also
brings what nearly every page asks about her.

Django loads ``request.user`` once a request, through the backend named in the session. Before
this backend every signed-in page then asked three more questions, one query each: her
memberships (the menu's roles and every permission rule, ``euroclusters.rules``), whether she has
a verified e-mail address (``accounts.rules.has_verified_email``: submitting, signing) and the
bell's unread count (``portal.context_processors``). Here they are subqueries of the one query that
loads her, and their answers are put where those three already look first (the per-request
caches on the user object). In the deadline rush that is two or three round trips fewer on every
page an SME opens, each of them a switch between a web process and a PostgreSQL backend on the
same cores.

The answers are as of the start of the request, as the page she loaded a moment earlier: every
view that changes one of them (a membership, a confirmation, marking notifications read) answers
with a redirect, and the next request loads them afresh.

Sessions opened before this backend name Django's ModelBackend or allauth's own: the
authentication middleware (``euroclusters.middleware``) renames them to this one on their next
request, so nobody is logged out by the change.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat

from accounts.rules import verified_addresses
from euroclusters.rules import memberships_of, remember_roles
from portal.notifications import unread_of
from portal.prepared import PreparedRead

PATH = "euroclusters.backends.AuthenticationBackend"
# The paths earlier sessions name (settings.AUTHENTICATION_BACKENDS before this backend).
FORMER_PATHS = frozenset({"django.contrib.auth.backends.ModelBackend",
                          "allauth.account.auth_backends.AuthenticationBackend"})
PAIR_SEPARATOR, FIELD_SEPARATOR = ",", ":"


class _Joined(Aggregate):
    """The texts of a group joined by a comma: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    template = f"%(function)s(%(expressions)s, '{PAIR_SEPARATOR}')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def _membership_pairs() -> Subquery:
    """'eurocluster id:role' of each of the person's memberships, in one text (NULL: none)."""
    pair = Concat(Cast("eurocluster_id", CharField()), Value(FIELD_SEPARATOR), "role",
                  output_field=TextField())
    return Subquery(memberships_of(OuterRef("pk")).order_by()
                    .values("user").annotate(pairs=_Joined(pair)).values("pairs"))


def _unread_count() -> Coalesce:
    unread = (unread_of(person=OuterRef("pk"))
              .order_by().values("recipient").annotate(count=Count("pk")).values("count"))
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def parse_pairs(pairs: str | None) -> list[tuple[int, str]]:
    if not pairs:
        return []
    return [(int(eurocluster_id), role) for eurocluster_id, _sep, role in
            (pair.partition(FIELD_SEPARATOR) for pair in pairs.split(PAIR_SEPARATOR))]


def _load(pk: int):
    """The person with her memberships, verified address and unread count, in one query.

    Its SQL is compiled once per process (portal.prepared): the ORM takes about 1.6 ms of CPU to
    build and compile this query with its three subqueries, more than the three queries it
    replaces, and running the compiled SQL takes 0.2 ms. Only the id changes from one request to
    the next."""
    return (get_user_model()._default_manager
            .annotate(membership_pairs=_membership_pairs(),
                      verified_address=Exists(verified_addresses(OuterRef("pk"))),
                      unread_notifications=_unread_count())
            .filter(pk=pk))


_LOAD = PreparedRead(_load, "pk")


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (log-in by e-mail address, which the Django admin's form uses too),
    loading the session's person with her memberships, verified address and unread count."""

    def get_user(self, user_id):
        user = _LOAD.first(pk=get_user_model()._meta.pk.to_python(user_id))
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_roles(user, parse_pairs(user.__dict__.pop("membership_pairs")))
        user._has_verified_email = bool(user.__dict__.pop("verified_address"))
        user._unread_notifications = user.__dict__.pop("unread_notifications")
        return user
