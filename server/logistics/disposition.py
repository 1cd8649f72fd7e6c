"""What happens to a returned item, and at which facility: decided together.

Every disposition the rules allow is valued at its cheapest facility with room
(destination.py), money plus the CO2e it avoids at the carbon price (carbon.py);
the best (disposition, facility) pair wins, except that a recovery (refurbish,
reuse, vendor claim) must beat recycling or scrapping by `economics.min_margin`.
A category under a compliance rule is never scrapped while a certified recycler
is reachable. When no facility has room, the line is held.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence
from uuid import UUID

from common.enums import Disposition, FailureCode, PartCondition
from server.logistics.carbon import co2e_avoided_kg, describe_carbon
from server.logistics.destination import (
    DestinationChoice,
    FacilityOption,
    choose_destination,
    cost_to,
    describe_full,
    holding_depot,
)
from server.logistics.policy import ComplianceRule, Policy
from server.logistics.stock import StockNeed, most_needed

D = Disposition
#: Dispositions that recover the part's value; they must clear the minimum margin.
RECOVERY = frozenset({D.REFURBISH, D.REUSE, D.RETURN_TO_VENDOR})
END_OF_LIFE = frozenset({D.RECYCLE, D.SCRAP})
#: Tie-break order: equal values go to the first listed.
_ORDER = (D.RETURN_TO_VENDOR, D.REUSE, D.REFURBISH, D.RECYCLE, D.SCRAP)
LABEL = {
    D.REFURBISH: "Refurbish",
    D.REUSE: "Reuse",
    D.RETURN_TO_VENDOR: "Return to vendor",
    D.RECYCLE: "Recycle",
    D.SCRAP: "Scrap",
}
_NOUN = {
    D.REFURBISH: "refurbishment",
    D.REUSE: "reuse",
    D.RETURN_TO_VENDOR: "a vendor claim",
    D.RECYCLE: "recycling",
    D.SCRAP: "scrapping",
}


@dataclass(frozen=True)
class Part:
    """A catalogue entry: what one unit weighs, costs and is worth."""

    part_number: str
    #: Catalogue category; picks the recycle value per kg.
    category: str
    new_price: float
    refurbishment_cost: float
    #: Share of refurbishments that give a sellable part (0–1).
    refurbishment_yield: float
    #: What a used, working unit fetches as is.
    residual_value: float
    weight_kg: float
    volume_l: float
    hazardous: bool = False
    vendor_warranty_days: int = 365
    #: Its position against the stock target at each facility that has one (server/services/stock/need.py).
    stock_needs: tuple[StockNeed, ...] = ()
    #: Embodied CO2e of a new unit, kg; None: weight × the category's default (rules.toml [carbon]).
    embodied_co2e_kg: float | None = None
    #: Share of the embodied CO2e recycling recovers (0–1); None: the category's default.
    material_recovery_share: float | None = None

    def __post_init__(self):
        for name in ("new_price", "refurbishment_cost", "residual_value", "weight_kg", "volume_l"):
            value = float(getattr(self, name))
            if value < 0:
                raise ValueError(f"Part {self.part_number}: {name} must be at least 0, got {value}")
            object.__setattr__(self, name, value)
        if not 0 <= self.refurbishment_yield <= 1:
            raise ValueError(f"Part {self.part_number}: refurbishment_yield must be between 0 and 1")
        if self.embodied_co2e_kg is not None:
            if self.embodied_co2e_kg < 0:
                raise ValueError(f"Part {self.part_number}: embodied_co2e_kg must be at least 0")
            object.__setattr__(self, "embodied_co2e_kg", float(self.embodied_co2e_kg))
        if self.material_recovery_share is not None and not 0 <= self.material_recovery_share <= 1:
            raise ValueError(f"Part {self.part_number}: material_recovery_share must be between 0 and 1")
        if self.vendor_warranty_days < 0:
            raise ValueError(f"Part {self.part_number}: vendor_warranty_days must be at least 0")
        object.__setattr__(self, "stock_needs", tuple(self.stock_needs))

    @property
    def stock_need(self) -> StockNeed | None:
        """The facility furthest under its target for this part, if any is under it."""
        return most_needed(self.stock_needs)


@dataclass(frozen=True)
class ReturnLine:
    """One removed item (or a quantity of one non-serialised part) waiting for its disposition."""

    line_id: UUID | str
    part: Part
    condition: PartCondition
    failure_code: FailureCode | None
    site_id: int
    site_lat: float
    site_lon: float
    removed_on: date
    installed_on: date | None = None
    quantity: int = 1

    def __post_init__(self):
        object.__setattr__(self, "condition", PartCondition(self.condition))
        if self.failure_code is not None:
            object.__setattr__(self, "failure_code", FailureCode(self.failure_code))
        for name in ("removed_on", "installed_on"):
            if isinstance(getattr(self, name), datetime):
                raise ValueError(f"Line {self.line_id}: {name} must be a date, not a datetime")
        if self.installed_on is not None and self.installed_on > self.removed_on:
            raise ValueError(f"Line {self.line_id}: installed_on {self.installed_on} is after removed_on")
        if self.quantity < 1:
            raise ValueError(f"Line {self.line_id}: quantity must be at least 1, got {self.quantity}")
        if not -90 <= self.site_lat <= 90 or not -180 <= self.site_lon <= 180:
            raise ValueError(f"Line {self.line_id}: site latitude/longitude out of range")


@dataclass(frozen=True)
class Alternative:
    """A disposition that was not chosen, and why (for the console)."""

    disposition: Disposition
    #: Its cheapest facility with room, if it had one.
    facility: FacilityOption | None
    expected_value: float | None
    note: str
    #: kg CO2e it would avoid; None when it was not priced.
    co2e_avoided_kg: float | None = None


@dataclass(frozen=True)
class DispositionDecision:
    #: What the line becomes; when held, what it waits for.
    disposition: Disposition
    #: None when the line must be held (see `hold_at` and `reason`).
    facility: FacilityOption | None
    #: Money recovered after all costs; None when held.
    expected_value: float | None
    reason: str
    alternatives: tuple[Alternative, ...]
    #: A vendor return must reach `facility` by this day.
    deadline: date | None = None
    #: Where to keep a held line: the nearest depot with room, or None for the site.
    hold_at: FacilityOption | None = None
    #: kg CO2e the disposition avoids (for a held line: once done).
    co2e_avoided_kg: float = 0.0

    @property
    def on_hold(self) -> bool:
        return self.facility is None


def warranty_ends_on(line: ReturnLine) -> date | None:
    """Last day of the vendor warranty; None when the installation date is unknown."""
    if line.installed_on is None:
        return None
    return line.installed_on + timedelta(days=line.part.vendor_warranty_days)


def under_warranty(line: ReturnLine) -> bool:
    ends = warranty_ends_on(line)
    return ends is not None and line.removed_on <= ends


def warranty_return_deadline(line: ReturnLine, policy: Policy) -> date:
    """The day a vendor return must reach the vendor-returns facility."""
    return line.removed_on + timedelta(days=policy.warranty.return_within_days)


def allowed_dispositions(line: ReturnLine, policy: Policy) -> frozenset[Disposition]:
    """The table's row for condition ∩ failure code, adjusted for the vendor warranty."""
    allowed = policy.disposition_table.allowed(line.condition, line.failure_code)
    if D.RETURN_TO_VENDOR not in allowed:
        return allowed
    if not under_warranty(line):
        return allowed - {D.RETURN_TO_VENDOR}
    if _claim_is_mandatory(line, policy):
        return frozenset({D.RETURN_TO_VENDOR})
    return allowed


