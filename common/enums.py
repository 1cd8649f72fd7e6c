"""The domain vocabulary shared by the phone and the server.

Every value here travels over the sync protocol or is stored in the database,
so values are lowercase strings that never change once released.
"""

from enum import StrEnum


class EventType(StrEnum):
    PART_REMOVED = "part_removed"
    PART_INSTALLED = "part_installed"
    EQUIPMENT_COLLECTED = "equipment_collected"
    JOB_COMPLETED = "job_completed"
    RETURN_HANDED_OVER = "return_handed_over"


#: Event types that put a physical item on its way back.
RETURN_CREATING_EVENTS = frozenset({EventType.PART_REMOVED, EventType.EQUIPMENT_COLLECTED})


class PartCondition(StrEnum):
    WORKING = "working"  # removed in working order (upgrade, end of contract)
    FAULTY = "faulty"  # does not work; failure code says how
    DAMAGED = "damaged"  # physical damage: cracked, burnt, water
    DEAD_ON_ARRIVAL = "dead_on_arrival"  # a new part that failed at installation
    UNKNOWN = "unknown"


class FailureCode(StrEnum):
    NO_POWER = "no_power"
    INTERMITTENT = "intermittent"
    MECHANICAL_WEAR = "mechanical_wear"
    ELECTRICAL = "electrical"
    FIRMWARE = "firmware"
    WATER_DAMAGE = "water_damage"
    IMPACT_DAMAGE = "impact_damage"
    BATTERY_SWELLING = "battery_swelling"
    CONSUMABLE_END_OF_LIFE = "consumable_end_of_life"
    OTHER = "other"


class Disposition(StrEnum):
    REFURBISH = "refurbish"
    REUSE = "reuse"  # back to stock as is
    RETURN_TO_VENDOR = "return_to_vendor"  # warranty claim or credit
    RECYCLE = "recycle"
    SCRAP = "scrap"


class ReturnStatus(StrEnum):
    AWAITING_DISPOSITION = "awaiting_disposition"
    AWAITING_PICKUP = "awaiting_pickup"  # at the site, waiting for a courier
    PICKUP_SCHEDULED = "pickup_scheduled"  # on a planned courier route
    WITH_ENGINEER = "with_engineer"  # engineer carries it back
    IN_TRANSIT = "in_transit"  # collected by a courier
    DELIVERED = "delivered"  # at the facility, not yet checked in
    RECEIVED = "received"  # checked in at the facility
    PROCESSED = "processed"  # refurbished, recycled, credited…: value realised
    WRITTEN_OFF = "written_off"  # lost or abandoned
    UNCONFIRMED = "unconfirmed"  # a job expected it back but nobody logged its removal: value at risk


class JobStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Role(StrEnum):
    ENGINEER = "engineer"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"
    #: An account another system uses, with API keys instead of a password (docs/integration.md).
    INTEGRATION = "integration"


class FacilityKind(StrEnum):
    DEPOT = "depot"
    REFURBISHMENT_CENTRE = "refurbishment_centre"
    RECYCLER = "recycler"


class FacilityCapability(StrEnum):
    """What a facility can do with an item that reaches it."""

    STOCK = "stock"  # keep reusable parts in stock
    REFURBISH = "refurbish"
    VENDOR_RETURNS = "vendor_returns"  # consolidate and ship to vendors
    RECYCLE = "recycle"
    SCRAP = "scrap"
    HAZARDOUS = "hazardous"  # certified to handle hazardous material
    CROSS_DOCK = "cross_dock"  # accepts items to forward to another facility


class TravelMode(StrEnum):
    CARRY_BACK = "carry_back"
    COURIER_PICKUP = "courier_pickup"


class HolderKind(StrEnum):
    """Who or what has custody of an item."""

    SITE = "site"
    ENGINEER = "engineer"
    COURIER = "courier"
    FACILITY = "facility"


class EventOutcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class SyncEntity(StrEnum):
    """Record kinds a phone receives through pull, in snapshot order."""

    FACILITY = "facility"
    PART = "part"
    SITE = "site"
    JOB = "job"
    RETURN_LINE = "return_line"
    VAN_STOCK = "van_stock"  # the engineer's van balances, keyed "<part number id>:<grade>"
    DELIVERY = "delivery"  # a replacement on its way to the engineer's depot or one of their sites


