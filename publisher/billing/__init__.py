"""Billing: members kept equal to what Stripe says they bought."""