def _claim_is_mandatory(line: ReturnLine, policy: Policy) -> bool:
    return (
        line.condition in policy.warranty.always_claim_conditions
        and D.RETURN_TO_VENDOR in policy.disposition_table.allowed(line.condition, line.failure_code)
        and under_warranty(line)
    )


def decide_disposition(line: ReturnLine, facilities: Sequence[FacilityOption], policy: Policy,
                       ruled_out: frozenset[Disposition] = frozenset()) -> DispositionDecision:
    """The best (disposition, facility) pair for a line, with the reason and the alternatives.

    Parameters
    ----------
    line
        The line to decide, with its part's economics.
    facilities
        The candidate facilities, with their capacity left for the period.
    policy
        The rules (see `policy.load_policy`).
    ruled_out
        Dispositions already tried and failed (refurbish and reuse after a failed
        refurbishment), taken away from what the rules allow.

    Returns
    -------
    DispositionDecision
        Pure and deterministic; independent of the order of `facilities`. A service
        deciding many lines must lower the chosen facility's `remaining_capacity_units`
        before deciding the next one.
    """
    allowed = allowed_dispositions(line, policy) - ruled_out
    if not allowed:
        raise ValueError(f"The rules allow no disposition for line {line.line_id}; check the disposition table.")
    compliance = _compliance(line, allowed, facilities, policy)
    if compliance.barred:
        allowed = allowed - {D.SCRAP}
    options = {d: _option(d, line, facilities, policy) for d in _ORDER if d in allowed}
    priced = {d: o.score for d, o in options.items() if o.value is not None}
    winner, blocked = _best(priced, policy)
    if winner is None:
        return _hold(line, facilities, options, compliance, policy, ruled_out)

    chosen = options[winner]
    others = [options[d] for d in _ranked(priced) if d != winner]
    alternatives = tuple(
        [Alternative(o.disposition, o.facility, round(o.value, 2), o.priced_note(policy), round(o.co2e_kg, 2))
         for o in others]
        + [Alternative(d, None, None, _unpriced_note(d, line, options, compliance, policy, ruled_out))
           for d in _ORDER if d not in priced]
    )
    deadline = warranty_return_deadline(line, policy) if winner == D.RETURN_TO_VENDOR else None
    reason = _reason(line, chosen, blocked and options[blocked], others, options, compliance, deadline, policy)
    return DispositionDecision(
        winner, chosen.facility, round(chosen.value, 2), reason, alternatives, deadline,
        co2e_avoided_kg=round(chosen.co2e_kg, 2),
    )


