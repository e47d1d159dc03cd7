"""allauth's adapter: its e-mails speak of the portal by name and link to PORTAL_SITE_URL (not to
whatever host the request came in on), each role lands on its own home after login, and a
locked-out log-in says for how long; its mails have the portal's HTML part."""

from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.roles import roles_of
from portal.mail import email_message
from portal.site import absolute_url, current_site


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        ctx = {**context, "current_site": current_site()}
        # The links these flows build from the request's host, with no adapter hook of their
        # own, made again on PORTAL_SITE_URL (the reset key's link comes from the hook below).
        if template_prefix in ("account/email/unknown_account",
                               "account/email/account_already_exists"):
            ctx["signup_url"] = absolute_url(reverse("account_signup"))
        if template_prefix == "account/email/account_already_exists":
            ctx["password_reset_url"] = absolute_url(reverse("account_reset_password"))
        super().send_mail(template_prefix, email, ctx)

    def render_mail(self, template_prefix: str, email: str, context: dict, headers=None):
        """allauth's mails too get the portal's HTML part beside their plain text (in the
        request's language, which is the person's)."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if getattr(message, "alternatives", None):
            return message
        return email_message(subject=message.subject, body=message.body, to=message.to,
                             headers=message.extra_headers)

    def validation_error(self, code, *args) -> ValidationError:
        if code == "too_many_login_attempts":
            # allauth's "Try again later" does not say when, nor that a reset lifts the lock.
            minutes = settings.PORTAL_LOGIN_LOCKOUT_MINUTES
            return ValidationError(ngettext(
                "Too many failed log-in attempts: log-in is locked for up to %(minutes)d "
                "minute. Try again then, or reset your password.",
                "Too many failed log-in attempts: log-in is locked for up to %(minutes)d "
                "minutes. Try again then, or reset your password.",
                minutes) % {"minutes": minutes}, code=code)
        return super().validation_error(code, *args)

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # The path allauth builds: its view splits the opaque key back into user id and token.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def get_login_redirect_url(self, request) -> str:
        """The home of the user's first role (accounts.roles says the order)."""
        roles = roles_of(request)
        if roles:
            return reverse(roles[0].home)
        return resolve_url(settings.LOGIN_REDIRECT_URL)
