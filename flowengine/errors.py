"""The one exception hierarchy of flowengine.

::

    FlowEngineError
     +-- FlowValidationError        a flow configuration is refused (carries a list of FlowProblem)
     +-- StorageError               a file could not be read or written
     |    +-- CorruptFlowsError     the flows file is not valid JSON (the backup is offered)
     +-- CredentialsError           credentials cannot be decrypted with the configured secret
     +-- NodeError                  raised inside a node handler; becomes a catchable msg.error
     +-- DeployConflictError        a deploy was based on a stale revision (HTTP 409)
     +-- SettingsError              the settings file is invalid
"""

from __future__ import annotations

from dataclasses import dataclass


class FlowEngineError(Exception):
    """Base class of every error flowengine raises on purpose."""


@dataclass(frozen=True)
class FlowProblem:
    """One problem found in a flow configuration, keyed by node."""

    node_id: str | None
    node_type: str | None
    property: str | None
    message: str
    level: str = "error"  # "error" | "warning" | "info"

    def __str__(self) -> str:
        where = []
        if self.node_id is not None:
            where.append(f"node {self.node_id}")
        if self.node_type:
            where.append(f"({self.node_type})")
        if self.property:
            where.append(f"property '{self.property}'")
        prefix = " ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_json(self) -> dict[str, str | None]:
        return {
            "id": self.node_id,
            "type": self.node_type,
            "property": self.property,
            "message": self.message,
            "level": self.level,
        }


class FlowValidationError(FlowEngineError):
    """A flow configuration was refused; ``problems`` says why, node by node."""

    def __init__(self, problems: list[FlowProblem], code: str = "invalid_flow") -> None:
        self.problems = problems
        self.code = code
        errors = [p for p in problems if p.level == "error"] or problems
        super().__init__("; ".join(str(p) for p in errors[:10]))


class StorageError(FlowEngineError):
    """A file of the user directory could not be read or written."""


class CorruptFlowsError(StorageError):
    """The flows file is not a valid flow; ``backup`` names the file that may restore it."""

    def __init__(self, path: str, reason: str, backup: str | None) -> None:
        self.path = path
        self.backup = backup
        hint = f"; a backup is at {backup} (copy it over {path} to restore)" if backup else ""
        super().__init__(f"flows file {path} is corrupt: {reason}{hint}")


class CredentialsError(FlowEngineError):
    """Credentials could not be decrypted: the credentialSecret is wrong."""


class NodeError(FlowEngineError):
    """An error raised by a node's handler; the engine turns it into ``msg.error``."""


class DeployConflictError(FlowEngineError):
    """The deploy's ``rev`` is not the current revision."""


class SettingsError(FlowEngineError):
    """The settings are invalid."""
