def double(x):
    # TODO: this is wrong for negative numbers
    return abs(x) * 2
