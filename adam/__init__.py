"""ADAM: the Automated Donor Assistance Mechanism (who is doing what, where and when)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

# Flask and the extensions are imported by the functions that use them, not here: every `import adam.<module>`
# runs this file first, and the IATI import's parse workers (fresh interpreters) need only adam.iati's parsing
# and mapping, not the web stack (about 0.5 s of CPU per worker).
if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    from flask import Flask

    from adam.config import load_config

    import os

    # instance/ holds the default SQLite file, the development secret and uploads waiting to be imported.
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("ADAM_INSTANCE_PATH") or ROOT / "instance"
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Path(instance).resolve()),
    )
    app.config.update(load_config(Path(app.instance_path), config))
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    import adam.models  # noqa: F401  (every table on the metadata)
    from adam import i18n
    from adam.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = lazy_gettext("Please log in to access this page.")
    i18n.register(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from adam.models import User

        user = db.session.get(User, int(user_id))
        return user if user and user.active else None


def register_blueprints(app: Flask) -> None:
    from adam.accounts.routes import bp as accounts_bp
    from adam.admin.routes import bp as admin_bp
    from adam.api import init_api
    from adam.exchange.routes import bp as exchange_bp
    from adam.main.routes import bp as main_bp
    from adam.notifications.routes import bp as notifications_bp
    from adam.notifications.routes import register as register_notifications
    from adam.overlap_web.routes import bp as overlap_bp
    from adam.projects.routes import bp as projects_bp
    from adam.search.routes import bp as search_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(overlap_bp)
    app.register_blueprint(notifications_bp)
    register_notifications(app)
    init_api(app)


def register_commands(app: Flask) -> None:
    from adam.cli import register
    from adam.exchange.cli import register as register_exchange

    register(app)
    register_exchange(app)


def register_errorhandlers(app: Flask) -> None:
    from adam.errors import register

    register(app)


def register_security(app: Flask) -> None:
    from adam.security import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from adam import formatting, navigation

    formatting.register(app)
    navigation.register(app)
