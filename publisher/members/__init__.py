"""Members: who may hold private feeds, their tokens, and what the producer does to them."""
