"""nlu/engine.py in the engine's own environment: its fixes keep Rasa's behaviour."""

from __future__ import annotations

from tests.support.engine import in_engine

SCRIPT = r"""
import json
import rasa.shared.utils.common as common
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
from nlu import engine

def rasa_walk(name):
    return next((c for c in common.all_subclasses(Event) if c.type_name == name), None)

names = sorted({c.type_name for c in common.all_subclasses(Event)})
engine.apply()
engine.apply()  # twice: no second wrapper
found = {}
found["same_classes"] = all(Event.resolve_by_type(n) is rasa_walk(n) for n in names * 2)
found["count"] = len(names)
try:
    Event.resolve_by_type("no_such_event")
    found["unknown"] = "no error"
except ValueError:
    found["unknown"] = "ValueError"
found["default"] = Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
found["round_trip"] = type(Event.from_parameters(UserUttered("hallo").as_dict())) is UserUttered
action = RemoteAction("action_x", None)
answer = {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []}
found["valid"] = action._validate_action_result(answer)
try:
    action._validate_action_result({"events": "not a list"})
    found["invalid"] = "accepted"
except ValidationError as error:
    found["invalid"] = "Failed to validate Action server response" in error.message
found["wrapped_once"] = RemoteAction._validate_action_result.__closure__ is not None and all(
    getattr(c.cell_contents, "lotse_kept", False) is False
    for c in RemoteAction._validate_action_result.__closure__ if callable(c.cell_contents))
print(json.dumps(found))
"""


def test_the_hot_path_fixes_give_rasas_own_answers() -> None:
    found, _ = in_engine(SCRIPT)
    assert found == {
        "same_classes": True,
        "count": found["count"],
        "unknown": "ValueError",
        "default": True,
        "round_trip": True,
        "valid": True,
        "invalid": True,
        "wrapped_once": True,
    }
    assert found["count"] > 20  # every event type of Rasa, from action to user utterance


LOAD_BOTH_WAYS = r"""
import asyncio, json, sys
from rasa.core.agent import Agent
from nlu import engine

texts = json.loads(sys.argv[2])

def understood(agent):
    parsed = [asyncio.run(agent.parse_message(text)) for text in texts]
    return [
        {
            "ranking": [(i["name"], round(i["confidence"], 5)) for i in p["intent_ranking"]],
            "entities": sorted((e["entity"], e["value"], e["start"], e["end"]) for e in p["entities"]),
        }
        for p in parsed
    ]

rasas = understood(Agent.load(sys.argv[1]))
engine.apply()
ours = understood(Agent.load(sys.argv[1]))
from rasa.utils.tensorflow.models import RasaModel
patched = getattr(RasaModel.load.__func__, "lotse_kept", False)
print(json.dumps({"same": rasas == ours, "rasa": rasas[:2], "ours": ours[:2], "count": len(ours), "patched": patched}))
"""


def test_diet_loaded_without_a_training_step_understands_exactly_as_rasas_load() -> None:
    """The cold-start fix: restoring DIET's weights before the first prediction builds it gives the
    same rankings and entities as Rasa's load, which first traces a training step on one example."""
    import json

    from bot.starter import DEMO_MODEL

    texts = [
        "Was kostet die Umschulung zum Koch?",
        "Woher erfahre ich, ob meine Ausbildung staatlich anerkannt ist?",
        "هل يمكنني معادلة شهادتي في ألمانيا؟",
        "Я інженер з України, мій диплом ще не визнали. Що робити?",
        "hallo",
        "ich bin 31, war 9 Jahre Elektriker in Kabul, habe kein Papier",
        "Externenprüfung Friseurin wie lange",
        "asdf qwer",
    ]
    found, _ = in_engine(LOAD_BOTH_WAYS, str(DEMO_MODEL), json.dumps(texts), timeout=600)
    assert found["count"] == len(texts) and found["patched"]
    assert found["same"], (found["rasa"], found["ours"])
