"""Domain services, one module or package per capability: rules in, dataclasses out."""
