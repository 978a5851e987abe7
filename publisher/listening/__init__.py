"""Listening: feeds rendered once per change, personalised per request, and who may hear media."""
