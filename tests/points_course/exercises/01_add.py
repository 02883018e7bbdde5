def add(a, b):
    raise NotImplementedError("add: return the sum of a and b")
