"""How every call to Stripe is made: one bounded client, Stripe's errors as one failure.

`StripeCalls` holds stripe-python's `StripeClient` with its timeouts and retries and the three
ways the gateway asks it (call, list every page, retrieve-or-None), so the gateway's methods
say only what they ask. A Stripe error leaves here as `StripeFailure`, whose message is one
line a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from stripe import InvalidRequestError, ListObject, RequestsClient, StripeClient, StripeError

from auth.stripe_shapes import first_line


class StripeFailure(RuntimeError):
    """Stripe could not be reached or refused a call; the message is one line."""


class StripeCalls:
    """One account's Stripe API, reached at `api_base` when set (tests point it at a fake)."""

    def __init__(
        self, api_key: str, api_base: str | None = None, prices: Mapping[str, str] | None = None
    ) -> None:
        # Every call bounded: 10 s per try (Stripe's own clients use 80 s, far longer than a
        # request should wait), two retries on network errors.
        self.client = StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
            http_client=RequestsClient(timeout=10),
        )
        self.plan_of_price = {price: plan for plan, price in (prices or {}).items()}

    def _call(self, method: Any, params: dict[str, Any], options: Any = None) -> Any:
        try:
            result = method(params=params, options=options)
        except StripeError as exc:
            raise StripeFailure(f"Stripe refused the request: {first_line(exc)}") from exc
        if isinstance(result, ListObject):
            return [item.to_dict() for item in result.auto_paging_iter()]
        return result.to_dict()

    def _list(self, method: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self._call(method, {**params, "limit": 100}))

    def _retrieve(self, method: Any, object_id: str) -> dict[str, Any] | None:
        try:
            return cast(dict[str, Any], method(object_id).to_dict())
        except InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return None
            raise StripeFailure(f"Stripe refused the request: {first_line(exc)}") from exc
        except StripeError as exc:
            raise StripeFailure(f"Stripe could not be reached: {first_line(exc)}") from exc
