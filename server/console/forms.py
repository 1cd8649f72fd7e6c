"""The console's forms (Flask-WTF: each POST form carries its CSRF token) and how a
use case's field errors land on them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, EmailField, FieldList, Form, FormField, HiddenField, IntegerField,
    PasswordField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import (
    DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError,
)

from wtforms.widgets import HiddenInput

from common.enums import CustomerAnswer, Disposition, ReturnStatus, ReviewAction, Role, StockGrade
from common.schemas import MAX_RECORD_ID
from server.console.listings import AGE_BUCKETS
from server.console.wording import label, today_in
from server.models.jobs import EXPECTED_PART_ACTIONS
from server.models.types import utcnow
from server.services.errors import ServiceError
from server.services.master_data.imports import KIND_NAMES
from server.services.work.jobs import window_errors
from server.services.accounts.passwords import validate_new_password
from server.services.sync.reviews import MAX_COMMENT_LENGTH
from server.services.returns.period import period_errors

#: Empty expected-part rows on a new job form, and the most a job lists.
EXPECTED_PART_ROWS = 3
MAX_EXPECTED_PARTS = 30


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _today() -> date:
    return today_in(current_app.config["SITE_TIMEZONE"])


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def _choices(enum, blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(m.value, label(m)) for m in enum]


def show_errors(form: FlaskForm, err: ServiceError) -> None:
    """Put a use case's field errors under the form's fields (``site_id`` under ``site``); the rest above."""
    placed = False
    for name, messages in (err.errors or {}).items():
        messages = messages if isinstance(messages, list) else [str(messages)]
        name = name if name in form._fields else name.removesuffix("_id")
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + messages
            placed = True
        else:
            form.form_errors.extend(messages)
            placed = True
    if not placed:
        form.form_errors.append(err.message)


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class ReturnFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=100)],
                    description="Serial, part number, description or site")
    status = SelectField("Status", choices=_choices(ReturnStatus, "Any status"), validators=[Optional()])
    disposition = SelectField("Disposition", choices=_choices(Disposition, "Any disposition"), validators=[Optional()])
    site = SelectField("Site", coerce=_optional_int, validators=[Optional()], validate_choice=True)
    engineer = SelectField("Engineer", coerce=_optional_int, validators=[Optional()], validate_choice=True)
    part_number = StringField("Part number", validators=[Optional(), Length(max=64)])
    age = SelectField("Age", choices=[("", "Any age")] + [(k, k) for k in AGE_BUCKETS],
                      validators=[Optional()])
    overdue = BooleanField("Overdue only")


class OverrideForm(FlaskForm):
    disposition = SelectField("New disposition", choices=[(d.value, label(d)) for d in Disposition],
                              validators=[InputRequired()])
    facility = SelectField("Destination", coerce=_optional_int, validators=[Optional()],
                           description="Leave on “chosen by the engine” to send it to the best facility for it.")
    comment = TextAreaField("Why (required)", validators=[
        DataRequired("A comment is required: say why you override the engine."), Length(max=2000)])


class PlanDayForm(FlaskForm):
    day = DateField("Day", validators=[InputRequired("Pick a day.")])


class MovePickupForm(FlaskForm):
    pickup_id = IntegerField(widget=HiddenInput(), validators=[
        InputRequired("Choose a pickup."), NumberRange(1, MAX_RECORD_ID, "There is no such pickup.")])
    new_day = DateField("Move to", validators=[InputRequired("Pick the new day.")])

    def validate_new_day(self, field):
        if field.data and field.data <= _today():
            raise ValidationError("Choose a day after today.")


class ExpectedPartForm(Form):
    """One row of a job's expected parts; a row without a part number is left out."""

    part_number = StringField("Part number", validators=[Optional(), Length(max=64)])
    quantity = IntegerField("Quantity", default=1, validators=[Optional(), NumberRange(1, 1000, "From 1 to 1000.")])
    action = SelectField("To do", choices=[(a, a.capitalize()) for a in EXPECTED_PART_ACTIONS])

    def validate(self, extra_validators=None) -> bool:
        if not (self.part_number.data or "").strip():
            return True  # an empty row: nothing to check, nothing to keep
        return super().validate(extra_validators)


