"""The engine's rules and thresholds, read from rules.toml and checked once.

`load_policy()` returns a frozen `Policy`; every engine function takes one, so a
test or a what-if can pass its own (`dataclasses.replace` or `parse_policy`).
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from common.enums import Disposition, FailureCode, PartCondition
from server.logistics.delivery_mode import DeliveryRules
from server.logistics.escalation import STEPS, ChasingRules

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.toml")

#: The failure-code row used for a line without a failure code.
NO_FAILURE_CODE = "none"
#: The row of a by-category table used for a catalogue category not listed.
DEFAULT_CATEGORY = "default"


@dataclass(frozen=True)
class DispositionTable:
    by_condition: Mapping[PartCondition, frozenset[Disposition]]
    #: Keyed by failure code; None is the row for "no failure code".
    by_failure_code: Mapping[FailureCode | None, frozenset[Disposition]]

    def allowed(self, condition: PartCondition, failure_code: FailureCode | None) -> frozenset[Disposition]:
        """Dispositions both the condition row and the failure-code row allow."""
        return self.by_condition[condition] & self.by_failure_code[failure_code]


@dataclass(frozen=True)
class EconomicsRules:
    currency_symbol: str
    refurbished_value_ratio: float
    need_multiplier: float
    min_margin: float
    scrap_cost_per_kg: float
    recycle_value_per_kg: Mapping[str, float]

    def recycle_rate(self, category: str) -> tuple[float, str]:
        """The recycle value per kg for a category, and the row it came from."""
        row = category if category in self.recycle_value_per_kg else DEFAULT_CATEGORY
        return self.recycle_value_per_kg[row], row


@dataclass(frozen=True)
class CarbonRules:
    price_per_tonne: float
    reuse_processing_share: float
    refurbish_processing_share: float
    #: kg CO2e per kg of part, by category, for a part with no catalogue figure.
    embodied_co2e_per_kg: Mapping[str, float]
    #: Share of embodied CO2e recycling recovers, by category, for a part with no catalogue figure.
    material_recovery_share: Mapping[str, float]

    def value(self, co2e_kg: float) -> float:
        """What avoiding `co2e_kg` is worth at the carbon price."""
        return co2e_kg * self.price_per_tonne / 1000

    def embodied_per_kg(self, category: str) -> float:
        return _by_category(self.embodied_co2e_per_kg, category)

    def recovery_share(self, category: str) -> float:
        return _by_category(self.material_recovery_share, category)


def _by_category(rows: Mapping[str, float], category: str) -> float:
    return rows[category if category in rows else DEFAULT_CATEGORY]


@dataclass(frozen=True)
class ComplianceRule:
    """Categories that may not be scrapped while a certified recycler is reachable."""

    key: str
    #: The rule as the reason names it.
    name: str
    categories: frozenset[str]


@dataclass(frozen=True)
class WarrantyRules:
    credit_ratio: float
    claim_handling_cost: float
    return_within_days: int
    always_claim_conditions: frozenset[PartCondition]


@dataclass(frozen=True)
class TransportRules:
    courier_cost_per_km: float
    detour_factor: float


@dataclass(frozen=True)
class CarryBackRules:
    max_weight_kg: float
    max_volume_l: float
    allow_hazardous: bool
    max_detour_km: float


@dataclass(frozen=True)
class ConsolidationRules:
    window_days: int
    min_value: float
    min_volume_l: float
    deadline_lead_days: int
    urgency_weight: float


@dataclass(frozen=True)
class Policy:
    disposition_table: DispositionTable
    economics: EconomicsRules
    warranty: WarrantyRules
    transport: TransportRules
    carry_back: CarryBackRules
    consolidation: ConsolidationRules
    carbon: CarbonRules
    compliance: tuple[ComplianceRule, ...]
    deliveries: DeliveryRules
    chasing: ChasingRules

    def scrap_ban(self, category: str) -> ComplianceRule | None:
        """The compliance rule that keeps a category from scrap, if any."""
        return next((rule for rule in self.compliance if category in rule.categories), None)

    def money(self, amount: float) -> str:
        """`€182`, `€35`, `€4.10`, `−€1.20`: whole units from 100 up, cents below."""
        sign = "−" if round(amount, 2) < 0 else ""
        amount = abs(amount)
        if amount >= 100 or round(amount, 2) == round(amount):
            return f"{sign}{self.economics.currency_symbol}{amount:,.0f}"
        return f"{sign}{self.economics.currency_symbol}{amount:,.2f}"


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and check a rules file: the default rules.toml when `path` is None.

    Raises
    ------
    ValueError
        The file is not valid TOML, or a key is missing, unknown or out of range;
        the message names the file and the key.
    """
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path.name}: not valid TOML: {err}") from err
    return parse_policy(data, source=path.name)


