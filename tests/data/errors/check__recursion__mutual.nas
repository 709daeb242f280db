// Two definitions that call each other.
def ping(n: int = 1): int = pong(n = n)
def pong(n: int = 1): int = ping(n = n)
