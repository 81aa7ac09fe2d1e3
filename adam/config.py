"""Configuration: defaults first, then the environment; no secrets in the repository."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    """A development secret generated once and kept in instance/ so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _normalise_database_url(url: str) -> str:
    # Heroku-style and plain postgres URLs must use the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class ConfigError(RuntimeError):
    pass


def _whole_number(name: str, default: int) -> int:
    """A setting that must be a whole number of at least 0: a clear refusal naming it, not a ValueError."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {raw!r}")
    return value


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the settings dictionary for create_app.

    ADAM_ENV=production refuses to start without SECRET_KEY from the environment.
    """
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or os.environ.get("ADAM_ENV", "development")
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'adam.sqlite3'}"
    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set in the environment when ADAM_ENV=production")
        secret = _instance_secret(instance_path)
    production = env == "production"
    config = {
        "ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or os.environ.get("SESSION_COOKIE_SECURE") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PROJECTS_PER_PAGE": 25,
        # Failed-login throttling: after LOGIN_MAX_FAILURES failures the account waits LOGIN_LOCK_SECONDS.
        "LOGIN_MAX_FAILURES": _whole_number("ADAM_LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_SECONDS": _whole_number("ADAM_LOGIN_LOCK_SECONDS", 300),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_LOGIN": os.environ.get("ADAM_RATELIMIT_LOGIN", "20 per minute"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_API": os.environ.get("ADAM_RATELIMIT_API", "600 per minute"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": _whole_number("MAIL_PORT", 25),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "adam@localhost"),
        "PUBLIC_READ_ONLY": os.environ.get("ADAM_PUBLIC_READ_ONLY") == "1",
        # An IATI upload whose worker has not shown it is alive for this long is shown as interrupted.
        "IMPORT_JOB_STALE_SECONDS": _whole_number("ADAM_IMPORT_JOB_STALE_SECONDS", 300),
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    return config