def parse_policy(data: Mapping[str, Any], source: str = "rules") -> Policy:
    """Build a `Policy` from the parsed contents of a rules file (see `load_policy`)."""
    r = _Reader(source)
    top = r.table(
        data,
        "",
        {"disposition", "economics", "carbon", "compliance", "warranty", "transport", "carry_back", "consolidation",
         "deliveries", "chasing"},
    )
    policy = Policy(
        disposition_table=_disposition_table(r, top["disposition"]),
        economics=_economics(r, top["economics"]),
        warranty=_warranty(r, top["warranty"]),
        transport=_transport(r, top["transport"]),
        carry_back=_carry_back(r, top["carry_back"]),
        consolidation=_consolidation(r, top["consolidation"]),
        carbon=_carbon(r, top["carbon"]),
        compliance=_compliance(r, top["compliance"]),
        deliveries=_deliveries(r, top["deliveries"], top["transport"]),
        chasing=_chasing(r, top["chasing"]),
    )
    if policy.consolidation.deadline_lead_days >= policy.warranty.return_within_days:
        raise ValueError(
            f"{source}: consolidation.deadline_lead_days ({policy.consolidation.deadline_lead_days}) must be "
            f"less than warranty.return_within_days ({policy.warranty.return_within_days})"
        )
    return policy


def _disposition_table(r: "_Reader", raw: Any) -> DispositionTable:
    t = r.table(raw, "disposition", {"by_condition", "by_failure_code"})
    conditions = r.table(t["by_condition"], "disposition.by_condition", {c.value for c in PartCondition})
    codes = r.table(
        t["by_failure_code"], "disposition.by_failure_code", {NO_FAILURE_CODE} | {c.value for c in FailureCode}
    )
    by_condition = {PartCondition(k): r.dispositions(v, f"disposition.by_condition.{k}") for k, v in conditions.items()}
    by_failure_code = {
        (None if k == NO_FAILURE_CODE else FailureCode(k)): r.dispositions(v, f"disposition.by_failure_code.{k}")
        for k, v in codes.items()
    }
    table = DispositionTable(MappingProxyType(by_condition), MappingProxyType(by_failure_code))
    # RETURN_TO_VENDOR depends on the warranty, so every pair needs something else to fall back on.
    for condition in PartCondition:
        for code in [None, *FailureCode]:
            if not table.allowed(condition, code) - {Disposition.RETURN_TO_VENDOR}:
                raise ValueError(
                    f"{r.source}: disposition.by_condition.{condition} and disposition.by_failure_code."
                    f"{code or NO_FAILURE_CODE} leave nothing but return_to_vendor allowed; "
                    "a line out of warranty would have no disposition"
                )
    return table


def _economics(r: "_Reader", raw: Any) -> EconomicsRules:
    where = "economics"
    t = r.table(
        raw,
        where,
        {
            "currency_symbol",
            "refurbished_value_ratio",
            "need_multiplier",
            "min_margin",
            "scrap_cost_per_kg",
            "recycle_value_per_kg",
        },
    )
    symbol = t["currency_symbol"]
    if not isinstance(symbol, str) or not symbol:
        raise ValueError(f"{r.source}: {where}.currency_symbol must be a non-empty string, got {symbol!r}")
    return EconomicsRules(
        currency_symbol=symbol,
        refurbished_value_ratio=r.number(t, where, "refurbished_value_ratio", low=0, high=1),
        need_multiplier=r.number(t, where, "need_multiplier", low=1),
        min_margin=r.number(t, where, "min_margin", low=0),
        scrap_cost_per_kg=r.number(t, where, "scrap_cost_per_kg", low=0),
        recycle_value_per_kg=r.by_category(t, where, "recycle_value_per_kg"),
    )


