"""Two performance fixes for Rasa Open Source 3.6, applied once when the server starts.

Measured with py-spy on this service (see README, Benchmarks):
- RemoteAction._validate_action_result calls `jsonschema.validate()`, which checks the schema
  itself against the JSON Schema meta-schema on every call: over half of the Rasa server's time
  per turn. A validator compiled once does the same validation (same schema, same best-match
  error, same message).
- Event.resolve_by_type walks the whole Event class hierarchy for every stored event each time a
  conversation is loaded (about a tenth of the time per turn). A lookup table built once gives
  the same class; unknown names still go through Rasa's own method.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


_original_resolve_by_type = Event.resolve_by_type


@lru_cache(maxsize=1)
def _event_classes() -> dict[str, type[Event]]:
    return {cls.type_name: cls for cls in reversed(all_subclasses(Event))}


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_classes().get(type_name)
    return found if found is not None else _original_resolve_by_type(type_name, default)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
