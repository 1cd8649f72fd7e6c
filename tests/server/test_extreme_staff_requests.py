"""Staff requests with values at the edge of the calendar or of the id columns get a 4xx with
field-level messages, never a 500, and store nothing."""

import pytest


@pytest.mark.parametrize("query, field", [({"until": "9999-12-31"}, "until"), ({"since": "0001-01-01"}, "since"),
                                          ({"since": "2026-03-10", "until": "2026-03-01"}, "until")])
def test_figures_for_a_period_out_of_reach_or_backwards_are_refused_on_the_field(dana, world, query, field):
    r = dana.request("GET", "/api/v1/figures", params=query)
    assert r.status == 422
    assert field in r.json["errors"]["query"]


def test_figures_for_an_ordinary_period_are_computed(dana, world):
    r = dana.request("GET", "/api/v1/figures", params={"since": "2026-01-01", "until": "2026-12-31"})
    assert r.status == 200 and r.json["lines_removed"] == 0