class JobForm(FlaskForm):
    """A new job. `sites` maps the labels of the site picker to site ids; `catalogue` lists
    (part number, description) for the expected parts."""

    site = StringField("Site", validators=[InputRequired("Choose a site."), Length(max=400)],
                       description="Type part of the site's or the customer's name and pick it from the list.")
    engineer = SelectField("Engineer", coerce=_optional_int, validators=[Optional()])
    summary = StringField("Summary", validators=[DataRequired("Say what the job is."), Length(max=300)])
    window_start = DateTimeLocalField("From", validators=[InputRequired("When does the window start?")])
    window_end = DateTimeLocalField("To", validators=[InputRequired("When does the window end?")])
    parts = FieldList(FormField(ExpectedPartForm), "Expected parts", min_entries=EXPECTED_PART_ROWS,
                      max_entries=MAX_EXPECTED_PARTS)

    def __init__(self, *args, sites: dict[str, int], catalogue: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.sites, self.catalogue = sites, catalogue
        self.part_numbers = {number for number, _ in catalogue}

    @property
    def site_id(self) -> int | None:
        return self.sites.get((self.site.data or "").strip())

    def validate_site(self, field):
        if self.site_id is None:
            raise ValidationError(f"No site “{field.data.strip()}”: pick one from the list as you type.")

    def validate_parts(self, field):
        for row in field:
            number = (row.part_number.data or "").strip()
            if number and number not in self.part_numbers:
                row.part_number.errors = [*row.part_number.errors, f"{number} is not in the catalogue: pick a part "
                                                                   "number from the list."]
                raise ValidationError("Check the expected parts.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, messages in window_errors(*self.window(), utcnow()).items():
            if not self[name].errors:
                self[name].errors = [*self[name].errors, *messages]
                valid = False
        return valid

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The window in the site's time zone (the console's)."""
        zone = ZoneInfo(current_app.config["SITE_TIMEZONE"])
        return tuple(None if f.data is None else f.data.replace(tzinfo=zone) for f in (self.window_start, self.window_end))

    def expected_parts(self) -> list[dict]:
        return [{"part_number": row.part_number.data.strip(), "quantity": row.quantity.data or 1,
                 "action": row.action.data} for row in self.parts if (row.part_number.data or "").strip()]


class ReassignForm(FlaskForm):
    engineer = SelectField("Engineer", coerce=_optional_int, validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ImportForm(FlaskForm):
    kind = SelectField("What", choices=[(kind, name.capitalize()) for kind, name in KIND_NAMES.items()])
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])


class ExportForm(FlaskForm):
    """The returns export's period: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    since = DateField("Created from", validators=[Optional()])
    until = DateField("to", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, messages in period_errors(self.since.data, self.until.data).items():
            self[name].errors = [*self[name].errors, *messages]
            valid = False
        return valid


class ConfirmImportForm(FlaskForm):
    kind = HiddenField(validators=[InputRequired()])
    content = HiddenField(validators=[InputRequired()])


def _valid_new_password(form, field):
    try:
        validate_new_password(field.data or "")
    except ValueError as err:
        raise ValidationError(str(err)) from err


class CreateUserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(min=2, max=80)])
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Not an email address."),
                                            Length(max=254)])
    role = SelectField("Role", choices=[(Role.ENGINEER.value, "Engineer"), (Role.DISPATCHER.value, "Dispatcher")])
    password = PasswordField("Password", validators=[DataRequired(), _valid_new_password],
                             description="At least 10 characters; tell it to the person, who can change it later.")

    def validate_username(self, field):
        if not field.data.replace(".", "").replace("-", "").replace("_", "").isalnum():
            raise ValidationError("Use letters, digits, dots, dashes and underscores only.")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)],
                                     description="After a reset: the password you were given.")
    new_password = PasswordField("New password", validators=[_valid_new_password, Length(max=200)],
                                 description="At least 10 characters.")
    new_password_again = PasswordField("New password again", validators=[
        EqualTo("new_password", "The two new passwords differ.")])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("Temporary password", validators=[_valid_new_password, Length(max=200)],
                                 description="At least 10 characters; tell it to the person, who must change it "
                                             "when they next sign in.")


