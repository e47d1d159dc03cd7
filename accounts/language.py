"""The interface language: which one a request is answered in, and the switcher's choices.

Django's LocaleMiddleware picks the cookie (``LANGUAGE_COOKIE_NAME``, set by the switcher for
anonymous visitors) or else the browser's Accept-Language; for a signed-in person the language
stored on the account (``User.language``) wins, so the portal speaks it on every device. E-mails
and documents use the same stored language (``portal.languages.language_of``).
"""

from django.utils import translation

from portal.languages import supported


class AccountLanguageMiddleware:
    """After authentication: a signed-in person's stored language is the request's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        code = supported(user.language) if user is not None and user.is_authenticated else None
        if code and code != request.LANGUAGE_CODE:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
