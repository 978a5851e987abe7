"""The catalog: the show, its seasons and episodes; publishing and editing them."""
