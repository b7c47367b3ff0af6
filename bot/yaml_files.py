"""Reading the project's YAML data files, with libyaml's C parser when PyYAML has it.

The eight languages' phrase lists, texts and lexicons are read at every start (and by `python -m
bot check`): 22.9 s in PyYAML's pure-Python parser on a slow machine, 1.5 s in C, the same
documents either way (compared on every data file). A slow start-up is a slow restart for a child
waiting, and the safety net is built before the first message is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the pure-Python one when libyaml is absent


def read_yaml(path: Path) -> Any:
    """A YAML file's document (safe: plain data only, no Python objects)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
