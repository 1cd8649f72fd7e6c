"""Carry-back or courier pickup.

The scenario: an engineer finishes a job at a Bolton site and drives home to
Stockport (Salford lies on the way) or Wigan (Salford does not). Leeds Refurb
Centre is fed by the Trafford Depot cross-dock.
"""

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from common.enums import FacilityCapability as Cap
from common.enums import FacilityKind, PartCondition, TravelMode
from server.logistics.destination import FacilityOption
from server.logistics.disposition import Part, ReturnLine
from server.logistics.policy import CarryBackRules, TransportRules, load_policy
from server.logistics.travel import EngineerDay, carry_back_allowed, decide_travel

LIMITS = CarryBackRules(max_weight_kg=10.0, max_volume_l=25.0, allow_hazardous=False, max_detour_km=10.0)
COURIER = TransportRules(courier_cost_per_km=0.05, detour_factor=1.3)
POLICY = replace(load_policy(), carry_back=LIMITS, transport=COURIER)
HOME_IN_STOCKPORT = EngineerDay(53.408, -2.149)
HOME_IN_WIGAN = EngineerDay(53.545, -2.632)
HOME_IN_ALTRINCHAM = EngineerDay(53.387, -2.349)

TRAFFORD_DEPOT = FacilityOption(
    3, "Trafford Depot", FacilityKind.DEPOT, {Cap.STOCK, Cap.CROSS_DOCK}, 53.462, -2.318, 50
)
SALFORD_REFURB = FacilityOption(
    1, "Salford Refurb Centre", FacilityKind.REFURBISHMENT_CENTRE, {Cap.REFURBISH}, 53.488, -2.290, 50
)
LEEDS_REFURB = FacilityOption(
    2, "Leeds Refurb Centre", FacilityKind.REFURBISHMENT_CENTRE, {Cap.REFURBISH}, 53.796, -1.548, 50, fed_by_id=3
)
NETWORK = (SALFORD_REFURB, LEEDS_REFURB, TRAFFORD_DEPOT)


def make_line(**part_overrides) -> ReturnLine:
    fields = dict(
        part_number="FU-4410",
        category="printer",
        new_price=180.0,
        refurbishment_cost=30.0,
        refurbishment_yield=0.9,
        residual_value=40.0,
        weight_kg=2.5,
        volume_l=6.0,
    )
    part = Part(**(fields | part_overrides))
    return ReturnLine("RL-1", part, PartCondition.FAULTY, None, 7, 53.578, -2.429, date(2026, 3, 2))


def test_light_item_goes_back_with_the_engineer_whose_day_passes_the_facility():
    day = EngineerDay(53.545, -2.632, facility_ids_on_route={SALFORD_REFURB.facility_id})

    decision = decide_travel(make_line(), SALFORD_REFURB, day, POLICY)

    assert (decision.mode, decision.handover, decision.detour_km) == (TravelMode.CARRY_BACK, SALFORD_REFURB, 0.0)
    assert decision.reason.endswith("and Salford Refurb Centre is already on the engineer's route.")


def test_light_item_goes_back_with_the_engineer_when_the_facility_is_on_the_way_home():
    decision = decide_travel(make_line(), SALFORD_REFURB, HOME_IN_STOCKPORT, POLICY)

    assert decision.mode == TravelMode.CARRY_BACK
    assert decision.reason == (
        "Carry back: 2.5 kg and 6 l are within the engineer's limits (10 kg, 25 l) and Salford Refurb Centre "
        "is on the way."
    )


def test_engineer_ending_the_day_at_the_facility_carries_the_item_back():
    at_salford = EngineerDay(SALFORD_REFURB.lat, SALFORD_REFURB.lon)

    assert decide_travel(make_line(), SALFORD_REFURB, at_salford, POLICY).mode == TravelMode.CARRY_BACK