@dataclass(frozen=True)
class _Compliance:
    """The compliance rule for the line's category, and whether it keeps the line from scrap."""

    rule: ComplianceRule | None = None
    #: Scrap is barred: a facility that can recycle the line is in the network.
    barred: bool = False

    def note(self, chosen: Disposition) -> str | None:
        """What the reason says about the rule: that it barred scrap, when the line goes to (or waits
        for) an end-of-life option, or that it could not be met; a recovery needs no word on it."""
        if self.barred and chosen in END_OF_LIFE:
            return f"scrapping is not allowed ({self.rule.name}) while a certified recycler is reachable"
        if self.rule and chosen == D.SCRAP:
            return (
                f"no facility can recycle it, so {self.rule.name} cannot be met: "
                "scrapping is the best allowed option"
            )
        return None


def scrap_barred_by(line: ReturnLine, facilities: Sequence[FacilityOption], policy: Policy) -> ComplianceRule | None:
    """The compliance rule that forbids scrapping the line: its category has one and a
    facility in the network can recycle it (certified, for a hazardous part)."""
    rule = policy.scrap_ban(line.part.category)
    if rule and any(f.can_perform(D.RECYCLE, line.part.hazardous) for f in facilities):
        return rule
    return None


def _compliance(line: ReturnLine, allowed, facilities: Sequence[FacilityOption], policy: Policy) -> _Compliance:
    rule = policy.scrap_ban(line.part.category)
    # A rules table that allows nothing but scrap leaves the line something to become.
    reachable = scrap_barred_by(line, facilities, policy) is not None
    return _Compliance(rule, reachable and D.SCRAP in allowed and bool(allowed - {D.SCRAP}))


@dataclass(frozen=True)
class _Option:
    """One allowed disposition, valued at its cheapest facility."""

    disposition: Disposition
    destination: DestinationChoice
    #: Value before transport and processing, and its arithmetic as text.
    gross: float
    gross_text: str
    co2e_kg: float
    #: What `co2e_kg` is worth at the carbon price.
    carbon: float

    @property
    def facility(self) -> FacilityOption | None:
        return self.destination.chosen.facility if self.destination.chosen else None

    @property
    def value(self) -> float | None:
        """Net value at the cheapest facility with room."""
        chosen = self.destination.chosen
        return self.gross - chosen.total_cost if chosen else None

    @property
    def score(self) -> float | None:
        """What the engine maximises: net value plus the carbon term."""
        return None if self.value is None else self.value + self.carbon

    @property
    def score_if_room(self) -> float | None:
        """The score at the cheapest capable facility, had it room."""
        full = self.destination.full
        return self.gross - full[0].total_cost + self.carbon if full else self.score

    def with_carbon(self, money: float, policy: Policy) -> str:
        """`€185 + €2.58 carbon`; just the money when the carbon term is nil."""
        text = policy.money(money)
        return f"{text} + {policy.money(self.carbon)} carbon" if round(self.carbon, 2) else text

    def arithmetic(self, policy: Policy) -> str:
        cost, m = self.destination.chosen, policy.money
        text = f"{self.gross_text} − {m(cost.transport_cost)} transport"
        return text + (f" − {m(cost.processing_cost)} processing" if cost.processing_cost else "")

    def priced_note(self, policy: Policy) -> str:
        return f"{policy.money(self.value)} at {self.facility.name} ({self.arithmetic(policy)})"


