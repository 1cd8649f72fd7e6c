"""Choosing the facility for a disposition: capability, certification, capacity, cost.

The scenario: a line at a Bolton site, refurbishment centres in Salford and
Leeds, depots in Trafford and Wigan.
"""

from dataclasses import replace

import pytest

from common.enums import Disposition as D
from common.enums import FacilityCapability as Cap
from common.enums import FacilityKind
from server.logistics.destination import FacilityOption, choose_destination, cost_to, holding_depot
from server.logistics.policy import TransportRules, load_policy

POLICY = replace(load_policy(), transport=TransportRules(courier_cost_per_km=0.05, detour_factor=1.3))
BOLTON = dict(lat=53.578, lon=-2.429)


def make_facility(facility_id, name, capabilities, lat, lon, kind=FacilityKind.DEPOT, capacity=50, **overrides):
    return FacilityOption(facility_id, name, kind, frozenset(capabilities), lat, lon, capacity, **overrides)


SALFORD_REFURB = make_facility(
    1, "Salford Refurb Centre", {Cap.REFURBISH}, 53.488, -2.290, FacilityKind.REFURBISHMENT_CENTRE
)
LEEDS_REFURB = make_facility(
    2, "Leeds Refurb Centre", {Cap.REFURBISH, Cap.HAZARDOUS}, 53.796, -1.548, FacilityKind.REFURBISHMENT_CENTRE
)
TRAFFORD_DEPOT = make_facility(3, "Trafford Depot", {Cap.STOCK, Cap.CROSS_DOCK}, 53.462, -2.318)
WIGAN_DEPOT = make_facility(4, "Wigan Depot", {Cap.STOCK, Cap.HAZARDOUS}, 53.545, -2.632)
NETWORK = (SALFORD_REFURB, LEEDS_REFURB, TRAFFORD_DEPOT, WIGAN_DEPOT)


def test_cheapest_capable_facility_is_chosen():
    choice = choose_destination(D.REFURBISH, NETWORK, POLICY, **BOLTON)

    assert choice.chosen.facility == SALFORD_REFURB
    assert choice.full == ()


def test_facility_without_the_capability_is_never_chosen():
    choice = choose_destination(D.REFURBISH, (TRAFFORD_DEPOT, WIGAN_DEPOT), POLICY, **BOLTON)

    assert choice.chosen is None
    assert choice.reason == "No facility can refurbish."


def test_full_cheapest_facility_is_skipped_for_the_next_cheapest():
    full_salford = replace(SALFORD_REFURB, remaining_capacity_units=0)

    choice = choose_destination(D.REFURBISH, (full_salford, LEEDS_REFURB), POLICY, **BOLTON)

    assert choice.chosen.facility == LEEDS_REFURB
    assert [c.facility for c in choice.full] == [full_salford]
    assert choice.reason.startswith("Salford Refurb Centre (0 units left) is full, so Leeds Refurb Centre: €")


def test_every_capable_facility_full_says_so():
    full = [replace(f, remaining_capacity_units=0) for f in (SALFORD_REFURB, LEEDS_REFURB)]

    choice = choose_destination(D.REFURBISH, full, POLICY, **BOLTON)

    assert choice.chosen is None
    assert choice.reason == (
        "No facility that can refurbish has room: "
        "Salford Refurb Centre (0 units left) and Leeds Refurb Centre (0 units left) are full."
    )


def test_a_line_of_several_units_needs_room_for_all_of_them():
    two_left = replace(SALFORD_REFURB, remaining_capacity_units=2)

    choice = choose_destination(D.REFURBISH, (two_left, LEEDS_REFURB), POLICY, **BOLTON, quantity=3)

    assert choice.chosen.facility == LEEDS_REFURB


def test_processing_cost_counts_with_transport():
    pricey_salford = replace(SALFORD_REFURB, processing_costs={D.REFURBISH: 20.0})

    choice = choose_destination(D.REFURBISH, (pricey_salford, LEEDS_REFURB), POLICY, **BOLTON)

    assert choice.chosen.facility == LEEDS_REFURB  # €4 of transport beats €1 of transport + €20 of processing


def test_processing_cost_is_per_unit_and_transport_per_line():
    costly = replace(SALFORD_REFURB, processing_costs={D.REFURBISH: 5.0})

    one, three = (cost_to(costly, D.REFURBISH, **BOLTON, quantity=q, policy=POLICY) for q in (1, 3))

    assert three.processing_cost == 3 * one.processing_cost == 15.0
    assert three.transport_cost == one.transport_cost


def test_transport_costs_the_courier_rate_per_road_km():
    cost = cost_to(SALFORD_REFURB, D.REFURBISH, **BOLTON, quantity=1, policy=POLICY)

    assert cost.road_km == pytest.approx(13.6 * POLICY.transport.detour_factor, abs=0.2)
    assert cost.transport_cost == pytest.approx(cost.road_km * POLICY.transport.courier_cost_per_km)


def test_hazardous_item_goes_only_to_a_certified_facility():
    choice = choose_destination(D.REFURBISH, NETWORK, POLICY, **BOLTON, hazardous=True)

    assert choice.chosen.facility == LEEDS_REFURB


def test_hazardous_item_without_a_certified_facility_says_so():
    choice = choose_destination(D.REFURBISH, (SALFORD_REFURB,), POLICY, **BOLTON, hazardous=True)

    assert choice.reason == "No facility certified for hazardous material can refurbish."


def test_line_nobody_can_take_is_held_at_the_nearest_depot_with_room():
    full_wigan = replace(WIGAN_DEPOT, remaining_capacity_units=0)

    assert holding_depot(NETWORK, POLICY, **BOLTON) == WIGAN_DEPOT
    assert holding_depot((full_wigan, TRAFFORD_DEPOT, SALFORD_REFURB), POLICY, **BOLTON) == TRAFFORD_DEPOT


def test_hazardous_line_is_held_only_at_a_certified_depot():
    assert holding_depot((TRAFFORD_DEPOT,), POLICY, **BOLTON, hazardous=True) is None
    assert holding_depot((TRAFFORD_DEPOT, WIGAN_DEPOT), POLICY, **BOLTON, hazardous=True) == WIGAN_DEPOT


def test_facility_refuses_a_negative_processing_cost():
    with pytest.raises(ValueError, match="processing cost of refurbish must be at least 0"):
        replace(SALFORD_REFURB, processing_costs={D.REFURBISH: -1})
