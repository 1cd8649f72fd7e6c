"""Marshmallow schemas of the sync protocol: what a phone sends and receives.

The phone validates an entry with these schemas before saving it, and the
server validates it again with the same ones, so both say the same thing.
"""

import marshmallow as ma
from marshmallow import fields, validate

from common.enums import (
    ChangeOp,
    DeliveryMode,
    DeliveryStatus,
    Disposition,
    EventOutcome,
    EventType,
    FailureCode,
    HolderKind,
    JobStatus,
    PartCondition,
    ReturnStatus,
    Role,
    StockGrade,
    SyncEntity,
    TravelMode,
)
from common.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_BATCH_EVENTS,
    MAX_PULL_LIMIT,
    SUPPORTED_PROTOCOL_VERSIONS,
    BatchTooLarge,
    BodyNotAnObject,
    UnsupportedProtocolVersion,
)
from common.representable import MAX_RECORD_ID, MAX_SEQ, text_problem, time_problem
from common.stock import READY_GRADES

PART_NUMBER = validate.Length(min=1, max=64)
SERIAL = validate.Length(min=1, max=64)
DEVICE_SECRET_MAX_LENGTH = 128


def _enum(enum, **kwargs):
    return fields.Enum(enum, by_value=True, **kwargs)


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class _Storable:
    """A field that also refuses a value the database cannot hold (common/representable.py)."""

    problem = staticmethod(lambda value: None)

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if (reason := self.problem(loaded)) is not None:
            raise ma.ValidationError(reason)
        return loaded


class Text(_Storable, fields.String):
    """A string without NUL characters or lone surrogates."""

    problem = staticmethod(text_problem)


class Instant(_Storable, fields.AwareDateTime):
    """A time with a UTC offset that stays within the years 1 to 9999 in UTC."""

    problem = staticmethod(time_problem)


def _record_id(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_RECORD_ID), **kwargs)


# --- authentication -------------------------------------------------------


class TokenRequestSchema(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=80))
    password = Text(required=True, validate=validate.Length(min=1, max=256))
    device_id = Text(required=True, validate=validate.Length(min=8, max=64))
    device_label = Text(validate=validate.Length(max=120))
    device_secret = Text(
        allow_none=True, validate=validate.Length(min=1, max=DEVICE_SECRET_MAX_LENGTH),
        metadata={"description": "The secret the server issued to this device; null when it has none yet. "
                                 "An app that sends this field keeps the secret it is given."},
    )
    last_seq = fields.Integer(
        strict=True, validate=validate.Range(min=0, max=MAX_SEQ),
        metadata={"description": "The highest seq this device has numbered (its entries still waiting are counted)"},
    )


class PasswordChangeSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = _enum(Role)
    email = fields.String(allow_none=True)


class TokenResponseSchema(ma.Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Seconds until the token expires"})
    user = fields.Nested(UserSchema)
    device_secret = fields.String(
        metadata={"description": "Only when newly issued: keep it with the outbox and send it at every sign-in"},
    )


# --- push: event payloads, one schema per event type ----------------------


class PartRemovedPayload(StrictSchema):
    part_number = Text(required=True, validate=PART_NUMBER)
    serial = Text(allow_none=True, validate=SERIAL)
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=1000))
    condition = _enum(PartCondition, required=True)
    failure_code = _enum(FailureCode, allow_none=True)

    @ma.validates_schema
    def _one_serial_is_one_item(self, data, **kwargs):
        if data.get("serial") and data.get("quantity", 1) != 1:
            raise ma.ValidationError("A serialised part is one item: quantity must be 1.", "quantity")


#: Most expected parts a completion can say were not returned.
MAX_NOT_RETURNED = 100


class PartInstalledPayload(StrictSchema):
    part_number = Text(required=True, validate=PART_NUMBER)
    serial = Text(allow_none=True, validate=SERIAL)
    # Version 2: the swap this install completes, and where the unit came from.
    replaces = fields.UUID(
        allow_none=True, metadata={"description": "The id of the part_removed event of the same swap (v2)"})
    grade = _enum(StockGrade, allow_none=True, validate=validate.OneOf(READY_GRADES),
                  metadata={"description": "new or refurbished: the grade of the unit installed (v2)"})
    reservation_id = _record_id(allow_none=True, metadata={"description": "The reservation the unit served (v2)"})


class NotReturnedPart(StrictSchema):
    part_number = Text(required=True, validate=PART_NUMBER)
    reason = Text(required=True, validate=validate.Length(min=1, max=500))


class EquipmentCollectedPayload(StrictSchema):
    part_number = Text(required=True, validate=PART_NUMBER)
    serial = Text(required=True, validate=SERIAL)
    condition = _enum(PartCondition, required=True)


