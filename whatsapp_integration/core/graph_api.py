"""What core needs of a Graph API client: read one node or edge. `senders.graph.GraphClient`
is the real one; callers pass it in, so core never imports the senders."""

from __future__ import annotations

from typing import Any, Protocol


class GraphReader(Protocol):
	def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
		"""The JSON object at `path`; raises `core.errors.GraphApiError` when Meta refuses."""
		...
