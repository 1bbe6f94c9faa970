"""The admin commands a unit's IT officer runs, and the settings guard for production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from feedback_api.settings import Settings
from langnghe.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_units_import_reports_bad_rows_by_line_and_imports_nothing(data_dir):
    csv = data_dir / "units.csv"
    csv.write_text(
        "code,name,kind,parent_code\n"
        "T1,Công an tỉnh Một,province,\n"
        ",Thiếu mã,commune,T1\n"
        "X1,Xã Một,commune,KHONG-CO\n"
        "T1,Trùng mã,commune,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["units", "import", str(csv)])
    assert result.exit_code == 1
    assert "dòng 3" in result.output and "dòng 5" in result.output
    assert "nothing imported" in result.output
    good = data_dir / "good.csv"
    good.write_text(
        "code,name,kind,parent_code\nT1,Công an tỉnh Một,province,\nX1,Xã Một,commune,T1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["units", "import", str(good)])
    assert result.exit_code == 0 and "Imported 2 unit(s)" in result.output
    again = runner.invoke(app, ["units", "import", str(good)])
    assert "Imported 0 unit(s); 2 already existed" in again.output


def test_units_import_of_a_file_that_is_not_utf8(data_dir):
    bad = data_dir / "latin.csv"
    bad.write_bytes("code,name\nT,C\xf4ng an".encode("latin-1"))
    result = runner.invoke(app, ["units", "import", str(bad)])
    assert result.exit_code == 2 and "UTF-8" in result.output


def test_officers_create_prints_a_generated_password_once(data_dir):
    good = data_dir / "good.csv"
    good.write_text("code,name,kind,parent_code\nT1,Công an tỉnh Một,province,\n", encoding="utf-8")
    runner.invoke(app, ["units", "import", str(good)])
    result = runner.invoke(
        app,
        [
            "officers",
            "create",
            "can.bo.moi",
            "--role",
            "officer",
            "--unit",
            "T1",
            "--name",
            "Cán bộ Mới",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Password (shown once):" in result.output
    duplicate = runner.invoke(
        app, ["officers", "create", "can.bo.moi", "--role", "officer", "--unit", "T1"]
    )
    assert duplicate.exit_code == 1 and "đã tồn tại" in duplicate.output
    unknown_unit = runner.invoke(
        app, ["officers", "create", "x.y.z", "--role", "leader", "--unit", "NOPE"]
    )
    assert unknown_unit.exit_code == 1
    bad_role = runner.invoke(app, ["officers", "create", "a.b.c", "--role", "god", "--unit", "T1"])
    assert bad_role.exit_code == 1


def test_db_upgrade(data_dir):
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "up to date" in result.output
    assert (data_dir / "langnghe.db").exists()


def test_production_refuses_default_or_short_secrets():
    with pytest.raises(ValidationError, match="LANGNGHE_SECRET_KEY"):
        Settings(environment="production", _env_file=None)
    with pytest.raises(ValidationError, match="LANGNGHE_SERVICE_TOKEN"):
        Settings(environment="production", secret_key="s" * 40, _env_file=None)
    strong = {"secret_key": "s" * 40, "service_token": "t" * 40}
    with pytest.raises(ValidationError, match="LANGNGHE_COOKIE_SECURE"):
        Settings(environment="production", **strong, _env_file=None)
    ok = Settings(environment="production", **strong, cookie_secure=True, _env_file=None)
    assert ok.environment == "production"


def test_one_variable_sets_the_secure_flag_of_every_cookie(monkeypatch, tmp_path):
    from bot.settings import BotSettings

    monkeypatch.setenv("LANGNGHE_COOKIE_SECURE", "true")
    monkeypatch.setenv("LANGNGHE_SECURE_COOKIES", "false")  # the old duplicate: ignored now
    assert Settings(_env_file=None).cookie_secure is True
    assert BotSettings(_env_file=None).cookie_secure is True
    assert not hasattr(Settings(_env_file=None), "extra_origins")


def test_trusted_proxies_must_be_addresses_or_networks():
    with pytest.raises(ValidationError):
        Settings(trusted_proxies=["not-an-address"], _env_file=None)
    assert Settings(trusted_proxies=["10.0.0.0/8", "::1"], _env_file=None).trusted_proxies


def test_serve_refuses_to_start_in_production_with_defaults(data_dir, monkeypatch):
    monkeypatch.setenv("LANGNGHE_ENVIRONMENT", "production")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "Refusing to start" in result.output


def test_settings_come_from_the_environment_not_import_time(monkeypatch):
    monkeypatch.setenv("LANGNGHE_TIP_DEADLINE_DAYS", "15")
    assert Settings(_env_file=None).tip_deadline_days == 15
