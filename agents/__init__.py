"""What speaks: personas, populations, persona agents, judges and model clients.

Nothing here imports `simulator` or `analysis`.
"""
