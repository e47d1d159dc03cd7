"""Every kind of e-mail is written in its recipient's language, subject and body, with an HTML
part in the same language; digests and call alerts too."""

import re

import pytest
from django.core import mail
from django.template.loader import get_template
from django.utils import translation

from portal.notifications import kinds, notify, render_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READERS = ("en", "fr", "de", "ro", "bg")


class Anything(int):
    """Any value a template asks for: 1 (an id in a URL, a count), with anything as an attribute
    or item of it, and nothing in it to loop over."""

    def __new__(cls):
        return super().__new__(cls, 1)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    def __getitem__(self, key):
        return Anything()

    def __iter__(self):
        return iter(())


def context_for(kind=None, *, template: str = "") -> dict:
    """Every name the templates of ``kind`` (or of ``template``) use, bound to Anything."""
    names = set()
    for part in ("subject", "body"):
        name = f"email/{kind.template if kind else template}_{part}.txt"
        source = get_template(name).template.source
        for block in re.findall(r"{[{%](.*?)[}%]}", source, re.S):
            names.update(re.findall(r"(?<![\w.'\"])([a-z_][a-z0-9_]*)", block))
    return {name: Anything() for name in names}


def rendered(kind, code):
    with translation.override(code):
        return render_email(template=kind.template, context=context_for(kind))


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.key)
def test_each_kind_reaches_each_reader_in_her_language(kind, django_capture_on_commit_callbacks):
    people = {code: UserFactory(language=code) for code in READERS}
    english_subject, english_body = rendered(kind, "en")
    with django_capture_on_commit_callbacks(execute=True):
        for person in people.values():
            notify(recipient=person, kind=kind.key, context=context_for(kind), link="/")
    sent = {message.to[0]: message for message in mail.outbox}
    assert len(sent) == len(READERS)
    for code, person in people.items():
        message = sent[person.email]
        subject, body = rendered(kind, code)
        assert message.subject == subject
        assert message.body.startswith(body.rstrip("\n"))
        if code != "en":
            assert subject != english_subject, f"{kind.key}: subject not in {code}"
            assert body != english_body, f"{kind.key}: body not in {code}"
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'<html lang="{code}">' in html


def test_the_digest_is_in_its_readers_language(django_capture_on_commit_callbacks):
    from portal.models import NotificationPreference  # noqa: PLC0415 -- test only
    from portal.notifications import digests_send, optional_kinds  # noqa: PLC0415 -- test only
    kind = optional_kinds()[0]
    reader = UserFactory(language="it")
    NotificationPreference.objects.create(person=reader, kind=kind.key,
                                          choice=NotificationPreference.Choice.DIGEST)
    notify(recipient=reader, kind=kind.key, context=context_for(kind), link="/")
    assert digests_send() == 1
    with translation.override("it"):
        expected, _body = render_email(template="portal_digest",
                                       context={**context_for(template="portal_digest"),
                                                "count": 1})
    english, _body = render_email(template="portal_digest",
                                  context={**context_for(template="portal_digest"), "count": 1})
    message = mail.outbox[-1]
    assert message.subject == expected != english
    assert re.search(r'<html lang="it">', message.alternatives[0][0])
