"""Reference data for dispatchers and tools: sites, the parts catalogue, facilities."""

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from common.schemas import FacilityRecord, PartRecord
from server.api.fields import money, record_id
from server.api.json_body import Blueprint
from server.api.pagination import PageQuery, page_of, paginate
from server.api.security import STAFF, requires
from server.extensions import db
from server.models import Facility, PartNumber, Site

blp = Blueprint("reference", __name__, url_prefix="/api/v1", description="Sites, parts and facilities")


class SiteSchema(ma.Schema):
    id = fields.Integer()
    customer_id = record_id()
    name = fields.String()
    address = fields.String()
    postcode = fields.String(allow_none=True)
    latitude = fields.Float()
    longitude = fields.Float()
    access_hours = fields.Dict()
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)


class PartSchema(PartRecord):
    vendor = fields.String()
    new_price = money()
    refurbishment_cost = money()
    refurbishment_yield = fields.Float()
    residual_value = money()
    vendor_warranty_days = fields.Integer()


class FacilitySchema(FacilityRecord):
    daily_capacity_items = fields.Integer()
    processing_costs = fields.Dict()
    fed_by_id = fields.Integer(allow_none=True)


class SearchQuery(PageQuery):
    q = fields.String(metadata={"description": "Text the name, address or part number contains"})


class PartQuery(SearchQuery):
    category = fields.String()


def _containing(columns, text: str):
    pattern = f"%{text.lower()}%"
    return sa.or_(*(sa.func.lower(c).like(pattern) for c in columns))


@blp.route("/sites", methods=["GET"])
@requires(*STAFF)
@blp.arguments(SearchQuery, location="query")
@blp.response(200, page_of(SiteSchema))
def list_sites(args):
    query = sa.select(Site).order_by(Site.name, Site.id)
    if args.get("q"):
        query = query.where(_containing([Site.name, Site.address, Site.postcode], args["q"]))
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("/parts", methods=["GET"])
@requires(*STAFF)
@blp.arguments(PartQuery, location="query")
@blp.response(200, page_of(PartSchema))
def list_parts(args):
    query = sa.select(PartNumber).order_by(PartNumber.part_number)
    if args.get("q"):
        query = query.where(_containing([PartNumber.part_number, PartNumber.description], args["q"]))
    if args.get("category"):
        query = query.where(PartNumber.category == args["category"])
    return paginate(db.session, query, args["page"], args["page_size"])


@blp.route("/facilities", methods=["GET"])
@requires(*STAFF)
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(FacilitySchema))
def list_facilities(args):
    return paginate(db.session, sa.select(Facility).order_by(Facility.code), args["page"], args["page_size"])
