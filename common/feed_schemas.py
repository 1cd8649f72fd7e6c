"""Marshmallow schemas of the outbound feed: the page a consumer reads and each event type's data.

Every event carries ``schema_version``: a change that could break a consumer
(a field removed, renamed or given another meaning) gets a new version of that
event type's schema; adding an optional field does not. The schemas are in
the OpenAPI document as components named ``Feed<Type>DataV<version>`` and
``Feed<Type>RefsV<version>`` (docs/integration.md, "The outbound feed").
"""

import marshmallow as ma
from marshmallow import fields, validate

#: The default and largest page a feed read returns.
DEFAULT_FEED_LIMIT = 100
MAX_FEED_LIMIT = 1000

RETURN_LINE_STATUS_CHANGED = "return_line.status_changed"
RETURN_LINE_DISPOSITION_SET = "return_line.disposition_set"
STOCK_MOVEMENT = "stock.movement"
DELIVERY_STATUS_CHANGED = "delivery.status_changed"
PICKUP_SCHEDULED = "pickup.scheduled"
PICKUP_COLLECTED = "pickup.collected"
RETURN_LINE_RECEIVED = "return_line.received"
PROCESSING_OUTCOME = "processing.outcome"
VENDOR_CREDIT = "vendor.credit"
RETURN_LINE_WRITTEN_OFF = "return_line.written_off"

#: Money is sent as a decimal string ("12.50") so that no consumer rounds it through a float.
Money = fields.String


class _Open(ma.Schema):
    class Meta:
        # A consumer of version 1 must accept fields added later within that version.
        unknown = ma.INCLUDE


class LineRefsV1(_Open):
    return_line_id = fields.UUID(required=True)
    part_number = fields.String(required=True)
    serial = fields.String(allow_none=True)
    job_id = fields.Integer(allow_none=True)
    site_id = fields.Integer(allow_none=True)


class StatusChangedDataV1(_Open):
    #: None for a line just created.
    from_status = fields.String(allow_none=True, required=True)
    to_status = fields.String(required=True)


class DispositionSetDataV1(_Open):
    disposition = fields.String(allow_none=True, required=True,
                                metadata={"description": "None while the engine holds the line for a decision"})
    decided_by = fields.String(required=True, validate=validate.OneOf(["engine", "override"]))
    by = fields.String(allow_none=True, metadata={"description": "The dispatcher's user name, for an override"})
    destination_facility = fields.String(allow_none=True)
    travel_mode = fields.String(allow_none=True)
    expected_value = Money(allow_none=True)
    reason = fields.String(required=True)
    comment = fields.String(allow_none=True)


class DispositionRefsV1(LineRefsV1):
    disposition_record_id = fields.Integer(required=True)


class MovementDataV1(_Open):
    kind = fields.String(required=True)
    quantity = fields.Integer(required=True)
    from_location = fields.String(allow_none=True, required=True)
    from_grade = fields.String(allow_none=True, required=True)
    to_location = fields.String(allow_none=True, required=True)
    to_grade = fields.String(allow_none=True, required=True)
    serial = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    left_negative = fields.Boolean()


class MovementRefsV1(_Open):
    movement_id = fields.UUID(required=True)
    part_number = fields.String(required=True)
    #: The location codes (FAC:TPK, VAN:eng.amy, SITE:12) on either side; None for outside the ledger.
    from_location = fields.String(allow_none=True)
    to_location = fields.String(allow_none=True)
    return_line_id = fields.UUID(allow_none=True)
    delivery_id = fields.Integer(allow_none=True)
    reservation_id = fields.Integer(allow_none=True)
    processing_record_id = fields.Integer(allow_none=True)


class DeliveryStatusChangedDataV1(StatusChangedDataV1):
    mode = fields.String(required=True)
    quantity = fields.Integer(required=True)
    grade = fields.String(required=True)
    deadline = fields.AwareDateTime()


class DeliveryRefsV1(_Open):
    delivery_id = fields.Integer(required=True)
    reservation_id = fields.Integer(required=True)
    part_number = fields.String(required=True)
    from_location = fields.String(required=True)
    to_location = fields.String(required=True)
    site_id = fields.Integer(allow_none=True)
    job_id = fields.Integer(allow_none=True)


class PickupScheduledDataV1(_Open):
    planned_date = fields.Date(allow_none=True, required=True)
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True)


class PickupCollectedDataV1(_Open):
    collected_at = fields.AwareDateTime(required=True)


class PickupRefsV1(_Open):
    pickup_id = fields.Integer(required=True)
    pickup_reference = fields.String(required=True)
    site_id = fields.Integer(required=True)


class PickupCollectedRefsV1(PickupRefsV1):
    pass


