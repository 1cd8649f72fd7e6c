"""The CO2e a disposition avoids, from the part's catalogue figures or its category's defaults.

Reuse and refurbishment avoid making a new unit (its embodied CO2e) less what
the processing emits; recycling recovers the material share of it; a vendor
claim and scrapping count nothing (the vendor decides what becomes of a claimed unit).
"""

from common.enums import Disposition
from server.logistics.policy import Policy

D = Disposition


def embodied_co2e_kg(part, policy: Policy) -> float:
    """A new unit's embodied CO2e: the catalogue's figure, or weight × its category's default per kg."""
    if part.embodied_co2e_kg is not None:
        return part.embodied_co2e_kg
    return part.weight_kg * policy.carbon.embodied_per_kg(part.category)


def recovery_share(part, policy: Policy) -> float:
    if part.material_recovery_share is not None:
        return part.material_recovery_share
    return policy.carbon.recovery_share(part.category)


def co2e_avoided_kg(disposition: Disposition, line, policy: Policy) -> float:
    """kg CO2e the disposition of the whole line avoids."""
    part, carbon = line.part, policy.carbon
    embodied = embodied_co2e_kg(part, policy)
    if disposition == D.REUSE:
        unit = embodied * (1 - carbon.reuse_processing_share)
    elif disposition == D.REFURBISH:
        unit = part.refurbishment_yield * embodied * (1 - carbon.refurbish_processing_share)
    elif disposition == D.RECYCLE:
        unit = embodied * recovery_share(part, policy)
    else:
        unit = 0.0
    return unit * line.quantity


def describe_carbon(co2e_kg: float, policy: Policy) -> str:
    """`+€2.58 carbon (32.3 kg CO2e avoided × €80/t)`, or that nothing is avoided."""
    if co2e_kg <= 0:
        return "no CO2e avoided"
    price = policy.carbon.price_per_tonne
    return (
        f"+{policy.money(policy.carbon.value(co2e_kg))} carbon "
        f"({_kg(co2e_kg)} kg CO2e avoided × {policy.money(price)}/t)"
    )


def _kg(kg: float) -> str:
    return f"{round(kg, 1):g}"
