"""Records another system sends (customers, sites, parts, items, jobs, contracts): their shape,
which fields the source owns, and whether a record differs from what Fieldloop holds.

Plain Python and marshmallow: the service (server/services/integration/records.py) reads and
writes the database, this module only decides.
"""

from decimal import Decimal

import marshmallow as ma
from marshmallow import fields, validate

from common.validation import MAX_SERIAL_PATTERN_LENGTH, serial_pattern_problem

#: The most records one request may carry.
MAX_RECORDS = 500
#: The record kinds, in the order a batch applies them: each may refer only to kinds before it,
#: so that a batch's own order does not matter.
KINDS = ("customer", "part", "site", "item", "contract", "job")
MAX_AMOUNT = Decimal(1_000_000)
#: What an expected part's `kind` says, as Fieldloop's job stores it (`action`).
EXPECTED_PART_KINDS = ("replace", "collect")

#: The model attributes each kind's source owns: refused in a console or API edit of a sourced row.
OWNED_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": ("name",),
    "site": ("customer_id", "name", "address", "postcode", "latitude", "longitude", "contact_name", "contact_email",
             "contact_phone", "access_hours"),
    "part": ("part_number", "description", "category", "vendor", "serialised", "serial_pattern", "new_price",
             "refurbishment_cost", "refurbishment_yield", "residual_value", "weight_kg", "volume_l", "hazardous",
             "vendor_warranty_days", "embodied_co2e_kg", "material_recovery_share"),
    "item": ("part_number_id", "serial", "site_id", "installed_on"),
    "job": ("site_id", "reference", "summary", "window_start", "window_end", "engineer_id", "status",
            "expected_parts"),
    "contract": ("customer_id", "number", "starts_on", "ends_on", "service_level", "site_ids"),
}


def _text(max_length: int, required: bool = True, **kwargs) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_length), **kwargs)


def _ref() -> fields.String:
    return _text(80)


def _money(default=None) -> fields.Decimal:
    limits = validate.Range(min=0, max=MAX_AMOUNT)
    if default is None:
        return fields.Decimal(required=True, validate=limits)
    return fields.Decimal(load_default=default, validate=limits)


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class CustomerData(Strict):
    name = _text(160)


class SiteData(Strict):
    customer_external_id = _ref()
    name = _text(160)
    address = _text(300)
    postcode = _text(20, required=False)
    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    contact_name = _text(120, required=False)
    contact_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    contact_phone = _text(40, required=False)
    #: As the CSV import's `hours` column: "mon-fri 08:00-17:00; sat 09:00-12:00" (none: that default).
    hours = _text(300, required=False)


class PartData(Strict):
    part_number = _text(64)
    description = _text(200)
    category = _text(60)
    vendor = _text(80)
    new_price = _money()
    refurbishment_cost = _money()
    weight_kg = fields.Float(required=True, validate=validate.Range(min=0.001, max=100_000))
    volume_l = fields.Float(required=True, validate=validate.Range(min=0.001, max=1_000_000))
    serialised = fields.Boolean(load_default=True)
    serial_pattern = _text(MAX_SERIAL_PATTERN_LENGTH, required=False)
    refurbishment_yield = fields.Float(load_default=0.8, validate=validate.Range(min=0, max=1))
    residual_value = _money(Decimal(0))
    hazardous = fields.Boolean(load_default=False)
    vendor_warranty_days = fields.Integer(load_default=365, validate=validate.Range(min=0, max=3650))
    embodied_co2e_kg = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    material_recovery_share = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1))

    @ma.validates("serial_pattern")
    def _pattern(self, value, **kwargs):
        if value and (problem := serial_pattern_problem(value)) is not None:
            raise ma.ValidationError(problem)

    @ma.post_load
    def _unserialised_has_no_pattern(self, data, **kwargs):
        if not data["serialised"]:
            data["serial_pattern"] = None
        return data


class ItemData(Strict):
    part_number = _text(64)
    serial = _text(64)
    site_external_id = _ref()
    installed_on = fields.Date(load_default=None, allow_none=True)


class ExpectedPartData(Strict):
    part_number = _text(64)
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))
    kind = fields.String(load_default="replace", validate=validate.OneOf(EXPECTED_PART_KINDS))


class JobData(Strict):
    site_external_id = _ref()
    reference = _text(30)
    summary = _text(300)
    window_start = fields.AwareDateTime(required=True)
    window_end = fields.AwareDateTime(required=True)
    engineer_username = _text(80, required=False)
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "cancelled")))
    expected_parts = fields.List(fields.Nested(ExpectedPartData), load_default=list,
                                 validate=validate.Length(max=100))

    @ma.validates_schema
    def _window_in_order(self, data, **kwargs):
        if "window_start" in data and "window_end" in data and data["window_end"] <= data["window_start"]:
            raise ma.ValidationError({"window_end": ["Must be after window_start."]})


class ContractData(Strict):
    customer_external_id = _ref()
    number = _text(60)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    service_level = _text(60)
    site_external_ids = fields.List(_ref(), load_default=list, validate=validate.Length(max=1000))

    @ma.validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError({"ends_on": ["Must not be before starts_on."]})


DATA_SCHEMAS: dict[str, ma.Schema] = {
    "customer": CustomerData(), "site": SiteData(), "part": PartData(), "item": ItemData(), "job": JobData(),
    "contract": ContractData(),
}


def read_data(kind: str, data) -> tuple[dict | None, dict]:
    """The checked data of a record of `kind`, or None and field errors (``{field: [messages]}``)."""
    if not isinstance(data, dict):
        return None, {"data": ["Must be an object."]}
    try:
        return DATA_SCHEMAS[kind].load(data), {}
    except ma.ValidationError as err:
        return None, err.messages if isinstance(err.messages, dict) else {"data": list(err.messages)}


def expected_parts(parts: list[dict]) -> list[dict]:
    """A source's expected parts as a job stores them, in one order (the source's own order is not meaningful)."""
    stored = [{"part_number": p["part_number"], "quantity": p["quantity"], "action": p["kind"]} for p in parts]
    return sorted(stored, key=lambda p: (p["part_number"], p["action"], p["quantity"]))


def _same(stored, wanted) -> bool:
    """Whether a stored value is the one a record asks for (times compare as instants, whatever their offset)."""
    if isinstance(wanted, float) and isinstance(stored, (int, float)):
        return float(stored) == wanted
    if isinstance(wanted, Decimal) and stored is not None:
        return Decimal(stored) == wanted
    if isinstance(wanted, list) and isinstance(stored, list) and all(isinstance(v, dict) for v in wanted + stored):
        key = lambda p: sorted(p.items())  # noqa: E731  (expected parts: compared as a set of lines)
        return sorted(stored, key=key) == sorted(wanted, key=key)
    if isinstance(wanted, (set, frozenset)):
        return set(stored or ()) == wanted
    return stored == wanted


def differences(stored: dict, wanted: dict) -> dict:
    """The fields of `wanted` whose value differs from `stored` (both by model attribute)."""
    return {name: value for name, value in wanted.items() if not _same(stored.get(name), value)}


def owned_field_errors(kind: str, source: str | None, updates: dict, current: dict) -> dict[str, list[str]]:
    """Why an edit by a person may not change these fields of a row its source owns (empty: it may).

    Only a change is refused: sending a field with the value it already has is fine.
    """
    if source is None:
        return {}
    return {name: [f"Owned by {source}: change it there."] for name in OWNED_FIELDS[kind]
            if name in updates and not _same(current.get(name), updates[name])}
