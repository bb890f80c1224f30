"""Flask-Login wiring: the browser session holds a sign-in token, never the user id."""
from __future__ import annotations

from flask_login import LoginManager

from participation.accounts import services
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import now


def init_login(login_manager: LoginManager) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        return services.load_session_user(token, now())
