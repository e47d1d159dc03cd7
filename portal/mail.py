from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from portal.queue import enqueue_on_commit
from portal.site import site_url


def mail_on_commit(*, to: Iterable[str], template: str, context: dict[str, Any]) -> None:
    """Queue an e-mail once the surrounding transaction commits.

    ``template`` names ``templates/email/<template>_subject.txt`` and ``<template>_body.txt``.
    Rendering happens now, inside the transaction, so the mail shows the state just written.
    ``site_url`` (PORTAL_SITE_URL, for absolute links) is in every context.
    """
    context = {"site_url": site_url(), **context}
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
    body = render_to_string(f"email/{template}_body.txt", context)
    enqueue_on_commit("portal.send_mail", to=list(to), subject=subject, body=body,
                      language=translation.get_language())


def email_message(*, subject: str, body: str, to: Iterable[str],
                  headers: dict[str, str] | None = None,
                  language: str | None = None) -> EmailMultiAlternatives:
    """Every e-mail the portal sends: the plain-text ``body`` (rendered from the kind's one
    template, in the reader's language) and an HTML part made from the same text by
    ``templates/email/base.html`` (paragraphs kept, links clickable, ``lang`` set)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string("email/base.html", {
            "subject": subject, "body": body, "language": language})
    message = EmailMultiAlternatives(subject=subject, body=body, to=list(to),
                                     headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message
