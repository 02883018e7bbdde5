def answer():
    while True:
        pass
