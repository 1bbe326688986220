"""Schemathesis hooks for the rules of the hub's API that no JSON Schema can state.

- `format: cel` (custom health check expressions): any string of the right length is a valid
  string, but only a bool CEL expression is a valid rule; the hub checks it and answers 400 with
  the position of each problem. Generated valid data draws from expressions the hub accepts.
- A list of health checks holds at most one rule per group/kind: the hub answers 400 naming the
  kind twice. Valid data keeps the first rule of each kind (an item that breaks the schema is
  never dropped, so data meant to be invalid stays invalid).
"""

import schemathesis
from hypothesis import strategies as st

VALID_CEL = [
    "true",
    "false",
    'status.?phase.orValue("") == "Ready"',
    "has(status.conditions)",
    'metadata.name != ""',
    "self.kind == kind",
    'status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")',
]

schemathesis.openapi.format("cel", st.sampled_from(VALID_CEL))


def _schema_valid(rule):
    return isinstance(rule, dict) and all(isinstance(v, str) for v in rule.values())


def _one_per_kind(rules):
    seen = set()
    kept = []
    for rule in rules:
        if _schema_valid(rule):
            key = (rule.get("group"), rule.get("kind"))
            if key in seen:
                continue
            seen.add(key)
        kept.append(rule)
    return kept


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict):
        for holder in (body, body.get("template"), body.get("application")):
            if isinstance(holder, dict) and isinstance(holder.get("healthChecks"), list):
                holder["healthChecks"] = _one_per_kind(holder["healthChecks"])
    return body
