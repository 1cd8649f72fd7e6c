"""Loading and checking the rules file."""

import copy
import tomllib

import pytest

from common.enums import Disposition, FailureCode, PartCondition
from server.logistics.policy import DEFAULT_RULES_PATH, load_policy, parse_policy

DEFAULT_RULES = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def rules() -> dict:
    """A fresh, editable copy of the default rules."""
    return copy.deepcopy(DEFAULT_RULES)


def test_default_rules_file_loads():
    policy = load_policy()

    assert policy.consolidation.window_days == DEFAULT_RULES["consolidation"]["window_days"]
    assert policy.economics.currency_symbol == "€"


def test_default_rules_have_a_row_for_every_condition_and_failure_code():
    table = load_policy().disposition_table

    assert set(table.by_condition) == set(PartCondition)
    assert set(table.by_failure_code) == {None, *FailureCode}


def test_a_rules_file_at_a_given_path_is_loaded(tmp_path):
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace("window_days = 5", "window_days = 9")
    path = tmp_path / "strict.toml"
    path.write_text(text, encoding="utf-8")

    assert load_policy(path).consolidation.window_days == 9


def test_a_file_that_is_not_toml_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[economics\nmin_margin = 5", encoding="utf-8")

    with pytest.raises(ValueError, match="broken.toml: not valid TOML"):
        load_policy(path)


def test_missing_key_is_named():
    data = rules()
    del data["economics"]["need_multiplier"]

    with pytest.raises(ValueError, match=r"missing key 'economics\.need_multiplier'"):
        parse_policy(data)


def test_missing_table_is_named():
    data = rules()
    del data["consolidation"]

    with pytest.raises(ValueError, match="missing key 'consolidation'"):
        parse_policy(data)


def test_unknown_key_is_named():
    data = rules()
    data["carry_back"]["max_weight_lb"] = 20

    with pytest.raises(ValueError, match=r"unknown key 'carry_back\.max_weight_lb'"):
        parse_policy(data)


def test_text_where_a_number_belongs_is_refused():
    data = rules()
    data["transport"]["courier_cost_per_km"] = "0.05"

    with pytest.raises(ValueError, match=r"transport\.courier_cost_per_km must be a number, got '0.05'"):
        parse_policy(data)


def test_true_is_not_a_number():
    data = rules()
    data["economics"]["min_margin"] = True

    with pytest.raises(ValueError, match=r"economics\.min_margin must be a number"):
        parse_policy(data)


def test_fractional_days_are_refused():
    data = rules()
    data["consolidation"]["window_days"] = 2.5

    with pytest.raises(ValueError, match=r"consolidation\.window_days must be an integer"):
        parse_policy(data)


@pytest.mark.parametrize(
    "table, key, value",
    [
        ("economics", "need_multiplier", 0.5),
        ("economics", "refurbished_value_ratio", 1.2),
        ("transport", "detour_factor", 0.9),
        ("consolidation", "urgency_weight", -1),
        ("warranty", "return_within_days", 0),
    ],
)
def test_value_out_of_range_is_refused_naming_the_key(table, key, value):
    data = rules()
    data[table][key] = value

    with pytest.raises(ValueError, match=rf"{table}\.{key} must be (at least|between)"):
        parse_policy(data)


def test_misspelt_disposition_is_named():
    data = rules()
    data["disposition"]["by_condition"]["working"] = ["reuse", "recylce"]

    with pytest.raises(ValueError, match=r"disposition\.by_condition\.working: 'recylce' is not a disposition"):
        parse_policy(data)


def test_condition_without_a_row_is_named():
    data = rules()
    del data["disposition"]["by_condition"]["unknown"]

    with pytest.raises(ValueError, match=r"missing key 'disposition\.by_condition\.unknown'"):
        parse_policy(data)


def test_failure_code_without_a_row_is_named():
    data = rules()
    del data["disposition"]["by_failure_code"]["water_damage"]

    with pytest.raises(ValueError, match=r"missing key 'disposition\.by_failure_code\.water_damage'"):
        parse_policy(data)


def test_table_leaving_only_a_vendor_claim_is_refused():
    data = rules()
    data["disposition"]["by_failure_code"]["firmware"] = ["return_to_vendor"]

    with pytest.raises(ValueError, match="leave nothing but return_to_vendor allowed"):
        parse_policy(data)


def test_recycle_rates_need_a_default_row():
    data = rules()
    del data["economics"]["recycle_value_per_kg"]["default"]

    with pytest.raises(ValueError, match=r"missing key 'economics\.recycle_value_per_kg\.default'"):
        parse_policy(data)


def test_unknown_claim_condition_is_refused():
    data = rules()
    data["warranty"]["always_claim_conditions"] = ["doa"]

    with pytest.raises(ValueError, match=r"warranty\.always_claim_conditions must be a list of part conditions"):
        parse_policy(data)


def test_transit_lead_days_must_be_shorter_than_the_vendor_return_window():
    data = rules()
    data["consolidation"]["deadline_lead_days"] = data["warranty"]["return_within_days"]

    with pytest.raises(ValueError, match=r"consolidation\.deadline_lead_days .* must be less than"):
        parse_policy(data)


def test_category_without_a_recycle_rate_uses_the_default_row():
    economics = load_policy().economics

    assert economics.recycle_rate("no_such_category") == (economics.recycle_value_per_kg["default"], "default")


def test_allowed_dispositions_are_the_intersection_of_condition_and_failure_code_rows():
    table = load_policy().disposition_table

    assert table.allowed(PartCondition.WORKING, FailureCode.IMPACT_DAMAGE) == (
        table.by_condition[PartCondition.WORKING] & table.by_failure_code[FailureCode.IMPACT_DAMAGE]
    )
    assert Disposition.REUSE not in table.allowed(PartCondition.WORKING, FailureCode.IMPACT_DAMAGE)


@pytest.mark.parametrize(
    "amount, shown", [(181.9, "€182"), (260, "€260"), (35, "€35"), (4.1, "€4.10"), (-1.2, "−€1.20"), (0.004, "€0")]
)
def test_money_is_shown_in_whole_units_from_100_and_in_cents_below(amount, shown):
    assert load_policy().money(amount) == shown


def test_default_rules_keep_batteries_weee_and_medical_parts_from_scrap():
    policy = load_policy()

    assert {c: policy.scrap_ban(c).key for c in ("battery", "printer", "network", "pos", "atm", "medical")} == {
        "battery": "batteries", "printer": "weee", "network": "weee", "pos": "weee", "atm": "weee",
        "medical": "medical",
    }
    assert policy.scrap_ban("no_such_category") is None


def test_category_without_co2e_defaults_uses_the_default_rows():
    carbon = load_policy().carbon

    assert carbon.embodied_per_kg("no_such_category") == carbon.embodied_co2e_per_kg["default"]
    assert carbon.recovery_share("no_such_category") == carbon.material_recovery_share["default"]


def test_carbon_price_is_in_money_per_tonne():
    assert load_policy().carbon.value(250.0) == pytest.approx(250.0 * DEFAULT_RULES["carbon"]["price_per_tonne"] / 1000)


def test_negative_carbon_price_is_refused():
    data = rules()
    data["carbon"]["price_per_tonne"] = -1

    with pytest.raises(ValueError, match=r"carbon\.price_per_tonne must be at least 0"):
        parse_policy(data)


def test_recovery_share_above_one_is_refused():
    data = rules()
    data["carbon"]["material_recovery_share"]["battery"] = 1.5

    with pytest.raises(ValueError, match=r"carbon\.material_recovery_share\.battery must be between 0 and 1"):
        parse_policy(data)


def test_a_category_in_two_compliance_rules_is_refused():
    data = rules()
    data["compliance"]["medical"]["categories"].append("battery")

    already = r"compliance\.medical\.categories: 'battery' is already in compliance\.batteries"
    with pytest.raises(ValueError, match=already):
        parse_policy(data)


def test_compliance_rule_without_categories_is_refused():
    data = rules()
    data["compliance"]["weee"]["categories"] = []

    with pytest.raises(ValueError, match=r"compliance\.weee\.categories must be a non-empty list"):
        parse_policy(data)
