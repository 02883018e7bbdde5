print("hello from the learner")


def add(a, b):
    print("adding", a, b)
    return a - b
