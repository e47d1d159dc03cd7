"""The call texts that may be given in every interface language (django-modeltranslation).

Each field below gets one column per language (``title_fr``, ``title_pt_pt``...); ``call.title``
is the active language's text, else the call's own language's (``OpenCall.language``), else the
first language that has one (``MODELTRANSLATION_FALLBACK_LANGUAGES``). Voucher types, criteria and
required documents fall back in that order too (they are shown beside their call, whose text
follows the same rule). The agreement template is not here: the agreement is in the call's
language (payments).
"""

from django.conf import settings
from django.utils.translation import get_language
from modeltranslation.fields import TranslationFieldDescriptor
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname

from calls.models import Criterion, OpenCall, RequiredDocument, VoucherType

CALL_TEXTS = ("title", "summary", "description", "eligibility_summary")


@register(OpenCall)
class OpenCallTexts(TranslationOptions):
    fields = CALL_TEXTS
    # None is required in a given language: the admin form asks for the title and summary in
    # the call's own language (calls.forms_admin).
    required_languages = ()


@register(VoucherType)
class VoucherTypeTexts(TranslationOptions):
    fields = ("name", "description")


@register(Criterion)
class CriterionTexts(TranslationOptions):
    fields = ("name", "description")


@register(RequiredDocument)
class RequiredDocumentTexts(TranslationOptions):
    fields = ("name", "description")


def languages_of(call: OpenCall) -> list[str]:
    """The languages ``call``'s title and summary are given in, in the portal's order."""
    return [code for code, _name in settings.LANGUAGES
            if getattr(call, build_localized_fieldname("title", code), "")
            and getattr(call, build_localized_fieldname("summary", code), "")]


class CallLanguageFirst(TranslationFieldDescriptor):
    """modeltranslation's descriptor, with the call's own language as the first fallback."""

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # (values() and values_list() pass a stand-in without the call's language: they fall
        # back in the portal's order.)
        for code in (get_language(), getattr(instance, "language", None)):
            value = getattr(instance, build_localized_fieldname(self.field.name, code or ""),
                            None)
            if value:
                return value
        return super().__get__(instance, owner)


for _name in CALL_TEXTS:
    _plain = OpenCall.__dict__[_name]
    setattr(OpenCall, _name, CallLanguageFirst(
        _plain.field, fallback_languages=_plain.fallback_languages,
        fallback_value=_plain.fallback_value, fallback_undefined=_plain.fallback_undefined))
