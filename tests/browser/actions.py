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
