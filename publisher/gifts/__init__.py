"""Gift memberships: bought by one person through Stripe, redeemed by whoever proves an address.

A gift is paid with a one-time Checkout (`purchase`), gets a single-use code stored only as a
hash, and is emailed to its recipient on the buyer's chosen day through the outbox. The
recipient redeems it by confirming their own address with an emailed link (`redeem`), never
by the address the buyer typed, which only says where the code is sent. A refunded or
disputed payment voids an unredeemed code or ends a redeemed gift's access (`refunds`).
"""
