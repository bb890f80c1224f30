"""Registration, sign-in, the account pages and the language switch."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from participation.accounts import devices, permissions, services
from participation.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
)
from participation.accounts.models import District, User
from participation.accounts.passwords import normalise_email
from participation.accounts.reference import active_districts
from participation.core.db import write_transaction
from participation.core.forms import form_status, perform
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required, require
from participation.core.time import now
from participation.core.web import safe_next
from participation.extensions import db, limiter

bp = Blueprint("accounts", __name__)


@bp.record
def _template_globals(state):
    state.app.jinja_env.globals.update(permissions=permissions)


@bp.app_context_processor
def _account_helpers():
    return {"language_form": LanguageForm(formdata=None)}


def _login_account_key() -> str:
    """Rate-limit key for one account: the normalised email typed into the form."""
    raw = request.form.get("email", "")
    try:
        return "login-account:" + normalise_email(raw)
    except ValueError:
        return "login-account:" + raw.strip().lower()[:254]


def _known_device() -> str | None:
    """The id of this browser if it has signed in to the typed account before (see accounts.devices)."""
    if "login_device" not in g:
        email = request.form.get("email", "")
        user = services.find_user_by_email(email) if len(email) <= 254 else None
        g.login_device = devices.device_vouching_for(user, now())
    return g.login_device


def _login_device_key() -> str:
    return "login-device:" + (_known_device() or "")


def _password_was_wrong(response) -> bool:
    # Only an attempt whose password was checked, and failed, counts against a limit: an empty
    # or malformed form tests no password, and counting it would let anyone use up the budget
    # that every empty submission shares.
    return bool(g.get("sign_in_failed"))


def _district(district_id: int | None) -> District | None:
    return db.session.get(District, district_id) if district_id else None




def _sign_in(user: User, remember: bool, password: str | None = None) -> None:
    """Call inside a write transaction. A fresh session on every sign-in: nothing from before survives (no fixation)."""
    lang = session.get("lang")
    session.clear()
    services.start_session(user, now(), remember=remember, password=password)
    login_user(user, remember=remember)
    session["lang"] = user.locale or lang or current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def register():
    if not permissions.can_register(current_user):
        flash(_("You already have an account and are signed in with it."), "info")
        return redirect(url_for("accounts.account"))
    form = RegisterForm(next=request.args.get("next", ""))
    form.set_district_choices(active_districts(), str(get_locale()))
    if form.validate_on_submit():

        def register_and_sign_in():
            user = services.register_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                district=_district(form.district_id.data),
                now=now(),
            )
            _sign_in(user, remember=False)
            return user

        done, user = perform(form, register_and_sign_in)
        if done:
            flash(_("Welcome! Your account has been created."), "success")
            return devices.remember_device(redirect(safe_next(form.next.data, "accounts.account")), user, now())
    return render_template("accounts/register.html", form=form), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
# A browser that has signed in to the typed account before has a budget of its own instead of the
# account's and the address's, so that an attacker's failures never lock the owner out there.
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=_password_was_wrong,
    exempt_when=lambda: _known_device() is not None,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_password_was_wrong,
    exempt_when=lambda: _known_device() is not None,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_DEVICE"],
    key_func=_login_device_key,
    methods=["POST"],
    deduct_when=_password_was_wrong,
    exempt_when=lambda: _known_device() is None,
)
def login():
    require(permissions.can_sign_in(current_user))
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), "accounts.account"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user, failure = services.check_credentials(form.email.data, form.password.data)
        checked_hash = user.password_hash if user is not None else None
        with write_transaction():
            if not failure and not services.still_valid(user, checked_hash):
                failure = "changed_meanwhile"  # the password changed or the account went while we checked
            if failure:
                services.record_failed_sign_in(user, failure, now())
            else:
                _sign_in(user, remember=form.remember.data, password=form.password.data)
        if failure:
            g.sign_in_failed = True
            form.form_errors.append(_l("The email or password is not correct."))
        else:
            flash(_("You are signed in."), "success")
            return devices.remember_device(redirect(safe_next(form.next.data, "accounts.account")), user, now())
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.route("/logout", methods=["POST"])
def logout():
    # CSRFProtect has already checked this POST's token.
    require(permissions.can_manage_own_account(current_user))
    with write_transaction():
        services.record_logout(current_user, now())
    lang = session.get("lang")
    session.clear()
    logout_user()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/account", methods=["GET", "POST"])
@permission_required(permissions.can_manage_own_account)
def account():
    form = ProfileForm(obj=current_user)
    form.set_district_choices(active_districts(), str(get_locale()))
    if form.validate_on_submit():
        with write_transaction():
            services.update_profile(
                current_user, display_name=form.display_name.data, district=_district(form.district_id.data), now=now(),
                phone=form.phone.data,
            )
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@permission_required(permissions.can_manage_own_account)
def change_password():
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        done, _result = perform(
            form, lambda: services.change_password(current_user, form.current_password.data, form.new_password.data, now())
        )
        if done:
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return devices.remember_device(redirect(url_for("accounts.account")), current_user, now())
    return render_template("accounts/password.html", form=form), form_status(form)


@bp.route("/account/delete", methods=["GET", "POST"])
@permission_required(permissions.can_manage_own_account)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.delete_account(current_user, form.password.data, now()))
        if done:
            session.clear()
            logout_user()
            flash(_("Your account has been deleted. What you wrote in public remains, without your name."), "success")
            return redirect(url_for("core.index"))
    return render_template("accounts/delete.html", form=form), form_status(form)


@bp.route("/users/<int:user_id>")
def profile(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if not permissions.can_view_profile(current_user, user):
        abort(404)
    return render_template("accounts/profile.html", user=user)


@bp.route("/language", methods=["POST"])
def set_language():
    require(permissions.can_choose_language(current_user))
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        with write_transaction():
            services.set_locale(current_user, form.lang.data)
    return redirect(safe_next(form.next.data))
