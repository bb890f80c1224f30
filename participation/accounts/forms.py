"""Account forms: input validation only."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from participation.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, normalise_email, password_problem
from participation.core.forms import ChoiceField, Form, options
from participation.core.i18n import lazy_gettext as _l
from participation.core.phones import normalise_mobile
from participation.core.text import SPREADSHEET_FORMULA_STARTS

DISPLAY_NAME_MIN, DISPLAY_NAME_MAX = 2, 30


def valid_email(form, field):
    try:
        normalise_email(field.data or "")
    except ValueError as exc:
        raise ValidationError(_l("Enter a valid email address, like name@example.kr.")) from exc


def printable_name(form, field):
    field.data = (field.data or "").strip()
    if any(not ch.isprintable() for ch in field.data):
        raise ValidationError(_l("Use letters, numbers and ordinary punctuation only."))


PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
    "too_long": _l("Use at most %(max)d characters.", max=MAX_PASSWORD_LENGTH),
    "common": _l("This password is too common or too simple. Choose a less predictable one."),
    "personal": _l("Do not use your email address or display name as your password."),
}


def strong_password(email_field: str | None = None, name_field: str | None = None):
    def check(form, field):
        email = getattr(form, email_field).data if email_field else getattr(form, "_email", "")
        name = getattr(form, name_field).data if name_field else getattr(form, "_display_name", "")
        problem = password_problem(field.data or "", email or "", name or "")
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])

    return check


class DistrictChoiceMixin:
    def set_district_choices(self, districts, locale: str) -> None:
        self.district_id.choices = options([("", _l("Not specified"))] + [(d.id, d.full_name_for(locale)) for d in districts])


def email_field():
    return EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254, message=_l("Use at most %(max)d characters.")), valid_email],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def display_name_field():
    return StringField(
        _l("Display name"),
        description=_l("Shown next to what you write. You may use a nickname."),
        validators=[
            DataRequired(_l("Enter a display name.")),
            Length(min=DISPLAY_NAME_MIN, max=DISPLAY_NAME_MAX, message=_l("Use %(min)d to %(max)d characters.")),
            printable_name,
        ],
        render_kw={"autocomplete": "nickname"},
    )


def district_field():
    return ChoiceField(
        _l("District (optional)"),
        description=_l("Helps show ideas near you. You can leave it empty."),
    )


class RegisterForm(DistrictChoiceMixin, Form):
    email = email_field()
    display_name = display_name_field()
    password = PasswordField(
        _l("Password"),
        description=_l("At least %(min)d characters. A few unrelated words make a good password.", min=MIN_PASSWORD_LENGTH),
        validators=[InputRequired(_l("Choose a password.")), strong_password("email", "display_name")],
        render_kw={"autocomplete": "new-password"},
    )
    district_id = district_field()
    consent = BooleanField(
        _l("I have read the privacy notice and agree to the processing of my email, display name and district."),
        validators=[DataRequired(_l("You need to agree to the privacy notice to create an account."))],
    )
    # Where the person was going when they were asked to sign in (the filing form, say): they land there.
    next = HiddenField()


class LoginForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 14 days"), default=False)
    next = HiddenField()


def korean_mobile(form, field):
    """Optional; 010-1234-5678, 010 1234 5678 or 01012345678, kept as digits. Empty removes it."""
    raw = (field.data or "").strip()
    if not raw:
        field.data = None
        return
    try:
        field.data = normalise_mobile(raw)
    except ValueError as exc:
        raise ValidationError(_l("Enter a mobile number like 010-1234-5678 (01X and 7 or 8 more digits), or leave it empty.")) from exc


class ProfileForm(DistrictChoiceMixin, Form):
    display_name = display_name_field()
    district_id = district_field()
    phone = StringField(
        _l("Mobile phone (optional)"),
        description=_l("Only to send you text messages you choose in your notification settings. Never shown to others."),
        validators=[korean_mobile],
        render_kw={"autocomplete": "tel-national", "inputmode": "tel"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least %(min)d characters. You stay signed in here; other devices are signed out.", min=MIN_PASSWORD_LENGTH),
        validators=[InputRequired(_l("Choose a new password.")), strong_password()],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = user.email if user else ""
        self._display_name = user.display_name if user else ""


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account will be deleted and cannot be restored."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class LanguageForm(Form):
    """The language switch in the header: a POST, since it changes state."""

    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


def no_formula_start(form, field):
    """Names reach exported CSVs (a panel's applicant list): one a spreadsheet would run as a formula is refused."""
    if (field.data or "").startswith(SPREADSHEET_FORMULA_STARTS):
        raise ValidationError(_l("A name cannot begin with =, +, - or @."))


def reference_name_fields():
    """The Korean (required) and English names of a piece of reference data."""
    return (
        StringField(
            _l("Name (Korean)"),
            validators=[DataRequired(_l("Enter the Korean name.")), Length(max=100, message=_l("Use at most %(max)d characters.")), printable_name,
                        no_formula_start],
        ),
        StringField(
            _l("Name (English)"),
            validators=[Optional(), Length(max=100, message=_l("Use at most %(max)d characters.")), printable_name, no_formula_start],
        ),
    )