def _carbon(r: "_Reader", raw: Any) -> CarbonRules:
    where = "carbon"
    shares = {"reuse_processing_share", "refurbish_processing_share"}
    t = r.table(raw, where, {"price_per_tonne", "embodied_co2e_per_kg", "material_recovery_share"} | shares)
    return CarbonRules(
        price_per_tonne=r.number(t, where, "price_per_tonne", low=0),
        reuse_processing_share=r.number(t, where, "reuse_processing_share", low=0, high=1),
        refurbish_processing_share=r.number(t, where, "refurbish_processing_share", low=0, high=1),
        embodied_co2e_per_kg=r.by_category(t, where, "embodied_co2e_per_kg", low=0),
        material_recovery_share=r.by_category(t, where, "material_recovery_share", low=0, high=1),
    )


def _compliance(r: "_Reader", raw: Any) -> tuple[ComplianceRule, ...]:
    if not isinstance(raw, dict):
        raise ValueError(f"{r.source}: 'compliance' must be a table")
    rules, seen = [], {}
    for key, body in raw.items():
        where = f"compliance.{key}"
        t = r.table(body, where, {"name", "categories"})
        name, categories = t["name"], t["categories"]
        if not isinstance(name, str) or not name:
            raise ValueError(f"{r.source}: {where}.name must be a non-empty string, got {name!r}")
        if not isinstance(categories, list) or not categories or not all(isinstance(c, str) for c in categories):
            raise ValueError(f"{r.source}: {where}.categories must be a non-empty list of catalogue categories")
        for category in categories:
            if category in seen:
                raise ValueError(
                    f"{r.source}: {where}.categories: {category!r} is already in compliance.{seen[category]}"
                )
            seen[category] = key
        rules.append(ComplianceRule(key, name, frozenset(categories)))
    return tuple(rules)


def _warranty(r: "_Reader", raw: Any) -> WarrantyRules:
    where = "warranty"
    t = r.table(raw, where, {"credit_ratio", "claim_handling_cost", "return_within_days", "always_claim_conditions"})
    names = t["always_claim_conditions"]
    key = f"{where}.always_claim_conditions"
    if not isinstance(names, list) or not all(n in _values(PartCondition) for n in names):
        raise ValueError(f"{r.source}: {key} must be a list of part conditions ({_choices(PartCondition)})")
    return WarrantyRules(
        credit_ratio=r.number(t, where, "credit_ratio", low=0, high=1),
        claim_handling_cost=r.number(t, where, "claim_handling_cost", low=0),
        return_within_days=r.number(t, where, "return_within_days", low=1, integer=True),
        always_claim_conditions=frozenset(PartCondition(n) for n in names),
    )


def _transport(r: "_Reader", raw: Any) -> TransportRules:
    t = r.table(raw, "transport", {"courier_cost_per_km", "detour_factor"})
    return TransportRules(
        courier_cost_per_km=r.number(t, "transport", "courier_cost_per_km", low=0),
        detour_factor=r.number(t, "transport", "detour_factor", low=1),
    )


def _chasing(r: "_Reader", raw: Any) -> ChasingRules:
    keys = [f"{step}_days" for step in STEPS]
    t = r.table(raw, "chasing", set(keys))
    days = [r.number(t, "chasing", key, low=0, integer=True) for key in keys]
    if days != sorted(days):
        raise ValueError(f"{r.source}: chasing: the steps' days must not decrease ({', '.join(keys)})")
    return ChasingRules(*days)


def _carry_back(r: "_Reader", raw: Any) -> CarryBackRules:
    where = "carry_back"
    t = r.table(raw, where, {"max_weight_kg", "max_volume_l", "allow_hazardous", "max_detour_km"})
    if not isinstance(t["allow_hazardous"], bool):
        raise ValueError(f"{r.source}: {where}.allow_hazardous must be true or false, got {t['allow_hazardous']!r}")
    return CarryBackRules(
        max_weight_kg=r.number(t, where, "max_weight_kg", low=0),
        max_volume_l=r.number(t, where, "max_volume_l", low=0),
        allow_hazardous=t["allow_hazardous"],
        max_detour_km=r.number(t, where, "max_detour_km", low=0),
    )


