from pathlib import Path

import pytest

from adam.config import ConfigError, load_config


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ADAM_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path)


def test_development_secret_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ADAM_ENV", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_sqlite_file_under_instance_by_default_and_postgres_uses_psycopg3(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{Path(tmp_path) / 'adam.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_adam_instance_path_moves_the_instance_folder(tmp_path, monkeypatch):
    from adam import ROOT, create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ADAM_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app()
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elsewhere' / 'adam.sqlite3'}"
    assert (tmp_path / "elsewhere" / "secret_key").exists()  # the development secret is kept there too
    monkeypatch.delenv("ADAM_INSTANCE_PATH")
    assert create_app({"SECRET_KEY": "x"}).instance_path == str(ROOT / "instance")


def test_an_import_job_is_judged_interrupted_after_five_silent_minutes_unless_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("ADAM_IMPORT_JOB_STALE_SECONDS", raising=False)
    assert load_config(tmp_path)["IMPORT_JOB_STALE_SECONDS"] == 300
    monkeypatch.setenv("ADAM_IMPORT_JOB_STALE_SECONDS", "900")
    assert load_config(tmp_path)["IMPORT_JOB_STALE_SECONDS"] == 900


def test_a_number_setting_that_is_not_one_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAM_LOGIN_MAX_FAILURES", "abc")
    with pytest.raises(ConfigError, match="ADAM_LOGIN_MAX_FAILURES must be a whole number of 0 or more, not 'abc'"):
        load_config(tmp_path)
    monkeypatch.setenv("ADAM_LOGIN_MAX_FAILURES", "-3")
    with pytest.raises(ConfigError, match="ADAM_LOGIN_MAX_FAILURES"):
        load_config(tmp_path)
    monkeypatch.setenv("ADAM_LOGIN_MAX_FAILURES", " 7 ")
    monkeypatch.setenv("MAIL_PORT", "")
    config = load_config(tmp_path)
    assert config["LOGIN_MAX_FAILURES"] == 7 and config["MAIL_PORT"] == 25
