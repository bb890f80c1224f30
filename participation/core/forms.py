"""Helpers shared by every domain's forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.text import normalize_newlines, strip_bidi_controls


def is_single_line_text(field) -> bool:
    """A one-line text input (a title, a name, a reason, a search); a password is kept exactly as typed."""
    return isinstance(field, StringField) and not isinstance(field, (TextAreaField, PasswordField))


class Form(FlaskForm):
    """The base of every form.

    Bidirectional controls (U+202A-U+202E, U+2066-U+2069, LRM, RLM, ALM) are removed from every
    one-line text field before it is validated: in a title or a name they reorder the text around
    them ("safe\u202etxt.exe" reads as "safeexe.txt"), in the page heading and the browser tab alike.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if is_single_line_text(field):
                field.filters = (strip_bidi_controls, *field.filters)
            return field


def optional_int(value):
    """Coerce a select's value to an int, with the empty option meaning None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def options(pairs) -> list[SelectChoice]:
    """Build select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class TextField(TextAreaField):
    """A textarea whose length limits count a line break once, however the browser sent it."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = normalize_newlines(self.data)


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is a message people understand."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        self._bad_value = False
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            self._bad_value = True

    def pre_validate(self, form):
        allowed = {self.coerce(SelectChoice.from_input(choice).value) for choice in (self.choices or [])}
        if getattr(self, "_bad_value", False) or self.data not in allowed:
            raise ValidationError(_l("Choose one of the options."))


class CheckboxListField(SelectMultipleField):
    """A multiple choice rendered as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {self.coerce(SelectChoice.from_input(choice).value) for choice in (self.choices or [])}
        if any(value not in allowed for value in (self.data or [])):
            raise ValidationError(_l("Choose one of the options."))


def error_items(form):
    """Every (field id, label, message) of a form, nested forms included, for the error summary."""
    for field in form:
        if field.type in ("CSRFTokenField", "HiddenField"):
            continue
        if field.type == "FieldList":
            for entry in field.entries:
                if entry.type == "FormField":
                    yield from error_items(entry.form)
            continue
        if field.type == "FormField":
            yield from error_items(field.form)
            continue
        # A group of radios or checkboxes is reached through its first option (a list cannot take focus).
        target = f"{field.id}-0" if field.type in ("RadioField", "CheckboxListField") else field.id
        for message in field.errors:
            yield target, field.label.text, message


def add_service_error(form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it concerns, or at the top of the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


def perform(form, action):
    """Run a form's one service call in one write transaction (core.db.write_transaction):
    committed on success, rolled back with the refusal shown on the form otherwise.

    Returns (succeeded, the service's result).
    """
    from participation.core.db import write_transaction

    try:
        with write_transaction():
            result = action()
    except ServiceError as exc:
        add_service_error(form, exc)
        return False, None
    return True, result


def perform_and_flash(action) -> bool:
    """Run a button's one service call (no form) in one write transaction; flash the refusal if any."""
    from flask import flash

    from participation.core.db import write_transaction

    try:
        with write_transaction():
            action()
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return False
    return True


def form_status(form) -> int:
    """422 when the page shows a form with errors, so clients and tests can tell; else 200."""
    return 422 if (form.errors or form.form_errors) else 200
