"""A site's installed base and its history: what is installed there, and which unit replaced which."""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, render_template

from common.enums import ItemStatus
from server.api.fields import RECORD_ID
from server.console.pages import staff_blueprint
from server.extensions import db
from server.models import Job, Replacement, SerialisedItem, Site

bp = staff_blueprint("console_sites", __name__, url_prefix="/console/sites")


@dataclass(frozen=True)
class InstalledBase:
    site: Site
    items: list[SerialisedItem]
    #: Swaps on the site's jobs, newest first.
    swaps: list[Replacement]
    #: item id → the swap that installed it.
    installed_by_swap: dict[int, Replacement]


def installed_base(session: so.Session, site_id: int) -> InstalledBase | None:
    site = session.get(Site, site_id)
    if site is None:
        return None
    items = session.scalars(
        sa.select(SerialisedItem).where(SerialisedItem.site_id == site_id, SerialisedItem.status == ItemStatus.INSTALLED)
        .options(so.joinedload(SerialisedItem.part)).order_by(SerialisedItem.serial)
    ).all()
    swaps = session.scalars(
        sa.select(Replacement).join(Job, Job.id == Replacement.job_id).where(Job.site_id == site_id)
        .options(so.joinedload(Replacement.part), so.joinedload(Replacement.installed_by),
                 so.joinedload(Replacement.return_line))
        .order_by(Replacement.installed_at.desc())
    ).all()
    return InstalledBase(site, list(items), list(swaps),
                         {s.serialised_item_id: s for s in swaps if s.serialised_item_id is not None})


@bp.route(f"/<{RECORD_ID}:site_id>")
def site(site_id: int):
    base = installed_base(db.session, site_id)
    if base is None:
        abort(404, f"There is no site {site_id}.")
    return render_template("console/site.html", base=base, zone=current_app.config["SITE_TIMEZONE"])
