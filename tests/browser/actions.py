"""What the browser tests do as a person would, written once."""

from playwright.sync_api import expect

FACTORY_PASSWORD = "correct-horse-42"  # the password tests/factories.py gives every user


def log_in(page, email: str, password: str = FACTORY_PASSWORD) -> None:
    """Log in through the login page and wait until the menu shows the account."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation").first).to_contain_text(email)


def fill_enterprise(page, *, vat: str) -> None:
    """Fill the enterprise form ("My enterprise") with a small Belgian enterprise: 12 staff, above
    the micro ceiling (fewer than 10) and within the small one (fewer than 50). Not saved."""
    page.get_by_label("Legal name").fill("Brasov Motion BV")
    page.get_by_label("VAT or company registration number").fill(vat)
    page.get_by_label("Country of legal establishment").select_option("BE")
    page.get_by_label("Street and number").fill("Rue de la Loi 16")
    page.get_by_label("Postcode").fill("1000")
    page.get_by_label("City").fill("Brussels")
    page.get_by_label("NACE sector").fill("C28.4")
    page.get_by_label("Year founded").fill("2015")
    page.get_by_label("Staff (annual work units)").fill("12")
    page.get_by_label("Annual turnover (EUR)").fill("1500000")
    page.get_by_label("Balance-sheet total (EUR)").fill("900000")
