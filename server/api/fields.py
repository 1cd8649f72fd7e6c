"""Field types the API's schemas share."""

from marshmallow import fields, validate

from common.representable import MAX_RECORD_ID as MAX_ID
#: Route parameter for a record id: ``<record_id:job_id>``.
RECORD_ID = f"int(min=1, max={MAX_ID})"


def record_id(**kwargs) -> fields.Integer:
    """An integer that can be a record's id."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def money(**kwargs) -> fields.Decimal:
    """An amount of money, sent as a decimal string ("182.40") so no cent is lost."""
    return fields.Decimal(as_string=True, places=2, metadata={"type": "string", "format": "decimal"}, **kwargs)
