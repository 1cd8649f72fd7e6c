"""Deciding what happens to a returned item, and where: the rules table, the
warranty, hazardous material, stock need, transport and the minimum margin.

The scenario: a Bolton dental practice, with a refurbishment centre in Salford,
a depot in Trafford, a recycler in Wigan and a hazardous-waste recycler in Sheffield.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.enums import Disposition as D
from common.enums import FacilityCapability as Cap
from common.enums import FacilityKind, FailureCode, PartCondition
from server.logistics.destination import FacilityOption
from server.logistics.disposition import (
    END_OF_LIFE,
    RECOVERY,
    Part,
    ReturnLine,
    allowed_dispositions,
    decide_disposition,
    under_warranty,
    warranty_return_deadline,
)
from server.logistics.policy import EconomicsRules, TransportRules, WarrantyRules, load_policy
from server.logistics.stock import StockNeed

RULES = load_policy()
# The default disposition table, with the economics these tests' numbers rely on: money
# alone (carbon price 0, no compliance rules); the waste-hierarchy tests below use RULES.
POLICY = replace(
    RULES,
    carbon=replace(RULES.carbon, price_per_tonne=0.0),
    compliance=(),
    economics=EconomicsRules(
        currency_symbol="€",
        refurbished_value_ratio=0.65,
        need_multiplier=1.5,
        min_margin=5.0,
        scrap_cost_per_kg=0.40,
        recycle_value_per_kg={"default": 0.30, "printer": 0.25, "network": 1.20, "battery": -0.80},
    ),
    warranty=WarrantyRules(
        credit_ratio=1.0,
        claim_handling_cost=12.0,
        return_within_days=30,
        always_claim_conditions=frozenset({PartCondition.DEAD_ON_ARRIVAL}),
    ),
    transport=TransportRules(courier_cost_per_km=0.05, detour_factor=1.3),
)
#: Money and the carbon price of the default rules (€80/t), without compliance rules.
CARBON_PRICED = replace(POLICY, carbon=RULES.carbon)
REMOVED_ON = date(2026, 3, 2)
BOLTON = (53.578, -2.429)
OUT_OF_WARRANTY = date(2024, 1, 10)
UNDER_WARRANTY = date(2025, 9, 1)


def make_part(**overrides) -> Part:
    fields = dict(
        part_number="PSU-400",
        category="printer",
        new_price=400.0,
        refurbishment_cost=35.0,
        refurbishment_yield=0.85,
        residual_value=120.0,
        weight_kg=2.0,
        volume_l=4.0,
        vendor_warranty_days=365,
    )
    return Part(**(fields | overrides))


def make_line(condition=PartCondition.FAULTY, failure_code=FailureCode.NO_POWER, **overrides) -> ReturnLine:
    fields = dict(
        line_id="RL-1",
        part=make_part(),
        condition=condition,
        failure_code=failure_code,
        site_id=7,
        site_lat=BOLTON[0],
        site_lon=BOLTON[1],
        removed_on=REMOVED_ON,
        installed_on=OUT_OF_WARRANTY,
    )
    return ReturnLine(**(fields | overrides))


def make_facility(facility_id, name, capabilities, lat, lon, kind=FacilityKind.DEPOT, capacity=50, **overrides):
    return FacilityOption(facility_id, name, kind, frozenset(capabilities), lat, lon, capacity, **overrides)


SALFORD_REFURB = make_facility(
    1, "Salford Refurb Centre", {Cap.REFURBISH}, 53.488, -2.290, FacilityKind.REFURBISHMENT_CENTRE
)
TRAFFORD_DEPOT = make_facility(2, "Trafford Depot", {Cap.STOCK, Cap.VENDOR_RETURNS, Cap.CROSS_DOCK}, 53.462, -2.318)
WIGAN_RECYCLING = make_facility(3, "Wigan Recycling", {Cap.RECYCLE, Cap.SCRAP}, 53.545, -2.632, FacilityKind.RECYCLER)
SHEFFIELD_HAZMAT = make_facility(
    4, "Sheffield Hazmat Recycling", {Cap.RECYCLE, Cap.SCRAP, Cap.HAZARDOUS}, 53.381, -1.470, FacilityKind.RECYCLER
)
GLASGOW_REFURB = make_facility(
    5, "Glasgow Refurb Centre", {Cap.REFURBISH}, 55.864, -4.252, FacilityKind.REFURBISHMENT_CENTRE
)
NETWORK = (SALFORD_REFURB, TRAFFORD_DEPOT, WIGAN_RECYCLING, SHEFFIELD_HAZMAT)

ALL = {D.REFURBISH, D.REUSE, D.RETURN_TO_VENDOR, D.RECYCLE, D.SCRAP}
END = {D.RECYCLE, D.SCRAP}

# What the default rules allow for each condition (no failure code, under vendor warranty).
CONDITION_ROWS = {
    PartCondition.WORKING: {D.REUSE, D.REFURBISH} | END,
    PartCondition.FAULTY: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
    PartCondition.DAMAGED: {D.REFURBISH} | END,
    PartCondition.DEAD_ON_ARRIVAL: {D.RETURN_TO_VENDOR},  # the claim is mandatory
    PartCondition.UNKNOWN: {D.REFURBISH} | END,
}
# ... and for each failure code (a faulty part under vendor warranty).
FAILURE_CODE_ROWS = {
    None: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
    FailureCode.NO_POWER: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
    FailureCode.INTERMITTENT: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
    FailureCode.MECHANICAL_WEAR: {D.REFURBISH} | END,
    FailureCode.ELECTRICAL: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
    FailureCode.FIRMWARE: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
    FailureCode.WATER_DAMAGE: END,
    FailureCode.IMPACT_DAMAGE: {D.REFURBISH} | END,
    FailureCode.BATTERY_SWELLING: {D.RECYCLE},
    FailureCode.CONSUMABLE_END_OF_LIFE: END,
    FailureCode.OTHER: {D.REFURBISH, D.RETURN_TO_VENDOR} | END,
}


@pytest.mark.parametrize("condition, expected", CONDITION_ROWS.items())
def test_condition_row_sets_the_allowed_dispositions(condition, expected):
    line = make_line(condition, None, installed_on=UNDER_WARRANTY)

    assert allowed_dispositions(line, POLICY) == expected


@pytest.mark.parametrize("failure_code, expected", FAILURE_CODE_ROWS.items())
def test_failure_code_row_sets_the_allowed_dispositions(failure_code, expected):
    line = make_line(PartCondition.FAULTY, failure_code, installed_on=UNDER_WARRANTY)

    assert allowed_dispositions(line, POLICY) == expected


def test_working_part_worth_more_as_is_goes_back_to_stock():
    line = make_line(PartCondition.WORKING, None, part=make_part(residual_value=300.0))

    decision = decide_disposition(line, NETWORK, POLICY)

    assert (decision.disposition, decision.facility) == (D.REUSE, TRAFFORD_DEPOT)


def test_dispositions_ruled_out_after_a_failed_refurbishment_are_not_chosen_and_say_why():
    line = make_line(PartCondition.WORKING, None, part=make_part(residual_value=300.0))

    decision = decide_disposition(line, NETWORK, POLICY, ruled_out=frozenset({D.REFURBISH, D.REUSE}))

    assert decision.disposition not in {D.REFURBISH, D.REUSE}
    notes = {a.disposition: a.note for a in decision.alternatives}
    assert notes[D.REFURBISH] == notes[D.REUSE] == "Ruled out: tried and failed."


def test_water_damaged_part_is_never_reused():
    line = make_line(PartCondition.WORKING, FailureCode.WATER_DAMAGE, part=make_part(residual_value=5000.0))

    decision = decide_disposition(line, NETWORK, POLICY)

    assert decision.disposition in END
    assert "Not allowed with failure code water damage" in _note(decision, D.REUSE)


def test_dead_on_arrival_part_under_warranty_goes_back_to_its_vendor_by_the_deadline():
    line = make_line(PartCondition.DEAD_ON_ARRIVAL, None, installed_on=REMOVED_ON)

    decision = decide_disposition(line, NETWORK, POLICY)

    assert (decision.disposition, decision.facility) == (D.RETURN_TO_VENDOR, TRAFFORD_DEPOT)
    assert decision.deadline == REMOVED_ON + timedelta(days=POLICY.warranty.return_within_days)
    assert f"must reach Trafford Depot by {decision.deadline}" in decision.reason


def test_dead_on_arrival_claim_is_mandatory_even_when_refurbishing_would_pay_more():
    stingy_vendor = replace(POLICY, warranty=replace(POLICY.warranty, credit_ratio=0.05))
    line = make_line(PartCondition.DEAD_ON_ARRIVAL, None, installed_on=REMOVED_ON)

    decision = decide_disposition(line, NETWORK, stingy_vendor)

    assert decision.disposition == D.RETURN_TO_VENDOR
    assert "within the vendor warranty" in decision.reason


def test_faulty_part_removed_on_the_last_day_of_warranty_is_claimed():
    line = make_line(installed_on=REMOVED_ON - timedelta(days=365))

    decision = decide_disposition(line, NETWORK, POLICY)

    assert under_warranty(line)
    assert decision.disposition == D.RETURN_TO_VENDOR
    assert decision.deadline == warranty_return_deadline(line, POLICY)


def test_faulty_part_removed_the_day_after_warranty_ends_is_not_claimed():
    line = make_line(installed_on=REMOVED_ON - timedelta(days=366))

    decision = decide_disposition(line, NETWORK, POLICY)

    assert decision.disposition == D.REFURBISH
    assert decision.deadline is None
    assert _note(decision, D.RETURN_TO_VENDOR) == f"Vendor warranty ended on {REMOVED_ON - timedelta(days=1)}."


def test_part_without_installation_date_has_no_warranty_claim():
    line = make_line(installed_on=None)

    assert D.RETURN_TO_VENDOR not in allowed_dispositions(line, POLICY)


def test_hazardous_part_goes_only_to_a_certified_facility():
    battery = make_part(category="battery", hazardous=True, weight_kg=4.0)
    line = make_line(PartCondition.DAMAGED, FailureCode.BATTERY_SWELLING, part=battery)

    decision = decide_disposition(line, NETWORK, POLICY)

    assert decision.facility == SHEFFIELD_HAZMAT  # Wigan is nearer, but not certified


def test_hazardous_part_is_held_at_the_site_when_no_facility_is_certified():
    battery = make_part(category="battery", hazardous=True)
    line = make_line(PartCondition.DAMAGED, FailureCode.BATTERY_SWELLING, part=battery)

    decision = decide_disposition(line, (SALFORD_REFURB, TRAFFORD_DEPOT, WIGAN_RECYCLING), POLICY)

    assert decision.on_hold and decision.hold_at is None
    assert decision.disposition == D.RECYCLE
    assert decision.reason == (
        "Hold at the site: recycling would be best (−€1.60 before transport) "
        "but no facility certified for hazardous material can recycle."
    )


def test_vendor_claim_without_a_vendor_returns_facility_is_held_and_keeps_its_deadline():
    line = make_line(PartCondition.DEAD_ON_ARRIVAL, None, installed_on=REMOVED_ON)

    decision = decide_disposition(line, (SALFORD_REFURB, WIGAN_RECYCLING), POLICY)

    assert decision.on_hold and decision.disposition == D.RETURN_TO_VENDOR
    assert decision.deadline == warranty_return_deadline(line, POLICY)
    assert "but no facility can handle vendor returns" in decision.reason


def test_stock_under_target_at_a_facility_flips_recycling_to_refurbishment():
    switch = dict(category="network", new_price=40.0, refurbishment_cost=15.0, refurbishment_yield=0.8, weight_kg=3.0)
    plenty = make_line(PartCondition.DAMAGED, FailureCode.IMPACT_DAMAGE, part=make_part(**switch))
    short = replace(plenty, part=make_part(**switch, stock_needs=[StockNeed("Salford", 1, 1, 1, 4)]))

    assert decide_disposition(plenty, NETWORK, POLICY).disposition == D.RECYCLE
    decision = decide_disposition(short, NETWORK, POLICY)
    assert decision.disposition == D.REFURBISH
    assert ("(×1.5 need at Salford: 1 on hand + 1 in refurbishment − 1 reserved, target 4)"
            in decision.reason)


def test_stock_at_its_target_leaves_the_refurbished_value_as_it_is():
    switch = dict(category="network", new_price=40.0, refurbishment_cost=15.0, refurbishment_yield=0.8, weight_kg=3.0)
    line = make_line(PartCondition.DAMAGED, FailureCode.IMPACT_DAMAGE,
                     part=make_part(**switch, stock_needs=[StockNeed("Salford", 2, 1, 0, 3)]))

    decision = decide_disposition(line, NETWORK, POLICY)

    assert decision.disposition == D.RECYCLE and "need" not in decision.reason


def test_refurbishment_must_beat_recycling_by_the_minimum_margin():
    switch = dict(category="network", new_price=40.0, refurbishment_cost=15.0, refurbishment_yield=0.8, weight_kg=3.0)
    line = make_line(PartCondition.DAMAGED, FailureCode.IMPACT_DAMAGE, part=make_part(**switch))
    no_margin = replace(POLICY, economics=replace(POLICY.economics, min_margin=0.0))

    decision = decide_disposition(line, NETWORK, POLICY)

    assert decision.disposition == D.RECYCLE
    assert "less than the €5 minimum margin above it" in decision.reason
    assert decide_disposition(line, NETWORK, no_margin).disposition == D.REFURBISH


def test_distant_refurbishment_centre_loses_to_local_recycling():
    line = make_line(part=make_part(new_price=100.0, refurbishment_cost=40.0))
    far_away = (GLASGOW_REFURB, TRAFFORD_DEPOT, WIGAN_RECYCLING)

    assert decide_disposition(line, NETWORK, POLICY).disposition == D.REFURBISH
    assert decide_disposition(line, far_away, POLICY).disposition == D.RECYCLE


def test_reason_states_the_numbers_that_decided_it_and_the_carbon_term():
    decision = decide_disposition(make_line(), NETWORK, CARBON_PRICED)

    assert decision.reason == (
        "Refurbish at Salford Refurb Centre: expected €185 (yield 85% × €260 refurbished value − €35 refurbishment"
        " − €0.88 transport) +€1.47 carbon (18.4 kg CO2e avoided × €80/t) beats recycling (−€0.40 + €0.67 carbon)."
    )
    assert decision.expected_value == pytest.approx(0.85 * 260 - 35 - 0.88, abs=0.01)


def test_alternatives_explain_every_disposition_not_chosen():
    decision = decide_disposition(make_line(), NETWORK, POLICY)

    assert {a.disposition for a in decision.alternatives} == ALL - {D.REFURBISH}
    assert [a.disposition for a in decision.alternatives[:2]] == [D.RECYCLE, D.SCRAP]  # priced, best first
    assert all(a.note for a in decision.alternatives)


def test_full_refurbishment_centre_sends_the_part_to_the_next_best_pair():
    network = (replace(SALFORD_REFURB, remaining_capacity_units=0), TRAFFORD_DEPOT, WIGAN_RECYCLING)

    decision = decide_disposition(make_line(), network, POLICY)

    assert (decision.disposition, decision.facility) == (D.RECYCLE, WIGAN_RECYCLING)
    assert "Refurbishment would pay more but Salford Refurb Centre (0 units left) is full." in decision.reason


def test_line_is_held_at_the_nearest_depot_when_every_capable_facility_is_full():
    full = [replace(f, remaining_capacity_units=0) for f in (SALFORD_REFURB, WIGAN_RECYCLING, SHEFFIELD_HAZMAT)]

    decision = decide_disposition(make_line(), (*full, TRAFFORD_DEPOT), POLICY)

    assert decision.on_hold and decision.hold_at == TRAFFORD_DEPOT
    assert decision.disposition == D.REFURBISH  # what it waits for
    assert decision.reason.startswith("Hold at Trafford Depot: refurbishment would be best (expected €185) but")


def test_a_quantity_needs_that_much_room_and_multiplies_the_value():
    line = make_line(quantity=3)
    two_left = (replace(SALFORD_REFURB, remaining_capacity_units=2), TRAFFORD_DEPOT, WIGAN_RECYCLING)

    expected = 3 * (0.85 * 260 - 35) - 0.88
    assert decide_disposition(line, NETWORK, POLICY).expected_value == pytest.approx(expected, abs=0.01)
    assert decide_disposition(line, two_left, POLICY).disposition == D.RECYCLE


def test_line_installed_after_its_removal_is_refused():
    with pytest.raises(ValueError, match="installed_on 2026-03-03 is after removed_on"):
        make_line(installed_on=REMOVED_ON + timedelta(days=1))


def test_part_with_a_yield_above_one_is_refused():
    with pytest.raises(ValueError, match="refurbishment_yield must be between 0 and 1"):
        make_part(refurbishment_yield=1.2)


# The waste hierarchy: the carbon term and the compliance rules.

#: The demo's "Patient monitor Li-ion battery" (server/demo/data.py).
LI_ION_BATTERY = dict(
    part_number="MED-BAT-V12", category="battery", new_price=260.0, refurbishment_cost=0.0, refurbishment_yield=0.0,
    residual_value=20.0, weight_kg=0.7, volume_l=0.6, hazardous=True,
)
#: A certified site that only disposes of hazardous waste.
LEEDS_LANDFILL = make_facility(6, "Leeds Hazardous Landfill", {Cap.SCRAP, Cap.HAZARDOUS}, 53.800, -1.549)
#: The borderline scenario of docs/engine.md: a damaged access switch, worth €2 more refurbished than
#: recycled in money, short of the €5 minimum margin; refurbishing avoids 85 kg CO2e more.
DAMAGED_SWITCH = dict(
    category="network", new_price=40.0, refurbishment_cost=15.0, refurbishment_yield=0.8, weight_kg=3.0
)


def test_li_ion_battery_goes_to_recycling_under_the_battery_rule_though_scrap_is_cheaper():
    line = make_line(part=make_part(**LI_ION_BATTERY))
    at_no_carbon_price = replace(RULES, carbon=POLICY.carbon)

    money_alone = decide_disposition(line, NETWORK, POLICY)
    decision = decide_disposition(line, NETWORK, at_no_carbon_price)

    assert money_alone.disposition == D.SCRAP
    assert (decision.disposition, decision.facility) == (D.RECYCLE, SHEFFIELD_HAZMAT)
    assert (
        "Scrapping is not allowed (EU Battery Regulation 2023/1542: waste batteries go to a certified recycler) "
        "while a certified recycler is reachable." in decision.reason
    )
    assert _note(decision, D.SCRAP).startswith("Not allowed: EU Battery Regulation 2023/1542")


def test_li_ion_battery_recycling_avoids_its_material_share_of_embodied_co2e():
    decision = decide_disposition(make_line(part=make_part(**LI_ION_BATTERY)), NETWORK, RULES)

    assert decision.disposition == D.RECYCLE
    assert decision.co2e_avoided_kg == pytest.approx(0.7 * 25.0 * 0.40)  # kg × kg CO2e/kg × recovery share
    assert "+€0.56 carbon (7 kg CO2e avoided × €80/t)" in decision.reason


def test_carbon_price_turns_the_damaged_switch_from_recycling_to_refurbishment():
    line = make_line(PartCondition.DAMAGED, FailureCode.IMPACT_DAMAGE, part=make_part(**DAMAGED_SWITCH))

    assert decide_disposition(line, NETWORK, POLICY).disposition == D.RECYCLE
    decision = decide_disposition(line, NETWORK, CARBON_PRICED)
    assert decision.disposition == D.REFURBISH
    assert decision.co2e_avoided_kg == pytest.approx(0.8 * 3.0 * 60.0 * 0.9)
    assert "+€10.37 carbon (129.6 kg CO2e avoided × €80/t) beats recycling (€2.70 + €3.60 carbon)" in decision.reason


@pytest.mark.parametrize("price_per_tonne, expected", [(32.0, D.RECYCLE), (33.0, D.REFURBISH)])
def test_damaged_switch_turns_to_refurbishment_from_33_euros_per_tonne(price_per_tonne, expected):
    """(€4.92 − €2.70) + (129.6 − 45) kg × price ≥ €5 margin from €32.9/t, as docs/engine.md states."""
    line = make_line(PartCondition.DAMAGED, FailureCode.IMPACT_DAMAGE, part=make_part(**DAMAGED_SWITCH))
    priced = replace(POLICY, carbon=replace(RULES.carbon, price_per_tonne=price_per_tonne))

    assert decide_disposition(line, NETWORK, priced).disposition == expected


def test_catalogue_co2e_figures_replace_the_category_defaults():
    line = make_line(PartCondition.DAMAGED, FailureCode.IMPACT_DAMAGE, part=make_part(**DAMAGED_SWITCH))
    light_footprint = replace(
        line, part=make_part(**DAMAGED_SWITCH, embodied_co2e_kg=10.0, material_recovery_share=0.5)
    )

    decision = decide_disposition(light_footprint, NETWORK, CARBON_PRICED)

    assert decision.disposition == D.RECYCLE
    assert decision.co2e_avoided_kg == pytest.approx(10.0 * 0.5)


def test_scrap_avoids_no_co2e():
    line = make_line(part=make_part(**LI_ION_BATTERY))

    decision = decide_disposition(line, (SALFORD_REFURB, TRAFFORD_DEPOT, LEEDS_LANDFILL), CARBON_PRICED)

    assert decision.disposition == D.SCRAP
    assert decision.co2e_avoided_kg == 0
    assert "and no CO2e avoided" in decision.reason


def test_compliance_category_is_held_rather_than_scrapped_when_its_recycler_is_full():
    full = replace(SHEFFIELD_HAZMAT, remaining_capacity_units=0)
    line = make_line(part=make_part(**LI_ION_BATTERY))

    decision = decide_disposition(line, (SALFORD_REFURB, TRAFFORD_DEPOT, full, LEEDS_LANDFILL), RULES)

    assert decision.on_hold and decision.disposition == D.RECYCLE
    assert "Sheffield Hazmat Recycling (0 units left) is full" in decision.reason
    assert decision.reason.endswith("Scrapping is not allowed (EU Battery Regulation 2023/1542: waste batteries go "
                                    "to a certified recycler) while a certified recycler is reachable.")


def test_compliance_category_without_any_recycler_goes_to_the_best_allowed_option_and_says_so():
    line = make_line(part=make_part(**LI_ION_BATTERY))

    decision = decide_disposition(line, (SALFORD_REFURB, TRAFFORD_DEPOT, LEEDS_LANDFILL), RULES)

    assert (decision.disposition, decision.facility) == (D.SCRAP, LEEDS_LANDFILL)
    assert "No facility can recycle it, so EU Battery Regulation 2023/1542" in decision.reason
    assert "cannot be met: scrapping is the best allowed option" in decision.reason


def test_a_category_without_a_compliance_rule_may_still_be_scrapped():
    without_battery_rule = replace(RULES, carbon=POLICY.carbon,
                                   compliance=tuple(r for r in RULES.compliance if r.key != "batteries"))

    decision = decide_disposition(make_line(part=make_part(**LI_ION_BATTERY)), NETWORK, without_battery_rule)

    assert decision.disposition == D.SCRAP
    assert "not allowed" not in decision.reason


def test_worked_example_of_docs_engine_md_gives_the_reason_it_quotes():
    network = (
        replace(SALFORD_REFURB, remaining_capacity_units=0),
        make_facility(2, "Leeds Refurb Centre", {Cap.REFURBISH}, 53.796, -1.548, FacilityKind.REFURBISHMENT_CENTRE,
                      12, processing_costs={D.REFURBISH: 3.0}, fed_by_id=3),
        replace(TRAFFORD_DEPOT, facility_id=3, remaining_capacity_units=40),
        replace(WIGAN_RECYCLING, facility_id=4, remaining_capacity_units=200),
    )
    line = make_line(part=make_part(stock_needs=[StockNeed("Leeds Refurb Centre", 2, 0, 0, 6)]),
                     installed_on=date(2024, 5, 14))

    decision = decide_disposition(line, network, RULES)

    assert decision.reason == (
        "Refurbish at Leeds Refurb Centre: expected €289 (yield 85% × €390 refurbished value (×1.5 need at Leeds"
        " Refurb Centre: 2 on hand + 0 in refurbishment − 0 reserved, target 6) − €35 refurbishment − €4.09 transport − €3 processing) +€1.47 carbon (18.4 kg CO2e avoided ×"
        " €80/t) beats recycling (−€0.40 + €0.67 carbon). Salford Refurb Centre (0 units left) is full."
    )
    assert _note(decision, D.SCRAP).startswith("Not allowed: WEEE Directive 2012/19/EU")


def _note(decision, disposition) -> str:
    return next(a.note for a in decision.alternatives if a.disposition == disposition)


# Property tests: the rules hold for every line and every facility network.

money = st.floats(0, 2000, allow_nan=False)


@st.composite
def facility_networks(draw):
    count = draw(st.integers(0, 6))
    return tuple(
        FacilityOption(
            facility_id=i,
            name=f"Facility {i}",
            kind=draw(st.sampled_from(FacilityKind)),
            capabilities=draw(st.frozensets(st.sampled_from(Cap))),
            lat=draw(st.floats(50, 56)),
            lon=draw(st.floats(-5, 1)),
            remaining_capacity_units=draw(st.integers(0, 3)),
            processing_costs=draw(st.dictionaries(st.sampled_from(D), st.floats(0, 50), max_size=2)),
        )
        for i in range(count)
    )


lines = st.builds(
    make_line,
    condition=st.sampled_from(PartCondition),
    failure_code=st.none() | st.sampled_from(FailureCode),
    installed_on=st.none() | st.integers(0, 1000).map(lambda days: REMOVED_ON - timedelta(days=days)),
    quantity=st.integers(1, 3),
    part=st.builds(
        make_part,
        category=st.sampled_from(["printer", "network", "battery", "medical", "not_in_the_rules"]),
        new_price=money,
        refurbishment_cost=money,
        refurbishment_yield=st.floats(0, 1),
        residual_value=money,
        weight_kg=st.floats(0, 40),
        hazardous=st.booleans(),
        vendor_warranty_days=st.integers(0, 730),
        stock_needs=st.lists(st.builds(StockNeed, st.just("Centre"), st.integers(0, 5), st.integers(0, 5),
                                       st.integers(0, 5), st.integers(0, 5)), max_size=2),
        embodied_co2e_kg=st.none() | st.floats(0, 500),
        material_recovery_share=st.none() | st.floats(0, 1),
    ),
)


@settings(max_examples=150, deadline=None)
@given(line=lines, network=facility_networks())
def test_decision_is_allowed_feasible_and_explained_for_any_line(line, network):
    decision = decide_disposition(line, network, POLICY)

    assert decision.reason
    assert decision.disposition in allowed_dispositions(line, POLICY)
    if decision.facility is None:
        assert decision.reason.startswith("Hold at ") and decision.expected_value is None
    else:
        assert decision.facility in network
        assert decision.facility.can_perform(decision.disposition, line.part.hazardous)
        assert decision.facility.has_room_for(line.quantity)
        assert (decision.deadline is not None) == (decision.disposition == D.RETURN_TO_VENDOR)


@pytest.mark.parametrize("policy", [POLICY, RULES], ids=["money-alone", "default-rules"])
@settings(max_examples=150, deadline=None)
@given(line=lines, network=facility_networks())
def test_no_alternative_beats_the_choice_except_within_the_minimum_margin(policy, line, network):
    decision = decide_disposition(line, network, policy)

    def score(value, co2e_kg):
        return value + policy.carbon.value(co2e_kg)

    for alternative in decision.alternatives:
        if alternative.expected_value is None:
            continue
        held_back_by_margin = alternative.disposition in RECOVERY and decision.disposition in END_OF_LIFE
        slack = policy.economics.min_margin if held_back_by_margin else 0
        assert score(alternative.expected_value, alternative.co2e_avoided_kg) <= (
            score(decision.expected_value, decision.co2e_avoided_kg) + slack + 0.02
        )


@settings(max_examples=150, deadline=None)
@given(line=lines, network=facility_networks())
def test_compliance_category_is_never_scrapped_while_a_recycler_is_reachable(line, network):
    decision = decide_disposition(line, network, RULES)

    recycler_reachable = any(f.can_perform(D.RECYCLE, line.part.hazardous) for f in network)
    if RULES.scrap_ban(line.part.category) and recycler_reachable and allowed_dispositions(line, RULES) - {D.SCRAP}:
        assert decision.disposition != D.SCRAP


@settings(max_examples=50, deadline=None)
@given(line=lines, network=facility_networks())
def test_decision_does_not_depend_on_the_order_facilities_are_listed(line, network):
    assert decide_disposition(line, network, POLICY) == decide_disposition(line, network[::-1], POLICY)
