"""The intent classifier component (bot.intent_classifier)."""

from __future__ import annotations

import subprocess
import sys

from bot.settings import PROJECT_ROOT


def test_loading_it_keeps_the_log_level() -> None:
    # skops pulls in numpy.distutils, which set the root logger to WARNING: the service's own
    # INFO lines ("telegram: connected ...") vanished once the model was loaded.
    code = ("import logging; logging.basicConfig(level=logging.INFO); import bot.intent_classifier; "
            "print(logging.getLogger().level)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(20)
