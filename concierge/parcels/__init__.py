"""Parcels held at the front desk for residents: received, announced, reminded, handed over."""