def _option(d: Disposition, line: ReturnLine, facilities: Sequence[FacilityOption], policy: Policy) -> _Option:
    destination = choose_destination(
        d,
        facilities,
        policy,
        lat=line.site_lat,
        lon=line.site_lon,
        quantity=line.quantity,
        hazardous=line.part.hazardous,
    )
    co2e = co2e_avoided_kg(d, line, policy)
    return _Option(d, destination, *_gross_value(d, line, policy), co2e, policy.carbon.value(co2e))


def value_at(disposition: Disposition, line: ReturnLine, facility: FacilityOption, policy: Policy) -> float:
    """Expected recovered value of `disposition` done at `facility` (for a dispatcher's choice)."""
    gross, _ = _gross_value(disposition, line, policy)
    cost = cost_to(facility, disposition, line.site_lat, line.site_lon, line.quantity, policy)
    return gross - cost.total_cost


def _ranked(value: dict[Disposition, float]) -> list[Disposition]:
    return sorted(value, key=lambda d: (-value[d], _ORDER.index(d)))


def _best(value: dict[Disposition, float], policy: Policy) -> tuple[Disposition | None, Disposition | None]:
    """The winner, and the recovery the minimum margin kept from winning (if any)."""
    ranked = _ranked(value)
    if not ranked:
        return None, None
    winner = ranked[0]
    best_end = next((d for d in ranked if d in END_OF_LIFE), None)
    if winner in RECOVERY and best_end and value[winner] - value[best_end] < policy.economics.min_margin:
        return best_end, winner
    return winner, None


def _gross_value(disposition: Disposition, line: ReturnLine, policy: Policy) -> tuple[float, str]:
    """Value before transport and processing, with the arithmetic as text."""
    p, q, m, econ = line.part, line.quantity, policy.money, policy.economics
    kg = p.weight_kg * q
    if disposition == D.RECYCLE:
        rate, row = econ.recycle_rate(p.category)
        return kg * rate, f"{_kg(kg)} kg × {m(rate)}/kg {row} recycling rate"
    if disposition == D.SCRAP:
        fee = kg * econ.scrap_cost_per_kg
        return -fee, f"−{m(fee)} scrap fee ({_kg(kg)} kg × {m(econ.scrap_cost_per_kg)}/kg)"
    if disposition == D.REFURBISH:
        refurbished = p.new_price * econ.refurbished_value_ratio
        need = ""
        if p.stock_need is not None:
            refurbished *= econ.need_multiplier
            need = f" (×{econ.need_multiplier:g} need {p.stock_need.describe()})"
        unit = p.refurbishment_yield * refurbished - p.refurbishment_cost
        text = (
            f"yield {p.refurbishment_yield:.0%} × {m(refurbished)} refurbished value{need}"
            f" − {m(p.refurbishment_cost)} refurbishment"
        )
    elif disposition == D.REUSE:
        unit, text = p.residual_value, f"{m(p.residual_value)} residual value"
    else:
        credit = p.new_price * policy.warranty.credit_ratio
        unit = credit - policy.warranty.claim_handling_cost
        text = f"{m(credit)} vendor credit − {m(policy.warranty.claim_handling_cost)} claim handling"
    if q > 1:
        text = f"{q} × ({text})" if " − " in text else f"{q} × {text}"
    return unit * q, text


def _kg(kg: float) -> str:
    return f"{round(kg, 2):g}"


def _unpriced_note(d: Disposition, line: ReturnLine, options: dict[Disposition, _Option],
                   compliance: _Compliance, policy: Policy, ruled_out: frozenset[Disposition]) -> str:
    """Why a disposition has no value: not allowed, a compliance rule, no warranty, no facility with room,
    or tried before and failed."""
    table = policy.disposition_table
    if d in options:
        return options[d].destination.reason
    if d in ruled_out:
        return "Ruled out: tried and failed."
    if d == D.SCRAP and compliance.barred:
        return f"Not allowed: {compliance.rule.name}, and a certified recycler is reachable."
    if d not in table.by_condition[line.condition]:
        return f"Not allowed for a part whose condition is {_words(line.condition)}."
    if d not in table.by_failure_code[line.failure_code]:
        return f"Not allowed with failure code {_words(line.failure_code or 'none')}."
    if d == D.RETURN_TO_VENDOR:
        ends = warranty_ends_on(line)
        return f"Vendor warranty ended on {ends}." if ends else "No vendor warranty: installation date unknown."
    return f"Not allowed: a part {_words(line.condition)} under vendor warranty goes back to the vendor."


