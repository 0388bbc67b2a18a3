"""A plugin whose module raises while it is imported."""
raise RuntimeError("the printer inventory file is missing")
