"""Gateways from the building's own systems (Modbus TCP, BACnet/IP) into the live store.

Each gateway polls its devices and hands every value to ``LiveStore.ingest`` (the same
validation, dead letters, idempotency and alarms as HTTP and MQTT readings). A device that stops
answering raises one device alarm through its own status sensor, never one per point. Bindings
tie protocol points to IFC elements and rooms (:mod:`twin.gateways.binding`).
"""
