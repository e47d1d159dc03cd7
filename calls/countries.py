"""Country lists used by the eligibility rules (pure data)."""

EU_MEMBER_STATES = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)
# Countries associated to the Single Market Programme (COSME strand) under their agreements.
SMP_ASSOCIATED = ("IS", "NO", "AL", "BA", "MK", "ME", "RS", "UA", "MD", "AM", "XK")

DEFAULT_ELIGIBLE_COUNTRIES = tuple(sorted(EU_MEMBER_STATES + SMP_ASSOCIATED))


def default_eligible_countries() -> list[str]:
    return list(DEFAULT_ELIGIBLE_COUNTRIES)