class CustomerAnswerForm(FlaskForm):
    """The buttons send `answer`; the date goes with "another day"."""

    answer = StringField(validators=[InputRequired("Choose one of the answers.")])
    another_day = DateField("Another day", validators=[Optional()])

    @property
    def max_days(self) -> int:
        """How far ahead a customer may push a pickup: the planning horizon."""
        return current_app.config["PLAN_HORIZON_DAYS"]

    def __init__(self, *args, open_weekdays: set[int] = frozenset(range(5)), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_weekdays = open_weekdays

    def validate_answer(self, field):
        if field.data not in {a.value for a in CustomerAnswer}:
            raise ValidationError("Choose one of the answers.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        problem = self._another_day_problem()
        if problem:
            self.another_day.errors = [*self.another_day.errors, problem]
        return valid and problem is None

    def _another_day_problem(self) -> str | None:
        if self.answer.data != CustomerAnswer.ANOTHER_DAY or self.another_day.errors:
            return None
        day = self.another_day.data
        if day is None:
            return "Choose the day that suits you."
        today = _today()
        if day <= today:
            return "Choose a day after today."
        if day > today + timedelta(days=self.max_days):
            return f"Choose a day within the next {self.max_days} days."
        if day.weekday() not in self.open_weekdays:
            days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.open_weekdays))
            return f"Your site is closed on {WEEKDAY_NAMES[day.weekday()]}s: choose {days}."
        return None


class ResolveReviewForm(FlaskForm):
    """One review item's resolution; the use case checks that the action fits the item's kind."""

    action = SelectField("Resolution", choices=[(a.value, label(a)) for a in ReviewAction], validators=[InputRequired()])
    comment = TextAreaField("Why (required)", validators=[
        DataRequired("A comment is required: say why you resolve it so."), Length(max=MAX_COMMENT_LENGTH)])



_GRADE_CHOICES = [(g.value, label(g)) for g in StockGrade]


class TransferForm(FlaskForm):
    """Units moved between two stock locations (choices set by the page); the use case checks the rest."""

    part_number = StringField("Part number", validators=[DataRequired("Which part number?"), Length(max=64)])
    grade = SelectField("Grade", choices=_GRADE_CHOICES)
    quantity = IntegerField("Units", validators=[InputRequired("How many units?"), NumberRange(min=1, max=100_000)])
    from_location = SelectField("From", choices=[], validate_choice=False)
    to_location = SelectField("To", choices=[], validate_choice=False)
    reason = StringField("Reason (required)", validators=[DataRequired("Say why the units moved."), Length(max=300)])


class StocktakeForm(FlaskForm):
    """A counted quantity at one location; the ledger gets the correcting movement."""

    part_number = StringField("Part number", validators=[DataRequired("Which part number?"), Length(max=64)])
    grade = SelectField("Grade", choices=_GRADE_CHOICES)
    location = SelectField("Location", choices=[], validate_choice=False)
    counted = IntegerField("Counted", validators=[InputRequired("How many did you count?"),
                                                  NumberRange(min=0, max=100_000)])
    reason = StringField("Reason (required)", validators=[DataRequired("Say why you counted."), Length(max=300)])


class CreateIntegrationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                       description="The other system, e.g. Acme ERP.")
    source = StringField("Source", validators=[DataRequired(), Length(max=40)],
                         description="Marks every record it sends: lower-case letters, digits, '.', '_' or '-'.")


class IssueKeyForm(FlaskForm):
    label = StringField("Label", validators=[DataRequired(), Length(max=120)],
                        description="Where the key is used, e.g. production.")


class WebhookForm(FlaskForm):
    url = StringField("Webhook URL", validators=[Length(max=500)],
                      description="Where each feed event is posted; empty: no webhook.")
    secret = PasswordField("Secret", validators=[Length(max=128)],
                           description="Signs every delivery (HMAC-SHA256); the receiver checks it.")


class ReconcileForm(FlaskForm):
    """A balance file from the source system and the day it is of."""

    as_of = DateField("Balances as of the end of", validators=[InputRequired("Which day are the balances of?")])
    file = FileField("Balance file (CSV)", validators=[FileRequired("Choose the balance file.")])


class LedgerExportForm(FlaskForm):
    """The stock downloads' days: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    as_of = DateField("Balances at the end of", validators=[Optional()])
    since = DateField("Movements from", validators=[Optional()])
    until = DateField("to (inclusive)", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.since.data and self.until.data and self.until.data < self.since.data:
            self.until.errors = [*self.until.errors, "The period ends before it starts."]
            valid = False
        return valid
