"""The auth core: feed tokens, and who may listen (Stripe states -> access decisions).

Plain Python over plain values: no Flask, no database session.
"""
