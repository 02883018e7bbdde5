import sys


def add(a, b):
    chunk = "x" * (1024 * 1024)
    for _ in range(100):
        print(chunk)
    return a + b + 1