def _words(code: str) -> str:
    return code.replace("_", " ")


def _reason(line, chosen: _Option, blocked: _Option | None, others, options, compliance: _Compliance, deadline,
            policy: Policy) -> str:
    """One sentence on the choice and its numbers, carbon term included; a second on the
    compliance rule, capacity and deadline, when they matter."""
    m, facility = policy.money, chosen.facility
    carbon = describe_carbon(chosen.co2e_kg, policy)
    joint = "" if chosen.co2e_kg > 0 else "and "
    expected = f"expected {m(chosen.value)} ({chosen.arithmetic(policy)}) {joint}{carbon}"
    first = f"{LABEL[chosen.disposition]} at {facility.name}: "
    if _claim_is_mandatory(line, policy):
        first += (
            f"{_words(line.condition)} within the vendor warranty (until {warranty_ends_on(line)}), "
            f"so it goes back to the vendor; {expected}"
        )
    elif blocked:
        first += (
            f"{expected}; {_NOUN[blocked.disposition]} would give {blocked.with_carbon(blocked.value, policy)}, "
            f"less than the {m(policy.economics.min_margin)} minimum margin above it"
        )
    elif others:
        first += f"{expected} beats {_NOUN[others[0].disposition]} ({others[0].with_carbon(others[0].value, policy)})"
    else:
        first += f"{expected}; no other allowed disposition has a facility with room"

    notes = [
        f"{_NOUN[o.disposition]} would pay more but {describe_full(o.destination.full)}"
        for o in options.values()
        if o.value is None and o.destination.full and o.score_if_room > chosen.score
    ]
    if compliance.note(chosen.disposition):
        notes.insert(0, compliance.note(chosen.disposition))
    if chosen.destination.full:
        notes.append(describe_full(chosen.destination.full))
    if deadline:
        notes.append(f"it must reach {facility.name} by {deadline}")
    second = "; ".join(notes)
    return f"{first}." + (f" {second[0].upper()}{second[1:]}." if second else "")


def _hold(line, facilities, options: dict[Disposition, _Option], compliance: _Compliance,
          policy: Policy, ruled_out: frozenset[Disposition]) -> DispositionDecision:
    """No allowed disposition has a facility with room: keep the line at a depot or the site.

    The decision still names the disposition it waits for: the best one among those
    whose facilities are full or, when no facility can perform any, the best before transport.
    """
    depot = holding_depot(
        facilities,
        policy,
        lat=line.site_lat,
        lon=line.site_lon,
        quantity=line.quantity,
        hazardous=line.part.hazardous,
    )
    if_room = {d: o.score_if_room for d, o in options.items() if o.score_if_room is not None}
    intended, _ = _best(if_room, policy)
    if intended:
        option = options[intended]
        worth = f"expected {option.with_carbon(if_room[intended] - option.carbon, policy)}"
    else:
        intended, _ = _best({d: o.gross + o.carbon for d, o in options.items()}, policy)
        option = options[intended]
        worth = f"{option.with_carbon(option.gross, policy)} before transport"
    why_not = option.destination.reason
    reason = (
        f"Hold at {depot.name if depot else 'the site'}: {_NOUN[intended]} would be best ({worth}) "
        f"but {why_not[0].lower()}{why_not[1:]}"
    )
    if compliance.note(intended):
        rule = compliance.note(intended)
        reason += f" {rule[0].upper()}{rule[1:]}."
    deadline = warranty_return_deadline(line, policy) if intended == D.RETURN_TO_VENDOR else None
    alternatives = tuple(
        Alternative(d, None, None, _unpriced_note(d, line, options, compliance, policy, ruled_out))
        for d in _ORDER if d != intended
    )
    return DispositionDecision(
        intended, None, None, reason, alternatives, deadline, depot, co2e_avoided_kg=round(option.co2e_kg, 2)
    )
