"""Plain record maintenance (Flask-Admin) under /console/admin, behind the console's sign-in.

Every view needs a staff session and checks the CSRF token of every POST; users
are an admin's business. Password hashes, token digests and webhook secrets are
never listed, shown or put in a form. The views wear the console's header and
navigation, and a record that cannot be saved or deleted says why in words.
"""

import math

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import Select2Field
from flask_admin.model.form import converts
from flask_admin.theme import Bootstrap4Theme
from sqlalchemy.exc import IntegrityError
from wtforms import FloatField
from wtforms.validators import NumberRange, Optional, ValidationError

import sqlalchemy as sa

from common.enums import Role
from common.validation import serial_pattern_problem
from server.logistics.source_records import OWNED_FIELDS
from server.console.security import csrf, signed_in_user
from server.extensions import db
from server.models import Customer, Facility, PartNumber, Site, StockTarget, User, Vehicle
from server.notify.webhook_targets import RefusedTarget, check_target

URL = "/console/admin"


class _StaffOnly:
    admin_only = False

    def is_accessible(self) -> bool:
        user = signed_in_user()
        return user is not None and (not self.admin_only or user.role == Role.ADMIN)

    def inaccessible_callback(self, name, **kwargs):
        if signed_in_user() is None:
            return redirect(url_for("console_auth.sign_in", next=request.full_path.rstrip("?")))
        return render_template("console/error.html", code=403, title="Forbidden",
                               message="Only an admin may maintain these records."), 403

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        csrf.protect()
        return None


class StaffIndexView(_StaffOnly, AdminIndexView):
    def is_visible(self) -> bool:
        return False  # it only leads to the catalogue

    @expose("/")
    def index(self):
        return redirect(url_for("catalogue.index_view"))


def _finite(form, field):
    # Phones pull these numbers as JSON, which has no Infinity or NaN.
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError("Enter a finite number.")


class RecordConverter(AdminModelConverter):
    """Flask-Admin's converter, with a field for float columns (weights, volumes, coordinates) and for enums."""

    @converts("Float", "Double")
    def handle_float(self, column, field_args, **extra) -> FloatField:
        field_args["validators"].append(_finite)
        return FloatField(**field_args)

    @converts("Enum")
    def convert_enum(self, column, field_args, **extra) -> Select2Field:
        # Flask-Admin's own field matches a stored value by the member's name, which is not what
        # Fieldloop stores: an edit form would preselect nothing and save its first choice.
        enum = column.type.enum_class
        self._nullable_common(column, field_args)
        field_args["choices"] = [(member.value, member.value.replace("_", " ")) for member in enum]
        field_args["coerce"] = lambda v: enum(v) if v not in (None, "", "__None") else None
        if column.nullable:
            field_args["allow_blank"] = True
        return Select2Field(**field_args)


class StaffModelView(_StaffOnly, ModelView):
    can_view_details = True
    can_export = False
    page_size = 50
    model_form_converter = RecordConverter

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, IntegrityError):
            flash(integrity_message(exc, self.name), "error")
            return True
        return super().handle_view_exception(exc)


class SourceOwnedView(StaffModelView):
    """A record another system may own (docs/integration.md, "Who owns what"): its source and external id are
    not edited here, and a change of a field its source owns is refused, naming the field, with nothing saved."""

    #: The record kind of server/logistics/source_records.py whose owned fields apply.
    owned_kind: str

    def on_model_change(self, form, model, is_created) -> None:
        if is_created or model.source is None:
            return
        state = sa.inspect(model)
        changed = [name for name in OWNED_FIELDS[self.owned_kind]
                   if self._attribute(name) in state.attrs and state.attrs[self._attribute(name)].history.has_changes()]
        if changed:
            raise ValidationError(f"Not saved: {', '.join(changed)} of this record are owned by {model.source}: "
                                  "change them there.")

    @staticmethod
    def _attribute(name: str) -> str:
        # A form edits a foreign key through its relationship (customer, not customer_id).
        return name.removesuffix("_id") if name.endswith("_id") else name


def integrity_message(exc: IntegrityError, records: str) -> str:
    """What a refused save or delete means to the person who tried it (never the SQL)."""
    # SQLite and PostgreSQL word their constraint errors differently; both name the kind.
    reason = str(exc.orig).lower()
    if "foreign key" in reason:
        return (f"Not done: other records still use this one ({records.lower()} in use by return lines, jobs, "
                "stock or installed items cannot be deleted). Keep it, or change those records first.")
    if "unique" in reason or "duplicate" in reason:
        return f"Not saved: another record of the {records.lower()} already has that value."
    return "Not saved: a required value is missing or not allowed. Check the fields and try again."


def _safe_serial_pattern(form, field) -> None:
    if field.data and (problem := serial_pattern_problem(field.data)) is not None:
        raise ValidationError(problem)


