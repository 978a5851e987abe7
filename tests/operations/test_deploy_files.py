"""What an operator copies from deploy/: the systemd unit runs real commands with the
hardening it promises, and the environment template is a configuration the service accepts.
(The nginx site file runs in tests/operations/test_deploy_nginx.py.)"""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from click.testing import CliRunner
from dotenv import dotenv_values

from publisher.cli import main
from publisher.config import SETTING_NAMES, load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / "lovetv@.service")
    return parser


def test_the_unit_migrates_then_serves_on_loopback_behind_nginx() -> None:
    service = unit()["Service"]
    before = shlex.split(service["ExecStartPre"])
    serve = shlex.split(service["ExecStart"])
    assert before[0].endswith("/lovetv") and before[1:] == ["db", "upgrade"]
    assert serve[0].endswith("/lovetv") and serve[1] == "serve"
    options = dict(zip(serve[2::2], serve[3::2], strict=True))
    assert options["--host"] == "127.0.0.1" and options["--port"] == "%i"
    runner = CliRunner()
    for command in (before[1:], serve[1:2]):
        shown = runner.invoke(main, [*command, "--help"])
        assert shown.exit_code == 0, shown.output
    serve_help = runner.invoke(main, ["serve", "--help"]).output
    assert all(flag in serve_help for flag in options)
    assert service["EnvironmentFile"] == "/etc/lovetv/lovetv.env"


def test_the_unit_is_hardened() -> None:
    service = unit()["Service"]
    for option, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
    }.items():
        assert service[option] == value, option
    assert service["User"] != "root"
    assert service["ReadWritePaths"].endswith("/instance")


def test_the_environment_template_is_a_configuration_the_service_accepts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    values = {k: v for k, v in dotenv_values(DEPLOY / "lovetv.env.example").items() if v}
    unknown = {k for k in values if k not in SETTING_NAMES and not k.startswith("AWS_")}
    unknown -= {"STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"}
    assert not unknown
    config = load_config(environ=values, instance_path=tmp_path)
    assert config.env == "production" and config.trusted_proxies == 1
    assert config.base_url.startswith("https://")
