"""Page-numbered lists for the console: a page of rows, with the total, in two queries."""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

PER_PAGE = 25


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.per_page + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.per_page)


def page_number(raw: str | None) -> int:
    try:
        return max(1, min(100_000, int(raw or 1)))
    except ValueError:
        return 1


def paginate(session: so.Session, query: sa.Select, number: int, per_page: int = PER_PAGE) -> Page:
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    result = session.execute(query.limit(per_page).offset((number - 1) * per_page))
    rows = result.unique().all() if len(query.column_descriptions) > 1 else result.unique().scalars().all()
    return Page(list(rows), number, per_page, total)
