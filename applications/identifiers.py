"""VAT and company registration numbers, checked with python-stdnum. Pure: no Django.

An enterprise gives either its EU VAT number (with or without the country prefix) or its national
company registration number. Both are stored in compact form; a VAT number keeps its prefix, so the
same enterprise is recognised across calls.
"""

import functools
import importlib
import random

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

# VAT prefixes that differ from the ISO country code.
VAT_PREFIX = {"GR": "EL"}
# National company registers that python-stdnum can check, per ISO country code.
NATIONAL_REGISTERS = {
    "AT": ["at.businessid"],
    "BE": ["be.vat"],
    "BG": ["bg.vat"],
    "CZ": ["cz.dic"],
    "DE": ["de.handelsregisternummer"],
    "DK": ["dk.cvr"],
    "EE": ["ee.registrikood"],
    "ES": ["es.cif", "es.nif"],
    "FI": ["fi.ytunnus"],
    "FR": ["fr.siren", "fr.siret"],
    "HR": ["hr.oib"],
    "IE": ["ie.vat"],
    "IT": ["it.iva"],
    "LT": ["lt.asmens"],
    "LU": ["lu.tva"],
    "NL": ["nl.btw"],
    "NO": ["no.orgnr"],
    "PL": ["pl.regon"],
    "PT": ["pt.nif"],
    "RO": ["ro.onrc", "ro.cui"],
    "SE": ["se.orgnr"],
    "SI": ["si.maticna"],
    "SK": ["sk.dph"],
}


class InvalidIdentifier(ValueError):
    pass


def _compact(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def normalise_identifier(value: str, country: str) -> str:
    """Return the compact VAT or registration number, or raise InvalidIdentifier with a reason."""
    compact = _compact(value)
    country = country.upper()
    if not compact:
        raise InvalidIdentifier("Enter the VAT number or the company registration number.")
    prefix = VAT_PREFIX.get(country, country)
    if prefix != country and compact[:2] == country:
        # "GR094259216" is the Greek VAT number usually written EL094259216.
        compact = prefix + compact[2:]
    if compact[:2].isalpha() and compact[:2] in _vat_prefixes():
        # Some register numbers start like a VAT prefix ("HRB 12345 Berlin", "Dessau HRB 1").
        national = _national_number(value, compact, country)
        if compact[:2] != prefix:
            if national:
                return national
            raise InvalidIdentifier(
                f"This VAT number belongs to another country ({compact[:2]}) than the one "
                f"selected ({country})."
            )
        try:
            return _vat(compact)
        except StdnumError:
            if national:
                return national
            raise InvalidIdentifier(
                f"{compact} is not a valid {prefix} VAT number: check the digits."
            ) from None
    # No prefix: a VAT number without it, or a national register number.
    if prefix in _vat_prefixes():
        try:
            return _vat(prefix + compact)
        except StdnumError:
            pass
    modules = NATIONAL_REGISTERS.get(country)
    if modules is None:
        if 4 <= len(compact) <= 30:
            return compact
        raise InvalidIdentifier("A registration number has 4 to 30 letters or digits.")
    national = _national_number(value, compact, country)
    if national:
        return national
    if prefix not in _vat_prefixes():
        raise InvalidIdentifier(
            f"{value.strip()} is not a valid company registration number for {country}: "
            f"check the digits."
        )
    raise InvalidIdentifier(
        f"{value.strip()} is neither a valid {prefix} VAT number nor a valid company "
        f"registration number for {country}: check the digits, or give the VAT number with its "
        f"{prefix} prefix."
    )


# A pure function of its arguments, called for every partner of the Eurocluster on every check:
# the stdnum validation is what costs, and the same few numbers come back each time.
@functools.lru_cache(maxsize=4096)
def identity_key(value: str, country: str) -> str:
    """The form under which two records of one enterprise match: the normalised number, or, for a
    number that does not validate (typed by a manager, say), its compact upper-case form."""
    try:
        return normalise_identifier(value, country)
    except InvalidIdentifier:
        return _compact(value)


def _national_number(value: str, compact: str, country: str) -> str | None:
    """The number as the country's register module keeps it, or None when none accepts it."""
    for name in NATIONAL_REGISTERS.get(country, ()):
        module = importlib.import_module(f"stdnum.{name}")
        # Some formats need their separators or words ("J40/1234/2020", "Berlin HRB 12345").
        for candidate in (compact, value.strip()):
            try:
                return module.validate(candidate)
            except StdnumError:
                continue
    return None


def _vat(number: str) -> str:
    """Validate an EU VAT number with its prefix; return it compact, prefix kept."""
    eu_vat.validate(number)
    return eu_vat.compact(number).upper()


@functools.cache
def _vat_prefixes() -> frozenset[str]:
    return frozenset({code.upper() for code in eu_vat.MEMBER_STATES} | {"EL", "XI"})


def example_vat_number(country: str, rng: random.Random) -> str:
    """A made-up but well-formed VAT number for demo data and tests (never a real lookup)."""
    prefix = VAT_PREFIX.get(country, country).upper()
    lengths = {"BE": [10], "FR": [11], "IT": [11], "DE": [9], "NL": [12], "ES": [9], "PT": [9],
               "RO": [8], "BG": [9], "AT": [9], "SE": [12], "PL": [10], "EL": [9], "CZ": [8],
               "DK": [8], "FI": [8], "IE": [8], "LU": [8], "SI": [8], "HR": [11], "SK": [10],
               "HU": [8], "MT": [8], "LV": [11], "CY": [9]}
    length = lengths.get(prefix, [9])[0]
    for _ in range(200_000):
        if prefix == "BE":
            body = "0" + "".join(rng.choice("0123456789") for _ in range(length - 1))
        elif prefix == "NL":
            body = "".join(rng.choice("0123456789") for _ in range(9)) + "B01"
        elif prefix == "ES":
            body = rng.choice("ABG") + "".join(rng.choice("0123456789") for _ in range(8))
        elif prefix == "SE":
            body = "5" + "".join(rng.choice("0123456789") for _ in range(9)) + "01"
        elif prefix == "AT":
            body = "U" + "".join(rng.choice("0123456789") for _ in range(8))
        elif prefix in ("IE", "CY"):
            # Digits followed by a check letter.
            body = "".join(rng.choice("0123456789") for _ in range(length - 1)) + rng.choice(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        else:
            body = str(rng.randint(1, 9)) + "".join(
                rng.choice("0123456789") for _ in range(length - 1)
            )
        if eu_vat.is_valid(prefix + body):
            return _vat(prefix + body)
    raise ValueError(f"could not make an example VAT number for {country}")
