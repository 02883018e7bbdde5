def double(x):
    raise NotImplementedError("double: return two times x")
