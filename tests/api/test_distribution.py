"""The api plugin installed from its distribution (not the checkout) carries its OpenAPI
document: the app reads ``openapi.yaml`` at start-up and stops without it."""
import shutil
import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "helpdesk_api"


def test_pip_installs_the_document_with_the_package(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("*.egg-info", "build",
                                                                  "__pycache__"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target),
                    str(source)], check=True, capture_output=True, timeout=300)
    document = target / "helpdesk_api" / "openapi.yaml"
    assert document.read_bytes() == (PLUGIN / "helpdesk_api" / "openapi.yaml").read_bytes()
    entry_points = next(target.glob("helpdesk_api-*.dist-info")) / "entry_points.txt"
    assert "api = helpdesk_api" in entry_points.read_text()
