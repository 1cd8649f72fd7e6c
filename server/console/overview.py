"""The overview: the figures that say how well returns come back, as numbers and over time."""

from datetime import date, timedelta

from flask import current_app, render_template, request

from server.console.charts import bench_chart, overview_charts
from server.console.pages import staff_blueprint
from server.console.wording import today_in
from server.extensions import db
from server.services.returns import figures

bp = staff_blueprint("console_overview", __name__, url_prefix="/console")

PERIODS_DAYS = (7, 30, 90)


@bp.route("/")
def overview():
    days = request.args.get("days", type=int)
    days = days if days in PERIODS_DAYS else 30
    today: date = today_in(current_app.config["SITE_TIMEZONE"])
    since = today - timedelta(days=days - 1)
    headline = figures.compute_figures(db.session, since=since, until=today)
    by_day = figures.figures_by_day(db.session, days)
    benches = figures.bench_figures(db.session, since=since, until=today)
    charts = [*overview_charts(by_day, since), bench_chart(benches["hours_by_day"], since, days)]
    return render_template(
        "console/overview.html", headline=headline, charts=charts, days=days,
        periods=PERIODS_DAYS, since=since, today=today, benches=benches,
    )
