"""The Rasa performance fixes change nothing but speed."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    rasa_speedups.install()


def test_event_lookup_gives_the_same_classes_as_rasa() -> None:
    for name in {cls.type_name for cls in all_subclasses(Event)}:
        assert rasa_speedups._resolve_by_type(name) is rasa_speedups._original_resolve_by_type(name)
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no-such-event")


def test_action_results_are_still_validated() -> None:
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})
