"""An SME applies with the keyboard only (WCAG 2.1.1 and 2.4.7): Tab, Shift+Tab, Space, Enter and
typing; no click and no fill. She logs in, skips the menu with the skip link, applies to a call,
fills the form and a budget line, uploads the PDF through the file chooser opened from the
keyboard, is refused a submission without the declarations and is taken to what is missing,
ticks them and submits. At every step the element that has the focus shows a focus ring."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.actions import FACTORY_PASSWORD
from tests.factories import (
    MINIMAL_PDF,
    OpenCallFactory,
    OrganisationFactory,
    RequiredDocumentFactory,
    VoucherTypeFactory,
)

pytestmark = pytest.mark.browser

# What has the focus, and whether a person can see it: the portal's focus ring (an outline of
# 2 px or more, portal.css), on an element that is on screen.
FOCUS_JS = """(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {matches: false, ring: true, what: "body"};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const box = el.getBoundingClientRect();
  return {
    matches: el.matches(selector),
    ring: outline,
    onScreen: box.width > 0 && box.height > 0,
    what: (el.tagName + " " + (el.id || el.name || "") + " "
           + (el.innerText || el.value || "").trim().slice(0, 40) + " [outline: "
           + style.outlineStyle + " " + style.outlineWidth + (el.matches(":focus-visible")
           ? ", focus-visible" : "") + "]"),
  };
}"""

MAX_TABS = 80


def tab_to(page, selector: str, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab going back) until the focus is on `selector`, checking at every
    stop that the focus is visible."""
    visited = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        state = page.evaluate(FOCUS_JS, selector)
        visited.append(state["what"])
        if state["what"] != "body":
            assert state["ring"], f"no visible focus on {state['what']}"
            assert state["onScreen"], f"the focus is on {state['what']}, which is not shown"
        if state["matches"]:
            return
    raise AssertionError(f"{selector} never took the focus; the focus went through {visited}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_an_sme_fills_and_submits_an_application_with_the_keyboard_only(page, tmp_path):
    call = OpenCallFactory(
        reference="KEYB-2026-01", slug="keyboard-vouchers-2026",
        title="Keyboard vouchers 2026",
        description_sections=[
            {"key": "approach", "title": "Approach and work plan", "help": "", "max_chars": 2000},
        ],
    )
    VoucherTypeFactory(call=call, name="Innovation voucher", min_amount=Decimal("10000"),
                       max_amount=Decimal("30000"))
    RequiredDocumentFactory(call=call, name="Signed SME declaration", is_mandatory=True)
    organisation = OrganisationFactory()
    email = organisation.user.email

    # Log in: the login form from the keyboard.
    page.goto("/accounts/login/")
    type_into(page, "input[name=login]", email)
    type_into(page, "input[name=password]", FACTORY_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation").first).to_contain_text(email)

    # The call page: the first Tab reaches the skip link, which jumps over the menu.
    page.goto(f"/calls/{call.slug}/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    tab_to(page, "#apply")
    menu_links = page.evaluate(
        "() => [...document.querySelectorAll('header a')].includes(document.activeElement)")
    assert menu_links is False
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/$"))
    application_pk = int(re.search(r"/applications/(\d+)/edit/", page.url).group(1))

    # The form, field after field.
    type_into(page, "#id_voucher_type", "Innovation")  # a select follows what is typed
    expect(page.locator("#id_voucher_type")).to_have_value(
        str(call.voucher_types.get().pk))
    type_into(page, "#id_title", "Keyboard-driven welding cell")
    type_into(page, "#id_acronym", "KEYWELD")
    type_into(page, "#id_summary", "Every step of the cell is reachable without a mouse.")
    type_into(page, "#id_requested_amount", "20000")
    tab_to(page, "#id_planned_start")
    # Day and month alike: the date field's order of its parts follows the browser's locale.
    page.keyboard.type("06062027")
    expect(page.locator("#id_planned_start")).to_have_value("2027-06-06")
    type_into(page, "#id_duration_months", "9")
    type_into(page, "#id_section_approach", "We integrate a seam tracker into the cell.")

    # A budget line: the add button with Enter puts the focus in the new row.
    tab_to(page, ".formset[data-prefix=budget] .formset-add")
    page.keyboard.press("Enter")
    expect(page.locator("select[name=budget-0-category]")).to_be_focused()
    page.keyboard.type("Equipment")
    expect(page.locator("select[name=budget-0-category]")).to_have_value("equipment")
    type_into(page, "input[name=budget-0-description]", "Seam tracker and camera")
    type_into(page, "input[name=budget-0-amount]", "20000")
    expect(page.locator("#budget-check")).to_have_text("= requested amount")
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved at")

    tab_to(page, "#save-draft")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Draft saved")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("Keyboard-driven welding cell")

    # The PDF: the file chooser opens from the keyboard.
    pdf = tmp_path / "sme-declaration.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    type_into(page, "#upload-form select", "Signed")
    tab_to(page, "#upload-form input[type=file]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(pdf)
    tab_to(page, "#upload")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="uploaded")).to_have_text(
        re.compile(r"“sme-declaration\.pdf” is uploaded\."))

    # To the review page, back up the form from the documents (Shift+Tab).
    tab_to(page, "#upload")
    tab_to(page, "#review", back=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/applications/{application_pk}/submit/(#documents)?$"))
    expect(page.get_by_text("Everything required is filled in.")).to_be_visible()

    # Submitting without the declarations is refused; the focus goes to what is missing.
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    expect(page.locator("#missing")).to_be_focused()
    expect(page.locator("#missing")).to_contain_text("declaration")

    # Each declaration ticked with Space, then Enter on the button.
    declarations = page.locator("#submit-form input[type=checkbox]")
    expect(declarations).to_have_count(6)
    for index in range(6):
        tab_to(page, f"#{declarations.nth(index).get_attribute('id')}")
        page.keyboard.press("Space")
        expect(declarations.nth(index)).to_be_checked()
    tab_to(page, "#submit")
    page.keyboard.press("Enter")

    expect(page).to_have_url(
        re.compile(rf"/applications/{application_pk}/versions/1/(#documents)?$"))
    expect(page.locator("#receipt-code")).to_have_text(f"KEYB-2026-01-{application_pk:06d}-v1")
    expect(page.locator("#status")).to_have_text("Submitted")
    receipt = page.locator("main")
    expect(receipt).to_contain_text("Innovation voucher · EUR 20,000.00 · 9 months")
    expect(receipt).to_contain_text("sme-declaration.pdf")


def test_a_refused_form_takes_the_keyboard_to_its_error_summary_and_on_to_the_field(page):
    user = OrganisationFactory().user
    page.goto("/accounts/login/")
    type_into(page, "input[name=login]", user.email)
    type_into(page, "input[name=password]", FACTORY_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation").first).to_contain_text(user.email)

    # Her enterprise's name emptied and saved: refused, the summary has the focus.
    page.goto("/enterprise/")
    tab_to(page, "#id_legal_name")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    tab_to(page, "#save-organisation")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(["Legal name: This field is required."])

    # Tab reaches the link; Enter puts the focus in the field, its message tied to it.
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    field = page.locator("#id_legal_name")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bid_legal_name_error\b"))
    expect(page.locator("#id_legal_name_error")).to_have_text("This field is required.")
    page.keyboard.type("Brasov Motion BV")
    tab_to(page, "#save-organisation")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="saved")).to_be_visible()
    expect(page.locator(".error-summary")).to_have_count(0)
