"""Gongron (공론): the application factory."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, CONFIGS, INSTANCE_DIR


def create_app(config: str | type | None = None, overrides: dict | None = None) -> Flask:
    """Build the app. `config` is a name from config.CONFIGS or a class; GONGRON_CONFIG picks by default."""
    if config is None:
        config = os.environ.get("GONGRON_CONFIG", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config_class)
    if hasattr(config_class, "from_environment"):
        app.config.update(config_class.from_environment())
    if overrides:
        app.config.update(overrides)
    INSTANCE_DIR.mkdir(exist_ok=True)

    proxies = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from participation import demo
    from participation.accounts import auth
    from participation.accounts import cli as accounts_cli
    from participation.core import cli as core_cli
    from participation.core import db as _sqlite_settings  # noqa: F401  (engine event hooks)
    from participation.core import origin, web
    from participation.extensions import babel, csrf, db, limiter, login_manager, migrate
    from participation.scheduler import cli as scheduler_cli
    from participation.scheduler import scheduling
    from participation.voting import cli as voting_cli

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=web.select_locale,
        default_translation_directories=str(BASE_DIR / "participation" / "translations"),
    )
    login_manager.init_app(app)
    auth.init_login(login_manager)

    web.init_url_converters(app)
    _register_blueprints(app)
    if os.environ.get("GONGRON_BENCH") == "1":
        # The benchmark's ceiling: the same app and middleware, a view that does nothing.
        app.add_url_rule("/_bench/noop", "bench_noop", lambda: "ok")
    web.init_app(app)
    origin.init_app(app)
    core_cli.init_app(app)
    accounts_cli.init_app(app)
    demo.init_app(app)
    voting_cli.init_app(app)
    scheduler_cli.init_app(app)
    # Only for `make run` (SCHEDULER_IN_PROCESS); production runs `flask scheduler run` on its own.
    scheduling.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from participation.accounts.views import bp as accounts_bp
    from participation.admin.views import bp as admin_bp
    from participation.api.docs_views import bp as api_docs_bp
    from participation.api.key_views import bp as api_keys_bp
    from participation.api.v1 import bp as api_v1_bp
    from participation.civil_requests.views import bp as civil_requests_bp
    from participation.core.views import bp as core_bp
    from participation.deliberation.views import bp as deliberation_bp
    from participation.ideas.views import bp as ideas_bp
    from participation.notifications.views import bp as notifications_bp
    from participation.open311.views import bp as open311_bp
    from participation.outcomes.views import bp as outcomes_bp
    from participation.panels.views import bp as panels_bp
    from participation.responses.views import bp as responses_bp
    from participation.rounds.views import bp as rounds_bp
    from participation.voting.views import bp as voting_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(ideas_bp)
    app.register_blueprint(deliberation_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(responses_bp)
    app.register_blueprint(panels_bp)
    app.register_blueprint(civil_requests_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_keys_bp, url_prefix="/admin/api-keys")
    app.register_blueprint(api_v1_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(api_docs_bp)
