"""Moving in: members (and, later, episodes) brought from wherever the show was before."""
