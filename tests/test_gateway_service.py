"""The gateway service as the app runs it: configuration file, start with a saved bindings file
(rows of points not discovered now kept and written back, not applied), stop; configuration
errors refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gateway_support import ModbusSim
from twin.gateways.config import GatewayConfigError, load_config, parse_config
from twin.gateways.service import GatewayService
from twin.live.store import open_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
METER_MAP = Path(__file__).resolve().parent.parent / "config" / "gateways" / "power-meter.yaml"


def test_saved_bindings_survive_a_device_missing_at_start(tmp_path: Path) -> None:
    sim = ModbusSim()
    (tmp_path / "bindings.csv").write_text(
        "point,device,protocol,ref,name,description,element,space,storey,building,status,evidence\n"
        "meter-1.energy,,,,,,0abcdefghijklmnopqrstu,,,,confirmed,by hand\n"
        "gone-7.level,gone-7,modbus,holding:3,level,,,1xyzxyzxyzxyzxyzxyzxyz,,,confirmed,\n"
    )
    cfg = tmp_path / "gw.yaml"
    cfg.write_text(
        "interval_s: 3600\nbindings: bindings.csv\n"
        f"modbus:\n  - {{id: meter-1, host: 127.0.0.1, port: {sim.port}, map: {METER_MAP}}}\n"
    )
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    service = GatewayService(store, load_config(cfg))
    try:
        service.start()
        assert store.sensor("meter-1.energy").element == "0abcdefghijklmnopqrstu"
        assert store.sensor("meter-1.active_power").element is None
        assert "gone-7.level" not in {b.point for b in service.bindings()}
        exported = service.export_csv()
        assert "gone-7.level,gone-7,modbus,holding:3" in exported  # kept, not lost
        assert service.health()["devices"] == 1
    finally:
        service.stop()
        store.close()
        sim.close()


@pytest.mark.parametrize(
    ("doc", "word"),
    [
        ({"interval_s": 0}, "interval_s"),
        ({"modbus": [{"id": "a", "host": "h", "map": "nope.yaml"}]}, "modbus[0]"),
        ({"modbus": [{"host": "h", "map": "power-meter.yaml"}]}, "modbus[0]"),
        ({"bacnet": {"devices": ["10.0.0.1"]}}, "bacnet.local"),
        ({"modbus": [{"id": "a", "host": "h", "map": "power-meter.yaml"}] * 2}, "unique"),
    ],
)
def test_bad_configurations_are_refused(doc: dict, word: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(GatewayConfigError, match=word.replace("[", r"\[").replace("]", r"\]")):
        parse_config(doc, METER_MAP.parent)