class ChangeOp(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"  # a tombstone: deleted, or no longer in this engineer's scope


class ItemStatus(StrEnum):
    """Where a serialised item is in its life."""

    INSTALLED = "installed"  # in service at a site
    REMOVED = "removed"  # on its way back: see its return line
    IN_STOCK = "in_stock"  # at a facility, available
    DISPOSED = "disposed"  # recycled, scrapped or returned to its vendor


class PickupStatus(StrEnum):
    OPEN = "open"  # lines wait at the site; not yet on a route
    SCHEDULED = "scheduled"  # on a planned courier route, customer told
    COLLECTED = "collected"  # the courier has the items
    CANCELLED = "cancelled"  # nothing left to collect


class CustomerAnswer(StrEnum):
    CONFIRMED = "confirmed"
    NOT_READY = "not_ready"
    ANOTHER_DAY = "another_day"


class ProcessingOutcome(StrEnum):
    """What a facility finally did with a received item."""

    REFURBISHED = "refurbished"
    RESTOCKED = "restocked"
    CREDITED = "credited"  # the vendor credited a warranty claim
    RECYCLED = "recycled"
    SCRAPPED = "scrapped"
    REFURBISH_FAILED = "refurbish_failed"  # the bench could not make it sellable: decided again


class StockGrade(StrEnum):
    """What a unit in stock is fit for."""

    NEW = "new"
    REFURBISHED = "refurbished"  # refurbished or reused: as good as new for a replacement
    FAULTY = "faulty"  # received, awaiting processing
    SCRAP = "scrap"  # awaiting the recycler or disposal


class StockLocationKind(StrEnum):
    """Where stock can be: a facility (depots included), an engineer's van, a customer's site."""

    FACILITY = "facility"
    VAN = "van"
    SITE = "site"


class MovementKind(StrEnum):
    """The fact a stock movement comes from."""

    RECEIPT = "receipt"  # a returned item checked in at a facility
    PROCESSING = "processing"  # a processing outcome: faulty → refurbished, faulty → scrap, or out
    INSTALL = "install"  # a unit installed at a site leaves stock
    DELIVERY = "delivery"  # a replacement delivered: facility → depot, van or site
    TRANSFER = "transfer"  # moved between locations by staff
    STOCKTAKE = "stocktake"  # a counted correction, with its reason
    SUPPLY = "supply"  # new units bought in


class GradePolicy(StrEnum):
    """Which grades may serve a part's replacements."""

    REFURBISHED_FIRST = "refurbished_first"  # refurbished before new: the circular choice
    NEW_ONLY = "new_only"  # e.g. safety parts that must be new


class ReservationStatus(StrEnum):
    HELD = "held"  # a unit set aside for a job
    SHORT = "short"  # nothing to set aside: a shortage
    CONSUMED = "consumed"  # installed
    RELEASED = "released"  # the job no longer needs it


class DeliveryMode(StrEnum):
    DEPOT_COLLECTION = "depot_collection"  # to the engineer's depot, collected before the job
    COURIER_TO_SITE = "courier_to_site"  # to the site by courier, before the job window


class DeliveryStatus(StrEnum):
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    AT_DEPOT = "at_depot"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class ReviewKind(StrEnum):
    """Why an accepted field event waits for a dispatcher instead of changing the records."""

    REMOVAL_ELSEWHERE = "removal_elsewhere"  # the serial is installed at another site or held by someone else
    INSTALL_ELSEWHERE = "install_elsewhere"  # likewise, for an installation
    COMPLETION_AFTER_REASSIGNMENT = "completion_after_reassignment"  # the job was given to another engineer
    INSTALL_WITHOUT_REMOVAL = "install_without_removal"  # a swap job's install with no removal logged


class ReviewStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReviewAction(StrEnum):
    """How a dispatcher resolves a review item."""

    MOVE_SERIAL = "move_serial"  # do what the event says to the serial
    VOID_LINE = "void_line"  # the removal did not take that item: write its return line off
    COMPLETE_JOB = "complete_job"  # complete the job with the held completion's notes and sign-off
    DISMISS = "dismiss"  # keep the records as they are; the event stays a fact
