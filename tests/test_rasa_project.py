"""Rasa's own checks: the data validates without warnings and every test story passes."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from bot.languages import nlu_files
from tests.conftest import ROOT

RASA = str(ROOT / ".venv" / "bin" / "rasa")
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "ACTION_PORT": "5055"}


def test_data_validates_with_no_warnings() -> None:
    result = subprocess.run(
        [RASA, "data", "validate", "--fail-on-warnings", "--data", "nlu_data", *map(str, nlu_files()), "--domain", "domain.yml",
         "--config", "config.yml"], cwd=ROOT, capture_output=True, text=True, timeout=600, env=ENV,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def test_every_test_story_passes_in_both_languages(trained_model: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [RASA, "test", "core", "--stories", "tests/stories", "--model", trained_model, "--out", str(tmp_path),
         "--no-plot", "--e2e"], cwd=ROOT, capture_output=True, text=True, timeout=900, env=ENV,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # Rasa silently evaluates nothing when story files are not named test_*.yml: count them.
    written = sum(p.read_text().count("- story:") for p in (ROOT / "tests" / "stories").glob("*.yml"))
    evaluated = re.search(r"Evaluating (\d+) stories", output)
    assert written >= 18 and evaluated and int(evaluated.group(1)) == written, output[-2000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "None of the test stories failed" in failed, failed[:6000]
