"""VAT and company registration numbers: accepted forms, refusals and their messages."""

import random

import pytest
from stdnum.eu import vat as eu_vat

from applications.identifiers import InvalidIdentifier, example_vat_number, normalise_identifier


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        # Belgium
        ("BE0403170701", "BE", "BE0403170701"),
        ("BE 0403.170.701", "BE", "BE0403170701"),
        ("0403.170.701", "BE", "BE0403170701"),
        ("be0403170701", "be", "BE0403170701"),
        # France
        ("FR40303265045", "FR", "FR40303265045"),
        ("FR 40 303 265 045", "FR", "FR40303265045"),
        ("40303265045", "FR", "FR40303265045"),
        # Italy
        ("IT00743110157", "IT", "IT00743110157"),
        ("00743110157", "IT", "IT00743110157"),
        # Germany
        ("DE136695976", "DE", "DE136695976"),
        ("DE 136.695.976", "DE", "DE136695976"),
        ("136695976", "DE", "DE136695976"),
        # The Netherlands
        ("NL004495445B01", "NL", "NL004495445B01"),
        ("NL 0044.95.445.B01", "NL", "NL004495445B01"),
        ("004495445B01", "NL", "NL004495445B01"),
        # Spain
        ("ESB58378431", "ES", "ESB58378431"),
        ("ES B-58378431", "ES", "ESB58378431"),
        ("B58378431", "ES", "ESB58378431"),
        # Romania
        ("RO18547290", "RO", "RO18547290"),
        ("RO 185 472 90", "RO", "RO18547290"),
        ("18547290", "RO", "RO18547290"),
        # Bulgaria
        ("BG175074752", "BG", "BG175074752"),
        ("175.074.752", "BG", "BG175074752"),
        # Greece: the VAT prefix is EL, not the ISO code GR.
        ("EL094259216", "GR", "EL094259216"),
        ("EL 094 259 216", "GR", "EL094259216"),
        ("094259216", "GR", "EL094259216"),
        ("GR094259216", "GR", "EL094259216"),
    ],
)
def test_valid_vat_number_is_stored_compact_with_its_prefix(value, country, expected):
    assert normalise_identifier(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        # French SIREN (9 digits) and SIRET (14 digits).
        ("732829320", "FR", "732829320"),
        ("732 829 320", "FR", "732829320"),
        ("732.829.320", "FR", "732829320"),
        ("73282932000074", "FR", "73282932000074"),
        # The Belgian enterprise number is the VAT number without the prefix.
        ("0403.170.701", "BE", "BE0403170701"),
        ("0403 170 701", "BE", "BE0403170701"),
        # German commercial register, court first or last; "HR…" is not a Croatian VAT number.
        ("HRB 12345 Berlin", "DE", "Berlin (Charlottenburg) HRB 12345"),
        ("Berlin HRB 12345", "DE", "Berlin (Charlottenburg) HRB 12345"),
        ("Aachen HRA 11223", "DE", "Aachen HRA 11223"),
        # Romanian trade register number keeps its separators.
        ("J40/1234/2020", "RO", "J40/1234/2020"),
    ],
)
def test_national_registration_number_is_accepted(value, country, expected):
    assert normalise_identifier(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("BE0403170701", "BE"),
        ("732829320", "FR"),
        ("HRB 12345 Berlin", "DE"),
        ("J40/1234/2020", "RO"),
        ("GR094259216", "GR"),
        ("ua-12345", "UA"),
    ],
)
def test_normalising_a_stored_number_again_gives_the_same_number(value, country):
    stored = normalise_identifier(value, country)
    assert normalise_identifier(stored, country) == stored


@pytest.mark.parametrize(
    ("value", "country", "message"),
    [
        ("BE0403170702", "BE", "BE0403170702 is not a valid BE VAT number: check the digits."),
        ("FR40303265046", "FR", "FR40303265046 is not a valid FR VAT number: check the digits."),
        ("DE136695977", "DE", "DE136695977 is not a valid DE VAT number: check the digits."),
        ("IT 00743110158", "IT", "IT00743110158 is not a valid IT VAT number: check the digits."),
        ("EL094259217", "GR", "EL094259217 is not a valid EL VAT number: check the digits."),
        (
            "0403.170.702", "BE",
            "0403.170.702 is neither a valid BE VAT number nor a valid company registration "
            "number for BE: check the digits, or give the VAT number with its BE prefix.",
        ),
        (
            "732829321", "FR",
            "732829321 is neither a valid FR VAT number nor a valid company registration "
            "number for FR: check the digits, or give the VAT number with its FR prefix.",
        ),
    ],
)
def test_wrong_check_digit_is_refused_naming_the_country(value, country, message):
    with pytest.raises(InvalidIdentifier) as refused:
        normalise_identifier(value, country)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("value", "country", "other"),
    [
        ("FR40303265045", "BE", "FR"),
        ("BE0403170701", "NL", "BE"),
        ("DE136695976", "GR", "DE"),
        ("EL094259216", "CY", "EL"),
        ("HR33392005961", "DE", "HR"),
        ("ESB58378431", "FR", "ES"),
    ],
)
def test_vat_number_of_another_country_is_refused(value, country, other):
    with pytest.raises(InvalidIdentifier) as refused:
        normalise_identifier(value, country)
    assert str(refused.value) == (
        f"This VAT number belongs to another country ({other}) than the one selected ({country})."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234", "1234"),
        ("ab-12", "AB12"),
        ("UA 1234 5678", "UA12345678"),
        ("X" * 30, "X" * 30),
    ],
)
def test_country_without_a_stdnum_module_accepts_4_to_30_letters_or_digits(value, expected):
    assert normalise_identifier(value, "UA") == expected


@pytest.mark.parametrize("value", ["123", "A-B-C", "X" * 31])
def test_country_without_a_stdnum_module_refuses_other_lengths(value):
    with pytest.raises(InvalidIdentifier) as refused:
        normalise_identifier(value, "UA")
    assert str(refused.value) == "A registration number has 4 to 30 letters or digits."


@pytest.mark.parametrize("value", ["", "   ", "-./"])
def test_empty_number_is_refused(value):
    with pytest.raises(InvalidIdentifier) as refused:
        normalise_identifier(value, "BE")
    assert str(refused.value) == "Enter the VAT number or the company registration number."


def test_invalid_register_number_of_a_country_without_vat_prefix_names_the_country():
    with pytest.raises(InvalidIdentifier) as refused:
        normalise_identifier("123", "NO")
    assert str(refused.value) == (
        "123 is not a valid company registration number for NO: check the digits."
    )


EU_COUNTRIES = sorted(code.upper() for code in eu_vat.MEMBER_STATES - {"xi"})


def test_eu_countries_cover_the_27_member_states():
    assert len(EU_COUNTRIES) == 27


@pytest.mark.parametrize("country", EU_COUNTRIES)
def test_example_vat_number_is_always_valid(country):
    rng = random.Random(f"example-{country}")
    for _ in range(5):
        number = example_vat_number(country, rng)
        assert eu_vat.is_valid(number)
        assert number.startswith("EL" if country == "GR" else country)
        assert normalise_identifier(number, country) == number


def test_example_vat_number_is_reproducible_from_the_seed():
    assert example_vat_number("BE", random.Random(7)) == example_vat_number("BE", random.Random(7))
