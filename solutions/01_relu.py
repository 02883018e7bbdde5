# %%
# We begin with neural networks built one neuron at a time. This is slow and
# impractical for real networks, but it shows why we call them "neural".
#
# A neuron ends with a non-linear activation function. One of the simplest is
# ReLU (rectified linear unit): it lets positive numbers through unchanged and
# turns everything else into zero.


def relu(x: float) -> float:
    """
    ReLU (rectified linear unit), one of the simplest non-linear activation
    functions out there.
    """
    return max(x, 0.0)


if __name__ == "__main__":
    print(f"{relu(5.0)=}  {relu(-1.0)=}")
