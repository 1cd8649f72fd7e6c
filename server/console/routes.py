"""Pickups and courier routes: the day's plan per van on a map, re-planning, moving a pickup; the
replacement deliveries leaving or due that day beside them.

A re-plan is asked for here and made in the background (server/services/planning/plan_runs.py):
the page says "planning…" and reloads itself until the plan is there.
"""

from datetime import date, timedelta

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from server.console import listings
from server.console.forms import MovePickupForm, PlanDayForm, show_errors
from server.console.pages import staff_blueprint
from server.console.route_drawing import Place, RouteToDraw, colour_of, draw
from server.console.wording import today_in
from server.extensions import db
from server.logistics.plan_days import day_label, why_not_plannable
from server.services.planning import plan_runs
from server.services.errors import ServiceError
from server.services.planning.pickup_days import move_pickup

bp = staff_blueprint("console_routes", __name__, url_prefix="/console/routes")


def _day_from(raw: str | None) -> date:
    """The day a page is about: tomorrow unless given; a day at the very end of the calendar is not found."""
    try:
        day = date.fromisoformat(raw) if raw else _tomorrow()
    except ValueError:
        return _tomorrow()
    if not date.min < day < date.max:
        abort(404, f"There is no plan for {day.isoformat()}.")
    return day


def _today() -> date:
    return today_in(current_app.config["SITE_TIMEZONE"])


def _tomorrow() -> date:
    return _today() + timedelta(days=1)


@bp.route("")
def day_routes():
    day = _day_from(request.args.get("day"))
    return _page(day, PlanDayForm(day=day), MovePickupForm())


def _page(day: date, plan_form: PlanDayForm, move_form: MovePickupForm, status: int = 200):
    plan = listings.day_plan(db.session, day)
    routes = plan.routes if plan else []
    planned_ids = {stop.pickup_id for route in routes for stop in route.stops}
    drawing = draw([
        RouteToDraw(
            route.vehicle.name,
            Place(route.vehicle.depot.latitude, route.vehicle.depot.longitude, route.vehicle.depot.name),
            [Place(s.pickup.site.latitude, s.pickup.site.longitude, s.pickup.site.name) for s in route.stops],
        )
        for route in routes
    ])
    map_data = {
        "tiles": current_app.config.get("MAP_TILE_URL") or "",
        "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
        "routes": [
            {"vehicle": route.vehicle.name, "colour": colour_of(i),
             "depot": [route.vehicle.depot.latitude, route.vehicle.depot.longitude, route.vehicle.depot.name],
             "stops": [[s.pickup.site.latitude, s.pickup.site.longitude, s.pickup.site.name, s.sequence]
                       for s in route.stops]}
            for i, route in enumerate(routes)
        ],
    }
    previous_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
    return render_template(
        "console/routes.html", day=day, plan=plan, routes=routes, drawing=drawing, map_data=map_data,
        waiting=listings.waiting_pickups(db.session, day, planned_ids), plan_form=plan_form, move_form=move_form,
        deliveries=listings.day_deliveries(db.session, day, current_app.config["SITE_TIMEZONE"]),
        zone=current_app.config["SITE_TIMEZONE"], run=plan_runs.latest_run(db.session, day),
        not_plannable=why_not_plannable(day, _today(), current_app.config["PLAN_HORIZON_DAYS"]),
        previous_day=previous_day if previous_day > date.min else None,
        next_day=next_day if next_day < date.max else None,
    ), status


@bp.route("/plan", methods=["POST"])
def plan():
    form = PlanDayForm()
    if not form.validate():
        return _page(_day_from(request.args.get("day")), form, MovePickupForm(), 422)
    try:
        plan_runs.request_plan(db.session, form.day.data, g.staff, current_app.config.get("PLANNER_SECONDS"),
                               field="day")
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return _page(_day_from(request.args.get("day")), form, MovePickupForm(), 422)
    return redirect(url_for(".day_routes", day=form.day.data.isoformat()), 303)


@bp.route("/move", methods=["POST"])
def move():
    form = MovePickupForm()
    day = _day_from(request.args.get("day"))
    if not form.validate():
        return _page(day, PlanDayForm(day=day), form, 422)
    try:
        pickup = move_pickup(db.session, form.pickup_id.data, form.new_day.data, field="new_day")
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        show_errors(form, err)
        return _page(day, PlanDayForm(day=day), form, 422)
    flash(f"Pickup {pickup.reference} moved to {day_label(form.new_day.data, _today())}: "
          f"it will be planned that day.", "success")
    return redirect(url_for(".day_routes", day=day.isoformat()), 303)
