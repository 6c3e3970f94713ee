"""Every node type of this distribution has a valid JSON schema: the registry trusts them and does
not check them again on a runtime's first use (a third-party package's schema it does check)."""

from __future__ import annotations

import jsonschema

from flowengine.registry import BUNDLED, Registry


def test_every_bundled_type_has_a_valid_schema() -> None:
    reg = Registry.default()
    bundled = {name for name, _ in BUNDLED}
    types = [t for t in reg.types() if reg.module_of(t) in bundled]
    assert len(types) > 300 and not reg.failed
    bad = {}
    for type_name in types:
        schema = reg.get(type_name).schema  # type: ignore[union-attr]
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            bad[type_name] = exc.message
    assert bad == {}
