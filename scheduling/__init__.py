"""Time calling the domain: APScheduler set-up, its durable job store and the leader lock.

Jobs here stay thin: each calls one `concierge` function with ids. The scheduling issue fills
this package; the foundation only reserves its place in the one-way flow.
"""
