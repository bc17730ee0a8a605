"""The gateway configuration file (YAML or JSON): devices to poll, timings, bindings file.

```yaml
interval_s: 10          # poll period of a device that answers
timeout_s: 2            # one device's read, all its points
max_backoff_s: 300      # longest wait before retrying a silent device
bindings: bindings.csv  # confirmed point bindings, read at start, written on every change
modbus:
  - {id: msb-meter-1, host: 10.20.0.11, port: 502, unit: 1, map: power-meter.yaml}
bacnet:
  local: 10.20.0.5:47808  # the gateway's own BACnet/IP address (its UDP port)
  devices: [10.20.1.20, 10.20.1.21]  # Who-Is sent to each (unicast)
  broadcast: false        # also a global Who-Is
  allow_writes: false     # setpoint writes (admin, audited) stay refused unless true
  cov: true               # COV subscriptions where supported (values pushed between polls)
```

Relative paths (register maps, bindings) are resolved against the configuration file's folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twin.errors import InvalidInput
from twin.gateways.modbus import ModbusDevice
from twin.gateways.registers import load_register_map

__all__ = ["BacnetConfig", "GatewayConfig", "GatewayConfigError", "load_config", "parse_config"]


class GatewayConfigError(InvalidInput):
    title = "Invalid gateway configuration"


@dataclass(frozen=True, slots=True)
class BacnetConfig:
    local: str
    devices: tuple[str, ...] = ()
    broadcast: bool = False
    allow_writes: bool = False
    who_is_timeout_s: float = 2.0
    cov: bool = True  # subscribe to COV where a device supports it (polling goes on too)


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    interval_s: float = 10.0
    timeout_s: float = 2.0
    max_backoff_s: float = 300.0
    modbus: tuple[ModbusDevice, ...] = ()
    bacnet: BacnetConfig | None = None
    bindings: Path | None = None


def _num(doc: Mapping[str, Any], key: str, default: float) -> float:
    v = doc.get(key, default)
    if not isinstance(v, int | float) or v <= 0:
        raise GatewayConfigError(f"gateway config: {key} must be a positive number")
    return float(v)


def parse_config(doc: Mapping[str, Any], base: Path) -> GatewayConfig:
    maps: dict[Path, Any] = {}
    devices = []
    for i, d in enumerate(doc.get("modbus") or []):
        try:
            path = base / str(d["map"])
            if path not in maps:
                maps[path] = load_register_map(path)
            devices.append(
                ModbusDevice(
                    str(d["id"]),
                    str(d["host"]),
                    int(d.get("port", 502)),
                    int(d.get("unit", 1)),
                    maps[path],
                    str(d.get("name", "")),
                )
            )
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise GatewayConfigError(f"gateway config: modbus[{i}]: {exc}") from exc
    ids = [d.id for d in devices]
    if len(set(ids)) != len(ids):
        raise GatewayConfigError("gateway config: Modbus device ids must be unique")
    bac = doc.get("bacnet")
    bacnet = None
    if bac:
        if "local" not in bac:
            raise GatewayConfigError("gateway config: bacnet.local (own address:port) is required")
        bacnet = BacnetConfig(
            str(bac["local"]),
            tuple(str(a) for a in bac.get("devices") or ()),
            bool(bac.get("broadcast", False)),
            bool(bac.get("allow_writes", False)),
            float(bac.get("who_is_timeout_s", 2.0)),
            bool(bac.get("cov", True)),
        )
    bindings = doc.get("bindings")
    return GatewayConfig(
        interval_s=_num(doc, "interval_s", 10.0),
        timeout_s=_num(doc, "timeout_s", 2.0),
        max_backoff_s=_num(doc, "max_backoff_s", 300.0),
        modbus=tuple(devices),
        bacnet=bacnet,
        bindings=base / str(bindings) if bindings else None,
    )


def load_config(path: Path) -> GatewayConfig:
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    if not isinstance(doc, Mapping):
        raise GatewayConfigError(f"{path}: a mapping is expected at the top")
    return parse_config(doc, path.parent)
