"""Bridges to other systems: `faceparse.integrations.ray` (Ray actors and Ray Data)."""
