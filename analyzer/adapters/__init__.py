"""Adapters around the pure core: AWS collection, local store, CSV import, price refresh."""
