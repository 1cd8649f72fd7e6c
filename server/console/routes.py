"""Pickups and courier routes: the day's plan per van on a map, re-planning, moving a pickup."""

from datetime import date, timedelta

from flask import current_app, flash, g, redirect, render_template, request, url_for

from server.console import listings
from server.console.forms import MovePickupForm, PlanDayForm, show_errors
from server.console.pages import staff_blueprint
from server.console.route_drawing import Place, RouteToDraw, colour_of, draw
from server.console.wording import today_in
from server.extensions import db
from server.services.errors import ServiceError
from server.services.planning import move_pickup, plan_day

bp = staff_blueprint("console_routes", __name__, url_prefix="/console/routes")


def _day_from(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else _tomorrow()
    except ValueError:
        return _tomorrow()


def _tomorrow() -> date:
    return today_in(current_app.config["SITE_TIMEZONE"]) + timedelta(days=1)


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
    return render_template(
        "console/routes.html", day=day, plan=plan, routes=routes, drawing=drawing, map_data=map_data,
        waiting=listings.waiting_pickups(db.session, day, planned_ids), plan_form=plan_form, move_form=move_form,
        zone=current_app.config["SITE_TIMEZONE"], previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
    ), status


@bp.route("/plan", methods=["POST"])
def plan():
    form = PlanDayForm()
    if not form.validate():
        return _page(_day_from(request.args.get("day")), form, MovePickupForm(), 422)
    try:
        result = plan_day(db.session, form.day.data, by=g.staff, seconds=current_app.config.get("PLANNER_SECONDS"))
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return _page(form.day.data, form, MovePickupForm(), 422)
    flash(f"Planned {form.day.data:%A %d %B}: {len(result.routes)} route(s), "
          f"{result.total_distance_km:.0f} km instead of {result.naive_distance_km:.0f} km.", "success")
    return redirect(url_for(".day_routes", day=form.day.data.isoformat()), 303)


@bp.route("/move", methods=["POST"])
def move():
    form = MovePickupForm()
    day = _day_from(request.args.get("day"))
    if not form.validate() or not form.pickup_id.data.isdigit():
        return _page(day, PlanDayForm(day=day), form, 422)
    try:
        pickup = move_pickup(db.session, int(form.pickup_id.data), form.new_day.data, g.staff)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        show_errors(form, err)
        return _page(day, PlanDayForm(day=day), form, 422)
    flash(f"Pickup {pickup.reference} moved to {form.new_day.data:%A %d %B}.", "success")
    return redirect(url_for(".day_routes", day=day.isoformat()), 303)
