def scale(x, k):
    raise NotImplementedError("scale")


def mean(values):
    raise NotImplementedError("mean")


def nudge(x, lr):
    raise NotImplementedError("nudge")
