"""Entry point for Celery: ``celery -A server.celery_worker worker`` (and ``beat``)."""

from server import create_app
from server.runner import runner_of

flask_app = create_app({"JOB_RUNNER": "celery"})
celery = runner_of(flask_app).celery
