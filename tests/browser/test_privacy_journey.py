"""A person's own data through the pages: from the footer's privacy page to the account area,
download the ZIP, then delete the account, reading first what will happen and why."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import User
from applications.models import Application
from tests.browser.actions import log_in
from tests.evaluation.factories import eligible_application
from tests.payments.factories import results_call

pytestmark = pytest.mark.browser


def test_an_applicant_downloads_her_data_then_deletes_her_account(page, tmp_path):
    application = eligible_application(results_call(), title="Smart welding cell")
    user = application.organisation.user
    log_in(page, user.email)

    page.goto("/")
    page.locator("footer").get_by_role("link", name="Privacy").click()
    expect(page.locator("#retention")).to_contain_text("12 months after the call closed")
    page.get_by_role("link", name="Download my data").click()
    expect(page.locator("#account-tabs .active")).to_have_text("Privacy and your data")

    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    path = tmp_path / "mine.zip"
    info.value.save_as(path)
    data = json.loads(zipfile.ZipFile(path).read("data.json"))
    assert data["account"]["email"] == user.email
    assert [a["title"] for a in data["applications"]["applications"]] == ["Smart welding cell"]

    page.get_by_role("link", name="Delete my account").click()
    expect(page.locator("#erasure-decision")).to_contain_text(
        "Applications submitted to calls")
    page.get_by_label("Your password").fill("not-it")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#erase-form")).to_contain_text("The password is not right.")
    page.get_by_label("Your password").fill("correct-horse-42")
    page.get_by_role("button", name="Delete my account").click()

    expect(page.get_by_role("heading", name="Your account has been erased")).to_be_visible()
    expect(page.locator("#erasure-outcome")).to_contain_text("kept under a pseudonym")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    erased = User.objects.get(pk=user.pk)
    assert (erased.email, erased.is_active) == (f"erased-user-{user.pk}@invalid", False)
    assert Application.objects.filter(pk=application.pk).exists()
