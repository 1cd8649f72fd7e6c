"""Whether a console page fits its window, checked once the page has loaded with its stylesheets (a click that
navigates returns before they apply, and a page without its CSS is wider than it will be)."""


def fits(page) -> bool:
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
