"""Demo billing: a local stand-in for Stripe, for development without a Stripe account.

`lovetv serve` in development with no `STRIPE_API_KEY` starts it beside the service and
points the `stripe` library at it (`STRIPE_API_BASE`), so joining, the welcome page,
webhooks, the Customer Portal and reconciliation run exactly the code they run against
Stripe. It answers Stripe's API (`api`), keeps the account in a JSON file under the
instance folder (`state`), serves a demo Checkout page and a demo Customer Portal that say
they charge nothing (`pages`), and delivers each event to `/webhooks/stripe` signed as
Stripe signs (`webhooks`). It never starts in production. The test suite's fake Stripe is
the same stand-in.
"""
