"""Prometheus text exposition format 0.0.4 (what `/metrics` endpoints serve)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
GAUGE = "gauge"
COUNTER = "counter"
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class Sample:
	value: float | None
	labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricFamily:
	name: str
	help: str
	type: str = GAUGE
	samples: tuple[Sample, ...] = ()

	def __post_init__(self) -> None:
		if not _METRIC_NAME.match(self.name):
			raise ValueError(f"{self.name!r} is not a valid Prometheus metric name.")
		if self.type not in (GAUGE, COUNTER):
			raise ValueError(f"Metric type must be gauge or counter, not {self.type!r}.")
		for sample in self.samples:
			for label in sample.labels:
				if not _LABEL_NAME.match(label) or label.startswith("__"):
					raise ValueError(f"{label!r} is not a valid Prometheus label name.")


def render(families: Iterable[MetricFamily]) -> str:
	"""The text body: HELP and TYPE lines, then one line per sample. Samples whose value is
	unknown (None) are left out, so a rate of zero messages is absent rather than 0."""
	lines: list[str] = []
	for family in families:
		lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
		lines.append(f"# TYPE {family.name} {family.type}")
		lines.extend(
			f"{family.name}{_labels(sample.labels)} {_number(sample.value)}"
			for sample in family.samples
			if sample.value is not None
		)
	return "\n".join(lines) + "\n"


def _labels(labels: Mapping[str, str]) -> str:
	if not labels:
		return ""
	pairs = ",".join(f'{name}="{_escape_label(str(value))}"' for name, value in sorted(labels.items()))
	return "{" + pairs + "}"


def _escape_label(value: str) -> str:
	return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
	return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
	if math.isnan(value):
		return "NaN"
	if math.isinf(value):
		return "+Inf" if value > 0 else "-Inf"
	if float(value).is_integer() and abs(value) < 1e15:
		return str(int(value))
	return repr(float(value))
