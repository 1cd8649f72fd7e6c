"""Stock: balances by location, part and grade, negative balances marked, the movements of one part,
the forms a dispatcher corrects the ledger with (transfer, stocktake), and the CSV downloads for finance."""

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from common.enums import Role, StockGrade, StockLocationKind
from common.schemas import MAX_RECORD_ID
from server.console.forms import LedgerExportForm, StocktakeForm, TransferForm, show_errors
from server.console.pages import staff_blueprint
from server.downloads import csv_download
from server.extensions import db
from server.models import Facility, PartNumber, StockLocation, StockMovement, User
from server.services.errors import ServiceError
from server.services.integration.reconcile import as_of_moment
from server.services.stock import adjustments, exports
from server.services.stock.ledger import balances

bp = staff_blueprint("console_stock", __name__, url_prefix="/console/stock")

#: The flagged movements listed under the balances, latest first.
FLAGGED_SHOWN = 20
#: Movements shown on a part's page, latest first.
PART_MOVEMENTS_SHOWN = 200


def location_choices() -> list[tuple[str, str]]:
    """Every facility and engineer's van (a location is made on first use), then the sites stock has reached."""
    choices = [(f"FAC:{code}", name) for code, name in db.session.execute(
        sa.select(Facility.code, Facility.name).order_by(Facility.name))]
    choices += [(f"VAN:{username}", f"Van of {name}") for username, name in db.session.execute(
        sa.select(User.username, User.display_name).where(User.active, User.role == Role.ENGINEER)
        .order_by(User.display_name))]
    choices += [(loc.code, loc.name) for loc in db.session.scalars(
        sa.select(StockLocation).where(StockLocation.kind == StockLocationKind.SITE).order_by(StockLocation.name))]
    return choices


def _filters() -> dict:
    grade = request.args.get("grade", "")
    return {"location": request.args.get("location", ""), "part_number": request.args.get("part_number", "").strip(),
            "grade": grade if grade in {g.value for g in StockGrade} else ""}


@bp.route("")
def stock_page(transfer: TransferForm | None = None, stocktake: StocktakeForm | None = None, status_code: int = 200,
               export: LedgerExportForm | None = None):
    filters = _filters()
    location_ids = part_ids = None
    if filters["location"]:
        location_ids = list(db.session.scalars(sa.select(StockLocation.id).where(StockLocation.code == filters["location"])))
    if filters["part_number"]:
        part_ids = list(db.session.scalars(sa.select(PartNumber.id).where(PartNumber.part_number == filters["part_number"])))
    rows = balances(db.session, location_ids=location_ids, part_number_ids=part_ids,
                    grades=[filters["grade"]] if filters["grade"] else None)
    locations = {loc.id: loc for loc in db.session.scalars(sa.select(StockLocation))}
    parts = {p.id: p for p in db.session.scalars(sa.select(PartNumber).where(
        PartNumber.id.in_({r.part_number_id for r in rows})))} if rows else {}
    flagged = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.left_negative)
        .options(so.joinedload(StockMovement.part), so.joinedload(StockMovement.from_location))
        .order_by(StockMovement.seq.desc()).limit(FLAGGED_SHOWN)
    ).all()
    choices = location_choices()
    transfer = transfer or TransferForm(formdata=None, prefix="transfer")
    stocktake = stocktake or StocktakeForm(formdata=None, prefix="stocktake")
    for field in (transfer.from_location, transfer.to_location, stocktake.location):
        field.choices = choices
    return render_template(
        "console/stock.html", rows=rows, locations=locations, parts=parts, filters=filters, flagged=flagged,
        grades=list(StockGrade), choices=choices, transfer=transfer, stocktake=stocktake,
        export=export or LedgerExportForm(formdata=None),
        negative=sum(1 for r in rows if r.quantity < 0), zone=current_app.config["SITE_TIMEZONE"],
    ), status_code


@bp.route("/transfer", methods=["POST"])
def post_transfer():
    form = TransferForm(prefix="transfer")
    if not form.validate():
        return stock_page(transfer=form, status_code=422)
    command = adjustments.Transfer(form.part_number.data.strip(), form.quantity.data, StockGrade(form.grade.data),
                                   form.from_location.data, form.to_location.data, form.reason.data)
    return _record(lambda: adjustments.transfer(db.session, command, g.staff), form, "transfer",
                   f"Transferred {command.quantity} × {command.part_number}.")


@bp.route("/stocktake", methods=["POST"])
def post_stocktake():
    form = StocktakeForm(prefix="stocktake")
    if not form.validate():
        return stock_page(stocktake=form, status_code=422)
    command = adjustments.Stocktake(form.part_number.data.strip(), StockGrade(form.grade.data), form.location.data,
                                    form.counted.data, form.reason.data)
    return _record(lambda: adjustments.stocktake(db.session, command, g.staff), form, "stocktake",
                   f"Counted {command.counted} × {command.part_number}.")


def _record(use_case, form, which: str, done: str):
    try:
        use_case()
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return stock_page(**{which: form}, status_code=err.status)
    flash(done, "success")
    return redirect(url_for(".stock_page"), 303)


@bp.route(f"/parts/<int(min=1, max={MAX_RECORD_ID}):part_id>")
def part_movements(part_id: int):
    part = db.session.get(PartNumber, part_id) or abort(404)
    movements = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.part_number_id == part_id)
        .options(so.joinedload(StockMovement.from_location), so.joinedload(StockMovement.to_location))
        .order_by(StockMovement.seq.desc()).limit(PART_MOVEMENTS_SHOWN)
    ).all()
    rows = balances(db.session, part_number_ids=[part_id])
    locations = {loc.id: loc for loc in db.session.scalars(sa.select(StockLocation))}
    return render_template("console/stock_part.html", part=part, movements=movements, rows=rows, locations=locations,
                           zone=current_app.config["SITE_TIMEZONE"])


@bp.route("/balances.csv")
def export_balances():
    """The balances at the end of a day (site time; none: now) as CSV, as the API's export gives them."""
    export = LedgerExportForm(request.args)
    if not export.validate():
        return stock_page(export=export, status_code=422)
    zone = current_app.config["SITE_TIMEZONE"]
    as_of = as_of_moment(export.as_of.data, zone) if export.as_of.data else None
    day = export.as_of.data.isoformat() if export.as_of.data else "now"
    return csv_download(f"balances-{day}.csv", exports.balances_csv(db.session, as_of=as_of))


@bp.route("/movements.csv")
def export_movements():
    """The movements of the days from `since` to `until` (both included, site time) as CSV."""
    export = LedgerExportForm(request.args)
    if not export.validate():
        return stock_page(export=export, status_code=422)
    zone = current_app.config["SITE_TIMEZONE"]
    since, until = export.since.data, export.until.data
    chunks = exports.movements_csv(
        db.session, occurred_from=as_of_moment(since - timedelta(days=1), zone) if since else None,
        occurred_before=as_of_moment(until, zone) if until else None)
    return csv_download(f"movements-{since or 'start'}-{until or 'now'}.csv", chunks)
