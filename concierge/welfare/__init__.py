"""Company welfare: companies and their plans, enrolled workers, prices, one append-only ledger
of credit, vouchers, the solidarity fund and social-services referrals, and monthly reports."""
