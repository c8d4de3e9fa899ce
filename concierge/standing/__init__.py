"""Standing orders: recurring requests that become one request per occurrence."""
