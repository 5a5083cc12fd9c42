"""End-to-end flows: the gateway and the simulator as separate processes (ets-interface §6–§8)."""
