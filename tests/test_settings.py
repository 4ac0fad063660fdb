"""The settings module in a separate process, as an operator would start it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "SECRET_KEY",
            "DEBUG",
            "FIELD_ENCRYPTION_KEY",
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-variety-0123456789",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "peersupport.example.org",
}


def test_check_deploy_with_production_settings_has_no_warnings(tmp_path: Path) -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", VAR_DIR=str(tmp_path), **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_debug_the_app_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    settings = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", VAR_DIR=str(tmp_path), **settings)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_bad_value_stops_the_app_with_the_variable_named(tmp_path: Path) -> None:
    result = manage("check", VAR_DIR=str(tmp_path), REQUIRE_MFA="perhaps")
    assert result.returncode != 0
    assert "REQUIRE_MFA='perhaps'" in result.stderr
    bad_key = manage("check", VAR_DIR=str(tmp_path), FIELD_ENCRYPTION_KEY="not-a-key")
    assert "not a Fernet key" in bad_key.stderr
    bad_db = manage("check", VAR_DIR=str(tmp_path), DATABASE_URL="nonsense://x")
    assert bad_db.returncode != 0 and "DATABASE_URL" in bad_db.stderr


def test_in_development_the_secret_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    assert manage("check", VAR_DIR=str(tmp_path)).returncode == 0
    first = (tmp_path / "secret_key").read_text()
    assert manage("check", VAR_DIR=str(tmp_path)).returncode == 0
    assert (tmp_path / "secret_key").read_text() == first and len(first) > 50
