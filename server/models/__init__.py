"""SQLAlchemy models: persistence records, one module per aggregate."""

from server.models.accounts import ApiToken, Device, LoginFailure, User
from server.models.catalogue import PartNumber, SerialisedItem
from server.models.events import FieldEvent
from server.models.facilities import Facility
from server.models.jobs import Job, JobAssignment
from server.models.returns import CustodyEntry, ReturnLine
from server.models.sites import Customer, Site
from server.models.sync import ChangeLogEntry, ServerState
from server.models.tasks import BackgroundTask

__all__ = [
    "ApiToken", "BackgroundTask", "ChangeLogEntry", "CustodyEntry", "Customer", "Device",
    "Facility", "FieldEvent", "Job", "JobAssignment", "LoginFailure", "PartNumber",
    "ReturnLine", "SerialisedItem", "ServerState", "Site", "User",
]
