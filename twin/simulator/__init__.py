"""A simulator of a live building, a client of the public API and MQTT only (never the store).

:mod:`twin.simulator.signals` makes plausible values (pure functions of a sensor, a time and a
fault); :mod:`twin.simulator.run` fetches the served sensors, publishes a tick of readings over
MQTT or HTTP and injects faults on a schedule.
"""

from twin.simulator.signals import FAULT_KINDS, Fault, SimSensor, choose_fault, value_at

__all__ = ["FAULT_KINDS", "Fault", "SimSensor", "choose_fault", "value_at"]
