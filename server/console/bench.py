"""The refurbishment queue per facility: what waits for the bench, in working order, and today's hours."""

from flask import render_template

from server.console.pages import staff_blueprint
from server.extensions import db
from server.services.stock import bench

bp = staff_blueprint("console_bench", __name__, url_prefix="/console/bench")


@bp.route("")
def bench_queues():
    return render_template("console/bench.html", queues=bench.all_queues(db.session))