class CatalogueView(SourceOwnedView):
    owned_kind = "part"
    column_list = ("part_number", "description", "category", "vendor", "serialised", "new_price", "weight_kg",
                   "hazardous", "grade_policy", "refurbishment_hours", "source")
    column_searchable_list = ("part_number", "description", "vendor")
    column_filters = ("category", "vendor", "hazardous")
    form_excluded_columns = ("updated_at", "source", "external_id")
    form_args = {
        "serial_pattern": {"validators": [_safe_serial_pattern]},
        "embodied_co2e_kg": {"validators": [Optional(), NumberRange(min=0)]},
        "material_recovery_share": {"validators": [Optional(), NumberRange(min=0, max=1)]},
    }


class SiteView(SourceOwnedView):
    owned_kind = "site"
    column_list = ("customer", "name", "address", "postcode", "latitude", "longitude", "source")
    column_searchable_list = ("name", "address", "postcode")
    form_excluded_columns = ("updated_at", "source", "external_id")


class ContactView(SourceOwnedView):
    """The people to tell about a site's pickups."""

    owned_kind = "site"
    can_create = False
    can_delete = False
    column_list = ("customer", "name", "contact_name", "contact_email", "contact_phone")
    column_searchable_list = ("name", "contact_name", "contact_email")
    form_columns = ("contact_name", "contact_email", "contact_phone")


def _webhook_url_allowed(form, field) -> None:
    if not field.data:
        return
    try:
        check_target(field.data, allow_loopback=current_app.config["WEBHOOK_ALLOW_LOOPBACK"])
    except RefusedTarget as err:
        raise ValidationError(str(err)) from err
    except OSError as err:
        raise ValidationError("The webhook's host name cannot be found.") from err


class CustomerView(SourceOwnedView):
    owned_kind = "customer"
    column_list = ("name", "webhook_url", "created_at", "source")
    column_details_list = ("name", "webhook_url", "created_at")
    column_searchable_list = ("name",)
    form_columns = ("name", "webhook_url")
    form_args = {"webhook_url": {"validators": [_webhook_url_allowed]}}


class FacilityView(StaffModelView):
    column_list = ("code", "name", "kind", "address", "daily_capacity_items")
    column_searchable_list = ("code", "name")
    form_excluded_columns = ("updated_at",)


class VehicleView(StaffModelView):
    column_list = ("name", "depot", "capacity_weight_kg", "capacity_volume_l", "shift_start", "shift_end", "active")
    form_columns = ("name", "depot", "capacity_weight_kg", "capacity_volume_l", "shift_start", "shift_end",
                    "cost_per_km", "fixed_cost", "active")


class StockTargetView(StaffModelView):
    """The ready units (new + refurbished) a facility should hold of a part: the engine's need reads them."""

    column_list = ("facility", "part", "quantity", "updated_at")
    form_columns = ("facility", "part", "quantity")
    form_args = {"quantity": {"validators": [NumberRange(min=0, max=100_000)]}}


class UserView(StaffModelView):
    """Edit people (role, contact, active); accounts are created on the console's Users page."""

    admin_only = True
    can_create = False
    can_delete = False
    column_list = ("username", "display_name", "role", "email", "phone", "active", "created_at")
    column_details_list = column_list
    column_searchable_list = ("username", "display_name", "email")
    form_columns = ("display_name", "email", "phone", "role", "active", "home_facility_id")

    # Integration accounts are managed, with their keys, on the Integrations page.
    def get_query(self):
        return super().get_query().filter(User.role != Role.INTEGRATION)

    def get_count_query(self):
        return super().get_count_query().filter(User.role != Role.INTEGRATION)

    def get_one(self, id):
        user = super().get_one(id)
        return None if user is None or user.role == Role.INTEGRATION else user


def register_admin(app: Flask) -> Admin:
    admin = Admin(
        name="Fieldloop records", url=URL, endpoint="console_admin",
        index_view=StaffIndexView(url=URL, endpoint="console_admin"),
        theme=Bootstrap4Theme(swatch="default", fluid=True, base_template="console/admin_base.html"),
    )
    admin.add_view(CatalogueView(PartNumber, db, name="Catalogue", endpoint="catalogue"))
    admin.add_view(SiteView(Site, db, name="Sites", endpoint="sites"))
    admin.add_view(ContactView(Site, db, name="Contacts", endpoint="contacts"))
    admin.add_view(CustomerView(Customer, db, name="Customers", endpoint="customers"))
    admin.add_view(FacilityView(Facility, db, name="Facilities", endpoint="facilities"))
    admin.add_view(VehicleView(Vehicle, db, name="Vehicles", endpoint="vehicles"))
    admin.add_view(StockTargetView(StockTarget, db, name="Stock targets", endpoint="stock_targets"))
    admin.add_view(UserView(User, db, name="Users", endpoint="users"))
    admin.init_app(app)
    return admin
