"""SQLAlchemy models: persistence records, one module per aggregate."""

from server.models.accounts import ApiToken, Device, LoginFailure, User
from server.models.contracts import Contract
from server.models.catalogue import PartNumber, SerialisedItem
from server.models.events import FieldEvent
from server.models.facilities import Facility
from server.models.feed import FeedEvent, FeedState
from server.models.integration import Integration, IntegrationKey
from server.models.jobs import Job, JobAssignment
from server.models.notifications import Notification
from server.models.processing import ProcessingRecord
from server.models.reconciliations import Reconciliation, ReconciliationLine
from server.models.pickups import CourierPlan, CourierRoute, CourierStop, Pickup, PlanRun, Vehicle
from server.models.returns import CustodyEntry, DispositionRecord, Replacement, ReturnLine
from server.models.reviews import ReviewItem
from server.models.sites import Customer, Site
from server.models.stock import Delivery, Reservation, StockLocation, StockMovement, StockTarget
from server.models.sync import ChangeLogEntry, ServerState
from server.models.tasks import BackgroundTask

__all__ = [
    "ApiToken", "BackgroundTask", "ChangeLogEntry", "CourierPlan", "CourierRoute", "CourierStop", "CustodyEntry",
    "Customer", "Delivery", "Device", "DispositionRecord", "Facility", "FieldEvent", "Integration", "IntegrationKey", "Job", "JobAssignment",
    "LoginFailure", "Notification", "PartNumber", "Pickup", "PlanRun", "ProcessingRecord", "Reservation",
    "Replacement", "ReturnLine", "ReviewItem", "SerialisedItem", "ServerState", "Site", "StockLocation", "StockMovement",
    "StockTarget", "User", "Vehicle", "Contract",
    "FeedEvent", "FeedState",
    "Reconciliation", "ReconciliationLine",
]