class JobCompletedPayload(StrictSchema):
    notes = Text(allow_none=True, validate=validate.Length(max=4000))
    customer_signoff_name = Text(allow_none=True, validate=validate.Length(max=120))
    not_returned = fields.List(
        fields.Nested(NotReturnedPart), validate=validate.Length(max=MAX_NOT_RETURNED),
        metadata={"description": "Expected parts the engineer did not bring back, one per unit, and why (v2)"},
    )


class ReturnHandedOverPayload(StrictSchema):
    return_line_id = fields.UUID(required=True)
    facility_id = _record_id(required=True)


PAYLOAD_SCHEMAS: dict[EventType, type[ma.Schema]] = {
    EventType.PART_REMOVED: PartRemovedPayload,
    EventType.PART_INSTALLED: PartInstalledPayload,
    EventType.EQUIPMENT_COLLECTED: EquipmentCollectedPayload,
    EventType.JOB_COMPLETED: JobCompletedPayload,
    EventType.RETURN_HANDED_OVER: ReturnHandedOverPayload,
}

#: Payload fields a version 1 batch may not carry: an event holding one is rejected, naming it.
V2_PAYLOAD_FIELDS: dict[EventType, frozenset[str]] = {
    EventType.PART_INSTALLED: frozenset({"replaces", "grade", "reservation_id"}),
    EventType.JOB_COMPLETED: frozenset({"not_returned"}),
}

#: One instance per type, built once: loading keeps no state in the schema.
_PAYLOAD_LOADERS = {kind: schema() for kind, schema in PAYLOAD_SCHEMAS.items()}

#: Event types that are about a job, so `job_id` is required.
JOB_EVENTS = frozenset(PAYLOAD_SCHEMAS) - {EventType.RETURN_HANDED_OVER}


# --- push: envelope and event ---------------------------------------------


class EventEnvelopeSchema(ma.Schema):
    """What the server must read from an event to answer for it at all."""

    class Meta:
        unknown = ma.INCLUDE

    id = fields.UUID(required=True)
    seq = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_SEQ))


class EventSchema(StrictSchema):
    """One field event, fully validated: envelope, type and payload."""

    id = fields.UUID(required=True)
    seq = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_SEQ))
    type = _enum(EventType, required=True)
    occurred_at = Instant(required=True)
    job_id = _record_id(allow_none=True, load_default=None)
    payload = fields.Dict(keys=fields.String(), required=True)

    @ma.validates_schema
    def _job_events_name_their_job(self, data, **kwargs):
        if data.get("type") in JOB_EVENTS and data.get("job_id") is None:
            raise ma.ValidationError(f"A {data['type']} event must name its job.", "job_id")

    @ma.post_load
    def _load_payload(self, data, **kwargs):
        try:
            data["payload"] = _PAYLOAD_LOADERS[data["type"]].load(data["payload"])
        except ma.ValidationError as err:
            raise ma.ValidationError({"payload": err.messages}) from err
        return data


class PushRequestSchema(ma.Schema):
    protocol_version = fields.Integer(strict=True, required=True)
    device_id = Text(required=True, validate=validate.Length(min=8, max=64))
    sent_at = Instant(
        allow_none=True,
        metadata={"description": "Device clock when the batch was sent; used to spot a wrong clock"},
    )
    events = fields.List(fields.Nested(EventEnvelopeSchema), required=True)

    @ma.pre_load
    def _refuse_whole_batch(self, data, **kwargs):
        if not isinstance(data, dict):
            raise BodyNotAnObject()
        version = data.get("protocol_version")
        # A list or an object is not a version at all: the field names that error.
        if isinstance(version, (int, float, str)) and version not in SUPPORTED_PROTOCOL_VERSIONS:
            raise UnsupportedProtocolVersion(version)
        events = data.get("events")
        if isinstance(events, list) and len(events) > MAX_BATCH_EVENTS:
            raise BatchTooLarge(len(events))
        return data


class EventResultSchema(ma.Schema):
    id = fields.UUID()
    seq = fields.Integer()
    status = _enum(EventOutcome)
    errors = fields.Dict(metadata={"description": "Field-level reasons, for a rejected event"})
    original_status = _enum(
        EventOutcome, metadata={"description": "For a duplicate: what the first delivery got"}
    )
    return_line_id = fields.UUID(allow_none=True)


class PushResponseSchema(ma.Schema):
    results = fields.List(fields.Nested(EventResultSchema))
    highest_contiguous_seq = fields.Integer(
        metadata={"description": "Every seq up to this one has reached the server"}
    )
    missing_seqs = fields.List(fields.Integer(), metadata={"description": "Gaps below the highest seq seen"})
    server_time = fields.AwareDateTime()


