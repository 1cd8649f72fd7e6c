"""Page-numbered lists for the dispatcher API: ``?page=&page_size=`` in, an envelope out."""

import marshmallow as ma
import sqlalchemy as sa
import sqlalchemy.orm as so
from marshmallow import fields, validate

MAX_PAGE_SIZE = 200


class PageQuery(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """A response schema: ``{items, page, page_size, total, pages}``."""
    return ma.Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


def where_equal(query: sa.Select, model: type, args: dict, names: tuple[str, ...]) -> sa.Select:
    """Narrow `query` to rows whose column equals each of `names` given in `args`."""
    for name in names:
        if name in args:
            query = query.where(getattr(model, name) == args[name])
    return query


def paginate(session: so.Session, query: sa.Select, page: int, page_size: int) -> dict:
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).unique().all()
    return {"items": items, "page": page, "page_size": page_size, "total": total,
            "pages": max(1, -(-total // page_size))}
