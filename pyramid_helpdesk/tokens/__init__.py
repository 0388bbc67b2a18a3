"""Personal API tokens: created and revoked by their owner, stored hashed, scoped."""
