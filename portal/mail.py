from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string

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
    enqueue_on_commit("portal.send_mail", to=list(to), subject=subject, body=body)