class ReceivedDataV1(_Open):
    received_condition = fields.String(allow_none=True)
    facility = fields.String(allow_none=True, metadata={"description": "The receiving facility's code"})


class ReceivedRefsV1(LineRefsV1):
    location = fields.String(allow_none=True, metadata={"description": "The facility's stock location code"})


class ProcessingOutcomeDataV1(_Open):
    outcome = fields.String(required=True)
    recovered_value = Money(allow_none=True, required=True)
    credit = Money(allow_none=True)
    hours = fields.Float(allow_none=True)
    weight_kg = fields.Float(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    rma_number = fields.String(allow_none=True)
    facility = fields.String(required=True)


class ProcessingRefsV1(LineRefsV1):
    processing_record_id = fields.Integer(required=True)
    location = fields.String(allow_none=True)


class VendorCreditDataV1(_Open):
    vendor = fields.String(required=True)
    credit = Money(allow_none=True, required=True)
    rma_number = fields.String(allow_none=True)


class StatusChangedRefsV1(LineRefsV1):
    pass


class WrittenOffRefsV1(LineRefsV1):
    pass


class VendorCreditRefsV1(ProcessingRefsV1):
    pass


class WrittenOffDataV1(_Open):
    written_off_value = Money(allow_none=True, required=True)
    from_status = fields.String(required=True)
    reason = fields.String(allow_none=True)


#: Each event type: its current schema version and, per version, the schemas of its data and refs.
EVENT_SCHEMAS: dict[str, dict[int, tuple[type[ma.Schema], type[ma.Schema]]]] = {
    RETURN_LINE_STATUS_CHANGED: {1: (StatusChangedDataV1, StatusChangedRefsV1)},
    RETURN_LINE_DISPOSITION_SET: {1: (DispositionSetDataV1, DispositionRefsV1)},
    STOCK_MOVEMENT: {1: (MovementDataV1, MovementRefsV1)},
    DELIVERY_STATUS_CHANGED: {1: (DeliveryStatusChangedDataV1, DeliveryRefsV1)},
    PICKUP_SCHEDULED: {1: (PickupScheduledDataV1, PickupRefsV1)},
    PICKUP_COLLECTED: {1: (PickupCollectedDataV1, PickupCollectedRefsV1)},
    RETURN_LINE_RECEIVED: {1: (ReceivedDataV1, ReceivedRefsV1)},
    PROCESSING_OUTCOME: {1: (ProcessingOutcomeDataV1, ProcessingRefsV1)},
    VENDOR_CREDIT: {1: (VendorCreditDataV1, VendorCreditRefsV1)},
    RETURN_LINE_WRITTEN_OFF: {1: (WrittenOffDataV1, WrittenOffRefsV1)},
}
EVENT_TYPES = tuple(EVENT_SCHEMAS)
CURRENT_VERSION: dict[str, int] = {kind: max(versions) for kind, versions in EVENT_SCHEMAS.items()}


def component_names(event_type: str, version: int) -> tuple[str, str]:
    """The OpenAPI component names of one version of an event type's data and refs."""
    camel = "".join(word.capitalize() for word in event_type.replace(".", "_").split("_"))
    return f"Feed{camel}DataV{version}", f"Feed{camel}RefsV{version}"


def validate_event(event_type: str, version: int, data: dict, refs: dict) -> dict:
    """The errors of an event's data and refs against its schema ({} when it is valid)."""
    data_schema, refs_schema = EVENT_SCHEMAS[event_type][version]
    errors = {}
    for name, schema, value in (("data", data_schema, data), ("refs", refs_schema, refs)):
        problems = schema().validate(value)
        if problems:
            errors[name] = problems
    return errors


class FeedQuerySchema(ma.Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=8192),
                           metadata={"description": "From the last page; none: from the oldest event kept"})
    limit = fields.Integer(load_default=DEFAULT_FEED_LIMIT, validate=validate.Range(min=1, max=MAX_FEED_LIMIT))


class FeedEventSchema(ma.Schema):
    id = fields.UUID(metadata={"description": "Stable: the same event always has this id; de-duplicate by it"})
    type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    schema_version = fields.Integer(metadata={"description": "The version of this type's data and refs schemas"})
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    data = fields.Dict(metadata={"description": "Per type and version: the Feed<Type>DataV<n> component"})
    refs = fields.Dict(metadata={"description": "Per type and version: the Feed<Type>RefsV<n> component"})


class FeedPageSchema(ma.Schema):
    events = fields.List(fields.Nested(FeedEventSchema))
    cursor = fields.String(metadata={"description": "Pass it to the next read, even when no event came"})
    has_more = fields.Boolean()
