"""The browser tests' own checks catch what they exist to catch (on a page made for it)."""

from __future__ import annotations

import pytest
from support.browser import assert_fits_the_screen, labelled_field, press, reached_by_tab, tab_stops

HEAD = '<meta name="viewport" content="width=device-width, initial-scale=1">'
FORM = (
    '<label for="a">Name</label><input id="a">'
    '<span>Phone</span><input id="b" aria-label="Phone">'
    '<button tabindex="-1">Hidden from Tab</button><button>Send</button>'
)


def test_a_page_wider_than_the_screen_fails_the_fit_check(page) -> None:  # type: ignore[no-untyped-def]
    page.set_content(HEAD + "<p>fits</p>")
    assert_fits_the_screen(page, page.locator("p"))
    page.set_content(HEAD + '<div style="width:1400px">too wide</div>')
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_fits_the_screen(page)


def test_tab_order_and_visible_labels_are_checked_as_a_keyboard_user_meets_them(page) -> None:  # type: ignore[no-untyped-def]
    page.set_content(HEAD + FORM)
    assert tab_stops(page) == ["INPUT a", "INPUT Phone", "BUTTON Send"]
    assert reached_by_tab(labelled_field(page, "Name")) == 0
    assert reached_by_tab(page.get_by_role("button", name="Send")) == 2
    with pytest.raises(AssertionError, match="Tab never reaches"):
        reached_by_tab(page.get_by_role("button", name="Hidden from Tab"))
    with pytest.raises(AssertionError, match="label 'Phone' is not visible"):
        labelled_field(page, "Phone")  # named for screen readers, but no visible label


def test_a_control_without_a_focus_ring_fails_the_keyboard_press(page) -> None:  # type: ignore[no-untyped-def]
    page.set_content(HEAD + '<button>Ringed</button><button style="outline:none">Bare</button>')
    press(page, page.get_by_role("button", name="Ringed"))
    with pytest.raises(AssertionError, match="no focus ring"):
        press(page, page.get_by_role("button", name="Bare"))
