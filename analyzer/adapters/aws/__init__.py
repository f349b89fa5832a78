"""Live AWS collection: sessions and fan-out (session.py), inventory and metrics (collect.py)."""
