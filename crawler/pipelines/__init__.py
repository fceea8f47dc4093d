"""Item pipelines, one step per module: validate (100), normalize (200), store (300)."""
