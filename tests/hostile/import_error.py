import not_a_real_module_kata


def add(a, b):
    return a + b