def test_item_for_a_distant_facility_is_dropped_at_the_depot_that_feeds_it():
    decision = decide_travel(make_line(), LEEDS_REFURB, HOME_IN_ALTRINCHAM, POLICY, NETWORK)

    assert (decision.mode, decision.handover) == (TravelMode.CARRY_BACK, TRAFFORD_DEPOT)
    assert "Trafford Depot, which forwards to Leeds Refurb Centre, is a 2.0 km detour on the way" in decision.reason


def test_feeding_depot_that_is_not_a_cross_dock_is_not_a_handover_point():
    plain_depot = replace(TRAFFORD_DEPOT, capabilities={Cap.STOCK})

    decision = decide_travel(make_line(), LEEDS_REFURB, HOME_IN_ALTRINCHAM, POLICY, (plain_depot, LEEDS_REFURB))

    assert decision.mode == TravelMode.COURIER_PICKUP


def test_detour_too_big_means_a_courier_pickup():
    decision = decide_travel(make_line(), SALFORD_REFURB, HOME_IN_WIGAN, POLICY)

    assert decision.mode == TravelMode.COURIER_PICKUP
    assert decision.reason == (
        "Courier pickup: dropping it at Salford Refurb Centre would be a 30 km detour on the engineer's way "
        "(limit 10 km)."
    )


def test_heavy_item_goes_by_courier():
    decision = decide_travel(make_line(weight_kg=LIMITS.max_weight_kg + 0.5), SALFORD_REFURB, HOME_IN_STOCKPORT, POLICY)

    assert decision.mode == TravelMode.COURIER_PICKUP
    assert decision.reason == "Courier pickup: 10.5 kg is over the 10 kg carry-back limit."


def test_bulky_item_goes_by_courier():
    line = make_line(volume_l=LIMITS.max_volume_l + 1)

    assert decide_travel(line, SALFORD_REFURB, HOME_IN_STOCKPORT, POLICY).mode == TravelMode.COURIER_PICKUP


def test_several_light_units_together_can_be_too_heavy_to_carry():
    line = replace(make_line(weight_kg=4.0), quantity=3)

    assert not carry_back_allowed(line, POLICY)


def test_hazardous_item_goes_by_courier():
    decision = decide_travel(make_line(hazardous=True), SALFORD_REFURB, HOME_IN_STOCKPORT, POLICY)

    assert decision.mode == TravelMode.COURIER_PICKUP
    assert decision.reason == "Courier pickup: hazardous material is not carried back by engineers."


def test_hazardous_item_is_carried_back_when_the_rules_allow_it():
    lenient = replace(POLICY, carry_back=replace(LIMITS, allow_hazardous=True))

    assert decide_travel(make_line(hazardous=True), SALFORD_REFURB, HOME_IN_STOCKPORT, lenient).mode == (
        TravelMode.CARRY_BACK
    )


def test_item_without_a_destination_waits_at_the_site_for_a_courier():
    decision = decide_travel(make_line(), None, HOME_IN_STOCKPORT, POLICY)

    assert decision.mode == TravelMode.COURIER_PICKUP
    assert "waits at the site" in decision.reason


def test_item_goes_by_courier_when_the_engineer_day_is_unknown():
    assert decide_travel(make_line(), SALFORD_REFURB, None, POLICY).mode == TravelMode.COURIER_PICKUP


@given(
    weight_kg=st.floats(0, 30),
    volume_l=st.floats(0, 60),
    hazardous=st.booleans(),
    end=st.tuples(st.floats(53.0, 54.0), st.floats(-3.0, -1.5)),
    destination=st.sampled_from(NETWORK),
)
def test_carry_back_always_respects_the_limits(weight_kg, volume_l, hazardous, end, destination):
    line = make_line(weight_kg=weight_kg, volume_l=volume_l, hazardous=hazardous)

    decision = decide_travel(line, destination, EngineerDay(*end), POLICY, NETWORK)

    assert decision.reason
    if decision.mode == TravelMode.CARRY_BACK:
        assert weight_kg <= LIMITS.max_weight_kg and volume_l <= LIMITS.max_volume_l and not hazardous
        assert decision.detour_km <= LIMITS.max_detour_km
        assert decision.handover in (destination, TRAFFORD_DEPOT)
