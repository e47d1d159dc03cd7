from django.utils.translation import gettext as _


def section_errors(sections) -> list[str]:
    """What is wrong with a call's list of proposal sections (empty when it is well formed)."""
    if not isinstance(sections, list):
        return [_("Sections must be a list.")]
    errors, keys = [], set()
    for index, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not section.get("key") or not section.get("title"):
            errors.append(_("Section %(n)d needs a “key” and a “title”.") % {"n": index})
            continue
        if section["key"] in keys:
            errors.append(_("Section key “%(key)s” is used twice.") % {"key": section["key"]})
        keys.add(section["key"])
        max_chars = section.get("max_chars", 0)
        if not isinstance(max_chars, int) or max_chars < 0:
            errors.append(_("Section “%(key)s”: max_chars must be a whole number.")
                          % {"key": section["key"]})
    return errors
