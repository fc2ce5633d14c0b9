"""Filling in GOV.UK form components in the browser, the way a person would: by their labels."""

from __future__ import annotations

from playwright.sync_api import Page


def fill_date(page: Page, group: str, day: int, month: int, year: int) -> None:
    """A GOV.UK date input: the fieldset named ``group``, its Day, Month and Year."""
    date = page.get_by_role("group", name=group, exact=True)
    date.get_by_label("Day").fill(str(day))
    date.get_by_label("Month").fill(str(month))
    date.get_by_label("Year").fill(str(year))


def choose(page: Page, group: str, option: str) -> None:
    """A radio ``option`` of the fieldset named ``group``."""
    page.get_by_role("group", name=group, exact=True).get_by_label(option, exact=True).check()


def proceed(page: Page) -> None:
    """The Continue button of a step of a journey."""
    page.get_by_role("button", name="Continue").click()