# --- pull ------------------------------------------------------------------


class PullQuerySchema(ma.Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=4096))
    limit = fields.Integer(load_default=DEFAULT_PULL_LIMIT, validate=validate.Range(min=1, max=MAX_PULL_LIMIT))


class FacilityRecord(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    address = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()
    capabilities = fields.List(fields.String())


class PartRecord(ma.Schema):
    id = fields.Integer()
    part_number = fields.String()
    description = fields.String()
    category = fields.String()
    serialised = fields.Boolean()
    serial_pattern = fields.String(allow_none=True)
    hazardous = fields.Boolean()
    weight_kg = fields.Float()
    volume_l = fields.Float()


class InstalledItemRecord(ma.Schema):
    serial = fields.String()
    part_number = fields.String()
    installed_on = fields.Date(allow_none=True)


class SiteRecord(ma.Schema):
    id = fields.Integer()
    customer_name = fields.String()
    name = fields.String()
    address = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()
    access_hours = fields.Dict()
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    installed = fields.List(fields.Nested(InstalledItemRecord))


class ExpectedPartRecord(ma.Schema):
    part_number = fields.String()
    quantity = fields.Integer()
    action = fields.String()


class JobRecord(ma.Schema):
    id = fields.Integer()
    reference = fields.String()
    site_id = fields.Integer()
    status = _enum(JobStatus)
    summary = fields.String()
    window_start = fields.AwareDateTime()
    window_end = fields.AwareDateTime()
    expected_parts = fields.List(fields.Nested(ExpectedPartRecord))


class ReturnLineRecord(ma.Schema):
    id = fields.UUID()
    part_number = fields.String()
    serial = fields.String(allow_none=True)
    quantity = fields.Integer()
    condition = _enum(PartCondition)
    status = _enum(ReturnStatus)
    job_id = fields.Integer(allow_none=True)
    origin_site_id = fields.Integer()
    disposition = _enum(Disposition, allow_none=True)
    travel_mode = _enum(TravelMode, allow_none=True)
    destination_facility_id = fields.Integer(allow_none=True)
    holder_kind = _enum(HolderKind, metadata={"description": "engineer: in the van; site: left there for the courier"})
    pickup_reference = fields.String(
        allow_none=True, metadata={"description": "The courier pickup the line waits for (\"P-000012\"): its label"})
    pickup_window_start = fields.AwareDateTime(allow_none=True, metadata={"description": "When the courier comes, once planned"})
    pickup_window_end = fields.AwareDateTime(allow_none=True)


class VanStockRecord(ma.Schema):
    id = fields.String(metadata={"description": "\"<part number id>:<grade>\""})
    part_number = fields.String()
    description = fields.String()
    grade = _enum(StockGrade)
    quantity = fields.Integer(metadata={"description": "Units in the van by the server's ledger; negative: "
                                                       "more installed than the ledger knew of (flagged)"})
class DeliveryRecord(ma.Schema):
    id = fields.Integer()
    job_id = fields.Integer()
    part_number = fields.String()
    quantity = fields.Integer()
    grade = _enum(StockGrade)
    mode = _enum(DeliveryMode, metadata={
        "description": "depot_collection: collect it at the depot before the job; courier_to_site: it comes to the site"})
    status = _enum(DeliveryStatus)
    site_id = fields.Integer(allow_none=True)
    depot_facility_id = fields.Integer(allow_none=True, metadata={"description": "The depot it waits at (depot collection)"})
    from_name = fields.String(metadata={"description": "Where it comes from"})
    deadline = fields.AwareDateTime(metadata={"description": "Latest arrival"})


RECORD_SCHEMAS: dict[SyncEntity, type[ma.Schema]] = {
    SyncEntity.FACILITY: FacilityRecord,
    SyncEntity.PART: PartRecord,
    SyncEntity.SITE: SiteRecord,
    SyncEntity.JOB: JobRecord,
    SyncEntity.RETURN_LINE: ReturnLineRecord,
    SyncEntity.VAN_STOCK: VanStockRecord,
    SyncEntity.DELIVERY: DeliveryRecord,
}


class ChangeSchema(ma.Schema):
    entity = _enum(SyncEntity)
    id = fields.String(metadata={"description": "The record's id, as text"})
    op = _enum(ChangeOp)
    data = fields.Dict(allow_none=True, metadata={"description": "The record, for an upsert"})


class PullResponseSchema(ma.Schema):
    changes = fields.List(fields.Nested(ChangeSchema))
    cursor = fields.String()
    has_more = fields.Boolean()
    full_resync = fields.Boolean(
        metadata={"description": "True while the pages form a full snapshot of the scope"}
    )
    server_time = fields.AwareDateTime()