def _consolidation(r: "_Reader", raw: Any) -> ConsolidationRules:
    where = "consolidation"
    t = r.table(raw, where, {"window_days", "min_value", "min_volume_l", "deadline_lead_days", "urgency_weight"})
    return ConsolidationRules(
        window_days=r.number(t, where, "window_days", low=0, integer=True),
        min_value=r.number(t, where, "min_value", low=0),
        min_volume_l=r.number(t, where, "min_volume_l", low=0),
        deadline_lead_days=r.number(t, where, "deadline_lead_days", low=0, integer=True),
        urgency_weight=r.number(t, where, "urgency_weight", low=0),
    )


def _deliveries(r: "_Reader", raw: Any, transport: dict) -> DeliveryRules:
    where = "deliveries"
    t = r.table(raw, where, {"courier_cost_per_delivery", "depot_handling_cost", "courier_lead_hours",
                             "depot_lead_hours", "engineer_day_start_hour"})
    return DeliveryRules(
        courier_cost_per_delivery=r.number(t, where, "courier_cost_per_delivery", low=0),
        depot_handling_cost=r.number(t, where, "depot_handling_cost", low=0),
        cost_per_km=transport["courier_cost_per_km"],
        courier_lead_hours=r.number(t, where, "courier_lead_hours", low=0),
        depot_lead_hours=r.number(t, where, "depot_lead_hours", low=0),
        engineer_day_start_hour=r.number(t, where, "engineer_day_start_hour", low=0, high=23, integer=True),
        detour_factor=transport["detour_factor"],
    )


def _values(enum) -> list[str]:
    return [m.value for m in enum]


def _choices(enum) -> str:
    return ", ".join(_values(enum))


class _Reader:
    """Checks pieces of a rules file, naming the file and the key in every error."""

    def __init__(self, source: str):
        self.source = source

    def table(self, raw: Any, where: str, keys: set[str]) -> dict:
        name = f"'{where}'" if where else "the file"
        if not isinstance(raw, dict):
            raise ValueError(f"{self.source}: {name} must be a table")
        prefix = f"{where}." if where else ""
        unknown, missing = sorted(set(raw) - keys), sorted(keys - set(raw))
        if unknown:
            expected = ", ".join(sorted(keys))
            raise ValueError(f"{self.source}: unknown key '{prefix}{unknown[0]}' (expected: {expected})")
        if missing:
            raise ValueError(f"{self.source}: missing key '{prefix}{missing[0]}'")
        return raw

    def number(self, table: dict, where: str, key: str, low=None, high=None, integer=False):
        value = table[key]
        kind = "an integer" if integer else "a number"
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            raise ValueError(f"{self.source}: {where}.{key} must be {kind}, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"{self.source}: {where}.{key} must be {bounds}, got {value!r}")
        return value if integer else float(value)

    def by_category(self, table: dict, where: str, key: str, low=None, high=None) -> Mapping[str, float]:
        """A table of numbers by catalogue category, with a "default" row."""
        rows, inner = table[key], f"{where}.{key}"
        if not isinstance(rows, dict):
            raise ValueError(f"{self.source}: {inner} must be a table")
        if DEFAULT_CATEGORY not in rows:
            raise ValueError(f"{self.source}: missing key '{inner}.{DEFAULT_CATEGORY}'")
        return MappingProxyType({k: self.number(rows, inner, k, low=low, high=high) for k in rows})

    def dispositions(self, raw: Any, key: str) -> frozenset[Disposition]:
        if not isinstance(raw, list):
            raise ValueError(f"{self.source}: {key} must be a list of dispositions ({_choices(Disposition)})")
        for name in raw:
            if name not in _values(Disposition):
                raise ValueError(
                    f"{self.source}: {key}: {name!r} is not a disposition (one of {_choices(Disposition)})"
                )
        return frozenset(Disposition(name) for name in raw)
