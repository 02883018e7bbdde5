mistake("01", "grad_overwritten", ["the second share overwrote the first"],
        "In __mul__, `self.grad = ...` replaces the gradient instead of adding to it, so a * a loses one of its shares.",
        ("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
         "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad"))
mistake("01", "out_grad_ignored", ["must be multiplied by the", "result's own grad (out.grad)"],
        "__add__ passes 1 to its inputs instead of out.grad: the chain rule's outer factor is missing.",
        ("            self.grad += out.grad\n            other.grad += out.grad",
         "            self.grad += 1.0\n            other.grad += 1.0"))
mistake("01", "relu_at_zero", ["relu's derivative at 0 to be 0"],
        "relu lets the gradient through at 0 too (>= instead of >).",
        ("self.grad += (1.0 if self.data > 0 else 0.0) * out.grad", "self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad"))
mistake("01", "power_rule_off_by_one", ["the derivative of a ** k is", "k * a ** (k - 1)"],
        "The power rule without lowering the exponent.",
        ("self.grad += exponent * self.data ** (exponent - 1) * out.grad", "self.grad += exponent * self.data**exponent * out.grad"))
mistake("01", "no_children", ["does not list its inputs in _prev"],
        "__add__ forgets to record its inputs, so backward() could never reach them.",
        ('out = Value(self.data + other.data, (self, other), "+")', 'out = Value(self.data + other.data)'))
mistake("01", "number_not_wrapped", ["A plain number must work as the other operand"],
        "__add__ assumes `other` is a Value: a + 2 fails on 2.data.",
        ("        other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data + other.data",
         "        out = Value(self.data + other.data"))
mistake("02", "no_seed", ["starts by setting the output's own grad to 1"],
        "backward() never sets the output's own grad, so every _backward passes on 0.",
        ("        self.grad = 1.0\n        for v in reversed(topo):", "        for v in reversed(topo):"))
mistake("02", "not_reversed", ["ran before its Value's grad was complete", "reverse topological order"],
        "The _backward functions run from the inputs up, before any gradient has arrived.",
        ("        for v in reversed(topo):", "        for v in topo:"))
mistake("02", "no_visited_set", ["more than once", "exactly once"],
        "Without the visited set, a Value reachable along two paths is listed (and its _backward run) twice.",
        ("            if v not in visited:\n                visited.add(v)\n                for child",
         "            if True:\n                for child"))
mistake("02", "children_only", ["before its Value's grad was complete"],
        "Only the output and its direct inputs run their _backward: deeper Values never pass their grads on.",
        ("        for v in reversed(topo):\n            v._backward()",
         "        self._backward()\n        for v in self._prev:\n            v._backward()"))
mistake("03", "one_sided", ["That is the one-sided difference"],
        "A forward difference (f(x + eps) - f(x)) / eps: its error is about eps, not eps².",
        ("        x[index] = original - eps\n        below = f(x)", "        x[index] = original\n        below = f(x)"),
        ("grad[index] = (above - below) / (2 * eps)", "grad[index] = (above - below) / eps"))
mistake("03", "divided_by_eps", ["Every entry is twice the slope"],
        "The central difference divided by eps instead of 2·eps.",
        ("grad[index] = (above - below) / (2 * eps)", "grad[index] = (above - below) / eps"))
mistake("03", "not_put_back", ["is every nudged entry put back"],
        "Each entry stays nudged down by eps, which skews every later partial derivative of a coupled f.",
        ("        below = f(x)\n        x[index] = original\n", "        below = f(x)\n"))
mistake("03", "always_true", ["it must raise an AssertionError"],
        "gradcheck never compares: it returns True whatever the gradient.",
        ("    wrong = ~np.isclose(analytic, numerical, atol=atol, rtol=rtol)",
         "    wrong = np.zeros(numerical.shape, dtype=bool)"))
mistake("03", "last_mismatch", ["should name the first mismatching entry"],
        "gradcheck names the last wrong entry, not the first.",
        ("index = tuple(int(i) for i in np.argwhere(wrong)[0])", "index = tuple(int(i) for i in np.argwhere(wrong)[-1])"))
mistake("03", "no_rtol", ["must pass when every entry is within atol + rtol"],
        "Only an absolute tolerance: large gradients fail on rounding-sized differences.",
        ("wrong = ~np.isclose(analytic, numerical, atol=atol, rtol=rtol)", "wrong = ~np.isclose(analytic, numerical, atol=atol, rtol=0)"))
mistake("03", "shape_not_checked", ["a gradient of another shape is a ValueError"],
        "Without the shape check, NumPy broadcasts a (3, 1) gradient against (3,) and compares nonsense.",
        ("    if analytic.shape != numerical.shape:\n        raise ValueError(f\"the analytic gradient has shape {analytic.shape}, but x has shape {numerical.shape}\")\n", ""))
mistake("03", "nudges_the_callers_x", ["changed the caller's x"],
        "Works on the caller's own array and undoes each nudge by arithmetic, which rounding does not undo exactly.",
        ("    x = np.array(x, dtype=np.float64)  # our own copy, nudged entry by entry", "    x = np.asarray(x, dtype=np.float64)"),
        ("        original = x[index]\n        x[index] = original + eps\n        above = f(x)\n        x[index] = original - eps\n        below = f(x)\n        x[index] = original\n",
         "        x[index] += eps\n        above = f(x)\n        x[index] -= 2 * eps\n        below = f(x)\n        x[index] += eps\n"))
mistake("04", "path_grad_overwritten", ["must add up, never replace each other"],
        "When two paths meet at the same Tensor, the second gradient replaces the first instead of adding to it.",
        ("grads[key] = grads[key] + parent_grad if key in grads else parent_grad", "grads[key] = parent_grad"))
mistake("04", "leaf_grad_overwritten", ["each leaf's .grad must hold the sum of both"],
        "A leaf's .grad is replaced at every backward() instead of accumulated, unlike PyTorch.",
        ("tensor.grad = grad if tensor.grad is None else tensor.grad + grad", "tensor.grad = grad"))
mistake("04", "shared_grad_array", ["they share one array: store a copy"],
        "The same gradient array is stored in two leaves' .grad and then added to in place.",
        ("                grad = np.array(grad, dtype=np.float64)\n                tensor.grad = grad if tensor.grad is None else tensor.grad + grad\n",
         "                if tensor.grad is None:\n                    tensor.grad = grad\n                else:\n                    tensor.grad += grad\n"))
mistake("04", "no_scalar_error", ["grad can be implicitly created only for scalar outputs", "but it raised nothing"],
        "Without a gradient, backward() starts from ones whatever the output's size.",
        ("            if self.data.size != 1:\n                raise RuntimeError(\"grad can be implicitly created only for scalar outputs\")\n", ""))
mistake("04", "no_shape_check", ["Mismatch in shape"],
        "A gradient of the wrong shape is used anyway (and broadcast by NumPy).",
        ("        if gradient.shape != self.shape:\n", "        if gradient.ndim > 5:\n"))
mistake("04", "constants_get_grad", ["does not require grad, so no gradient is kept for it"],
        "Every parent receives a gradient, even constants that do not require grad.",
        ("                if parent.requires_grad:\n                    key = id(parent)", "                if True:\n                    key = id(parent)"))
mistake("04", "not_reversed", ["every leaf that requires grad must receive its gradient", "reverse topological order"],
        "The graph is walked from the leaves up, so the leaves are done before any gradient reaches them.",
        ("        for tensor in reversed(order):\n            grad = grads.pop", "        for tensor in order:\n            grad = grads.pop"))
mistake("04", "no_requires_grad_error", ["element 0 of tensors does not require grad", "but it raised nothing"],
        "backward() on a Tensor that does not require grad quietly fills its own .grad instead of raising.",
        ("        if not self.requires_grad:\n            raise RuntimeError(\"element 0 of tensors does not require grad and does not have a grad_fn\")\n", ""))
mistake("05", "add_not_summed_back", ["was not summed back to b's own shape"],
        "__add__ hands the broadcast gradient to both operands as it is.",
        ("            return unbroadcast(grad, self.shape), unbroadcast(grad, other.shape)", "            return grad, grad"))
mistake("05", "unbroadcast_leading_only", ["where the shape has size 1 (but grad does not)"],
        "unbroadcast only sums the leading dimensions, not the stretched ones of size 1.",
        ("    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)",
         "    stretched = ()"))
mistake("05", "unbroadcast_drops_dims", ["sum with keepdims"],
        "The stretched dimensions are summed away instead of kept with size 1.",
        ("grad = grad.sum(axis=stretched, keepdims=True)", "grad = grad.sum(axis=stretched)"))
mistake("05", "mul_grads_swapped", ["the gradient of a in a * b is wrong at index"],
        "Each operand's gradient uses its own data instead of the other operand's.",
        ("return unbroadcast(grad * other.data, self.shape), unbroadcast(grad * self.data, other.shape)",
         "return unbroadcast(grad * self.data, self.shape), unbroadcast(grad * other.data, other.shape)"))
mistake("05", "div_sign", ["the gradient of b in a / b is wrong"],
        "d(a / b)/db without its minus sign.",
        ("unbroadcast(-grad * self.data / other.data**2, other.shape)", "unbroadcast(grad * self.data / other.data**2, other.shape)"))
mistake("05", "number_not_wrapped", ["A plain number must work as an operand"],
        "__mul__ assumes its other operand is a Tensor, so a * 3.0 fails on 3.0.data.",
        ("        other = _as_tensor(other)\n\n        def backward(grad):\n            return unbroadcast(grad * other.data",
         "        def backward(grad):\n            return unbroadcast(grad * other.data"))
mistake("06", "grad_a_not_transposed", ["failed inside your matmul's backward", "which matrix products"],
        "a's gradient multiplies by b instead of b transposed, so the shapes only fit when b is square.",
        ("            return grad @ other.data.T, self.data.T @ grad", "            return grad @ other.data, self.data.T @ grad"))
mistake("06", "grads_swapped", ["the gradient of a in a @ b has shape"],
        "The two gradients come back in the wrong order: b's first.",
        ("            return grad @ other.data.T, self.data.T @ grad", "            return self.data.T @ grad, grad @ other.data.T"))
mistake("06", "grad_b_transposed", ["It is the transpose of the right gradient"],
        "b's gradient computed as grad.T @ a, the transpose of what it should be.",
        ("            return grad @ other.data.T, self.data.T @ grad", "            return grad @ other.data.T, grad.T @ self.data"))
mistake("06", "numpy_error", ["should raise RuntimeError(\"mat1 and mat2 shapes cannot be multiplied"],
        "No check of the shapes: NumPy's own ValueError comes out instead of PyTorch's RuntimeError.",
        ("        if self.shape[1] != other.shape[0]:\n", "        if False:\n"))
mistake("06", "shapes_named_wrong", ["the message should name the two shapes"],
        "The error names the second shape columns first.",
        ("{other.shape[0]}x{other.shape[1]})\"", "{other.shape[1]}x{other.shape[0]})\""))
mistake("06", "squeezed", ["(a @ b).data has shape (2,), but it should have shape (2, 1)"],
        "The product is squeezed, so a single column (or row) loses its dimension.",
        ("        return Tensor._result(self.data @ other.data, (self, other), backward)",
         "        return Tensor._result(np.squeeze(self.data @ other.data), (self, other), backward)"))
mistake("07", "keepdim_ignored", ["keepdim=True keeps each reduced dimension, with size 1"],
        "sum always drops the reduced dimensions, whatever keepdim says.",
        ("Tensor._result(self.data.sum(axis=dims, keepdims=keepdim), (self,), backward)",
         "Tensor._result(self.data.sum(axis=dims), (self,), backward)"))
mistake("07", "grad_not_expanded", ["put the reduced dimensions back (with size 1)"],
        "The result's gradient is broadcast over x's shape without putting the summed dimensions back first.",
        ("            if not keepdim:\n                grad = np.expand_dims(grad, dims)\n", ""))
mistake("07", "mean_not_divided", ["is the sum, not the mean"],
        "mean forgets to divide the sum by the number of entries.",
        ("        return self.sum(dim=dims, keepdim=keepdim) / count", "        return self.sum(dim=dims, keepdim=keepdim)"))
mistake("07", "mean_divides_by_all", ["not by the number of entries averaged into each result"],
        "mean divides by the size of the whole Tensor, also when it averages over one dimension only.",
        ("        count = int(np.prod([self.shape[d] for d in dims]))", "        count = self.data.size"))
mistake("07", "no_tuple_dims", ["`dim` may be None, one dimension or a tuple of them"],
        "A tuple of dimensions is treated as one dimension.",
        ("        dims = (dim,) if isinstance(dim, int) else tuple(dim)", "        dims = (dim,)"))
mistake("07", "gradient_not_spread", ["the gradient of x in x.sum() is wrong"],
        "The gradient reaches only the first entry of x, not every entry that went into the sum.",
        ("            return (np.broadcast_to(grad, shape).copy(),)",
         "            spread = np.zeros(shape)\n            spread.flat[0] = np.asarray(grad).flat[0]\n            return (spread,)"))
mistake("08", "exp_grad_uses_input", ["the gradient of x in x.exp() is wrong at index"],
        "exp's backward multiplies by x instead of by exp(x).",
        ("return Tensor._result(out_data, (self,), lambda grad: (grad * out_data,))",
         "return Tensor._result(out_data, (self,), lambda grad: (grad * self.data,))"))
mistake("08", "log_grad_times_x", ["the gradient of x in x.log() is wrong"],
        "log's backward multiplies by x instead of dividing by it.",
        ("lambda grad: (grad / self.data,)", "lambda grad: (grad * self.data,)"))
mistake("08", "relu_in_place", ["x.relu() changed x itself"],
        "relu clamps the input's own array (out=self.data) instead of making a new one.",
        ("return Tensor._result(np.maximum(self.data, 0.0), (self,)", "return Tensor._result(np.maximum(self.data, 0.0, out=self.data), (self,)"))
mistake("08", "relu_grad_at_zero", ["relu's derivative at 0 to be 0"],
        "relu lets the gradient through where x == 0 too.",
        ("lambda grad: (grad * (self.data > 0),)", "lambda grad: (grad * (self.data >= 0),)"))
mistake("08", "power_rule_off_by_one", ["the derivative of x ** k", "is k * x ** (k - 1)"],
        "The power rule without lowering the exponent.",
        ("lambda grad: (grad * exponent * self.data ** (exponent - 1),)", "lambda grad: (grad * exponent * self.data**exponent,)"))
mistake("09", "reshape_grad_not_back", ["has shape (2, 3), but it should have shape (6,)", "move the gradient back the way the entries came"],
        "reshape's backward hands the gradient on in the result's shape.",
        ("lambda grad: (grad.reshape(original),))", "lambda grad: (grad,))"))
mistake("09", "reshape_tuple_only", ["The new shape may come as one tuple or as separate numbers"],
        "reshape passes its arguments to NumPy as they came, so x.reshape((2, 3)) hands NumPy a tuple inside a tuple.",
        ("        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):\n            shape = tuple(shape[0])\n", ""))
mistake("09", "transpose_by_reshape", ["where a reshape puts them"],
        "transpose reshapes to the swapped shape, which keeps the entries in their old order.",
        ("            np.swapaxes(self.data, dim0, dim1), (self,), lambda grad: (np.swapaxes(grad, dim0, dim1),)",
         "            self.data.reshape(np.swapaxes(self.data, dim0, dim1).shape), (self,), lambda grad: (grad.reshape(self.shape),)"))
mistake("09", "transpose_grad_not_back", ["the gradient of x in x.transpose(0, 1)"],
        "transpose's backward hands the gradient on without swapping it back.",
        ("lambda grad: (np.swapaxes(grad, dim0, dim1),)", "lambda grad: (grad,)"))
mistake("09", "T_swaps_first_two", ["(x.T).data has shape (3, 2, 4), but it should have shape (4, 3, 2)"],
        "T swaps only the first two dimensions; it reverses all of them.",
        ("return Tensor._result(self.data.T, (self,), lambda grad: (grad.T,))",
         "return Tensor._result(np.swapaxes(self.data, 0, 1), (self,), lambda grad: (np.swapaxes(grad, 0, 1),))"))
mistake("10", "flag_not_global", ["a function that assigns a module-level name needs `global`"],
        "__enter__ assigns _grad_enabled without `global`, so it only sets a local variable.",
        ("    def __enter__(self):\n        global _grad_enabled\n", "    def __enter__(self):\n"))
mistake("10", "exit_sets_true", ["Nested blocks: __exit__ restores what the"],
        "__exit__ turns grad mode on, instead of back to what it was: an inner block ends the outer one's effect.",
        ("        _grad_enabled = self.previous\n        return False", "        _grad_enabled = True\n        return False"))
mistake("10", "swallows_exceptions", ["or it swallows the exception"],
        "__exit__ returns True, which tells Python the exception was handled.",
        ("        _grad_enabled = self.previous\n        return False", "        _grad_enabled = self.previous\n        return True"))
mistake("10", "result_ignores_mode", ["with grad mode off, a result", "never requires grad"],
        "Tensor._result records the graph whatever the grad mode.",
        ("        if is_grad_enabled() and any(parent.requires_grad for parent in parents):",
         "        if any(parent.requires_grad for parent in parents):"))
mistake("10", "records_parents_anyway", ["still records its parents or its backward function"],
        "Tensor._result keeps the parents and backward function even when it does not record.",
        ("        out = Tensor(data)\n        if is_grad_enabled() and any(parent.requires_grad for parent in parents):\n            out.requires_grad = True\n            out._parents = tuple(parents)\n            out._backward = backward\n",
         "        out = Tensor(data)\n        out._parents = tuple(parents)\n        out._backward = backward\n        if is_grad_enabled() and any(parent.requires_grad for parent in parents):\n            out.requires_grad = True\n"))
mistake("10", "detach_keeps_requires_grad", ["it is a new leaf outside any graph"],
        "detach copies requires_grad along with the values.",
        ("        return Tensor(self.data)\n", "        return Tensor(self.data, requires_grad=self.requires_grad)\n"))
mistake("11", "zero_grad_misses_submodules", ["still hold their gradients", "a submodule's too (use parameters())"],
        "zero_grad() clears only the module's own parameters, not its submodules'.",
        ("        for parameter in self.parameters():\n            parameter.grad = None",
         "        for parameter in self._parameters.values():\n            parameter.grad = None"))
mistake("11", "parameters_not_recursive", ["A submodule's parameters are the module's too"],
        "parameters() lists only the module's own parameters.",
        ("        for module in self._modules.values():\n            found.extend(module.parameters())\n", ""))
mistake("11", "submodules_first", ["torch.nn's order is"],
        "parameters() lists the submodules' parameters before the module's own.",
        ("        found = list(self._parameters.values())\n        for module in self._modules.values():\n            found.extend(module.parameters())\n        return found",
         "        found = []\n        for module in self._modules.values():\n            found.extend(module.parameters())\n        return found + list(self._parameters.values())"))
mistake("11", "plain_tensors_registered", ["a plain Tensor is not a parameter"],
        "Any Tensor set as an attribute is registered, not only Parameters.",
        ("        if isinstance(value, Parameter):\n            self._modules.pop(name, None)", "        if isinstance(value, Tensor):\n            self._modules.pop(name, None)"))
mistake("11", "parameter_not_requiring_grad", ["a Parameter requires grad unless told otherwise"],
        "Parameter keeps Tensor's default, requires_grad=False.",
        ("    def __init__(self, data, requires_grad=True):\n        super().__init__(data, requires_grad=requires_grad)",
         "    def __init__(self, data, requires_grad=False):\n        super().__init__(data, requires_grad=requires_grad)"))
mistake("11", "none_not_removed", ["takes it out of the registry"],
        "Setting a registered parameter's name to None leaves the old Parameter in the registry.",
        ("        else:\n            self._parameters.pop(name, None)\n            self._modules.pop(name, None)\n        object.__setattr__",
         "        object.__setattr__"))
mistake("11", "call_drops_keywords", ["must pass keyword arguments on to", "forward too"],
        "__call__ passes only the positional arguments on to forward.",
        ("    def __call__(self, *args, **kwargs):\n        return self.forward(*args, **kwargs)", "    def __call__(self, *args):\n        return self.forward(*args)"))
mistake("11", "attribute_not_set", ["must still set the attribute itself"],
        "__setattr__ registers Parameters and Modules but never sets the attribute, so self.w is missing.",
        ("            self._modules.pop(name, None)\n        object.__setattr__(self, name, value)",
         "            self._modules.pop(name, None)\n            object.__setattr__(self, name, value)"))
mistake("12", "transposed_weight", ["which is (in_features, out_features): it is transposed"],
        "The weight is made (in_features, out_features), and the forward pass multiplies by it untransposed.",
        ("        self.weight = Parameter(np.random.uniform(-bound, bound, (out_features, in_features)))",
         "        self.weight = Parameter(np.random.uniform(-bound, bound, (in_features, out_features)))"),
        ("        out = x @ self.weight.T\n", "        out = x @ self.weight\n"))
mistake("12", "forward_not_transposed", ["The forward pass is x @ weight.T + bias"],
        "The weight has the right shape, but the forward pass multiplies by it without transposing.",
        ("        out = x @ self.weight.T\n", "        out = x @ self.weight\n"))
mistake("12", "bound_from_out_features", ["Is the bound 1/sqrt(in_features)?"],
        "The bound comes from out_features instead of in_features.",
        ("        bound = 1 / np.sqrt(in_features)", "        bound = 1 / np.sqrt(out_features)"))
mistake("12", "normal_init", ["which has no bound"],
        "Weights drawn from a normal distribution, scaled by the bound, instead of uniformly.",
        ("Parameter(np.random.uniform(-bound, bound, (out_features, in_features)))", "Parameter(np.random.randn(out_features, in_features) * bound)"))
mistake("12", "zero_bias", ["Linear(16, 2000).bias is all zeros"],
        "The bias starts at zero; PyTorch draws it uniformly too.",
        ("Parameter(np.random.uniform(-bound, bound, out_features)) if bias else None", "Parameter(np.zeros(out_features)) if bias else None"))
mistake("12", "bias_always", ["bias=False leaves the bias out"],
        "bias=False is ignored: the layer always has a bias.",
        ("Parameter(np.random.uniform(-bound, bound, out_features)) if bias else None", "Parameter(np.random.uniform(-bound, bound, out_features))"))
mistake("12", "bias_not_parameter", ["should be Parameters, so that parameters() finds them"],
        "The bias is a plain Tensor, so the Module does not register it and it does not require grad.",
        ("Parameter(np.random.uniform(-bound, bound, out_features)) if bias else None", "Tensor(np.random.uniform(-bound, bound, out_features)) if bias else None"))
mistake("13", "softmax_overflows", ["overflowed", "subtract their maximum"],
        "exp of the raw scores: exp(1000.) is inf, and inf / inf is nan.",
        ("        shifted = x - Tensor(x.data.max(axis=self.dim, keepdims=True))\n        exps = shifted.exp()",
         "        exps = x.exp()"))
mistake("13", "shift_by_global_max", ["divides 0 by 0"],
        "The scores are shifted by the maximum of the whole Tensor, not of each row: a very negative row underflows to 0 / 0.",
        ("shifted = x - Tensor(x.data.max(axis=self.dim, keepdims=True))", "shifted = x - Tensor(x.data.max())"))
mistake("13", "wrong_dim", ["the softmax is taken over dim=-1 instead of dim=0"],
        "The softmax always runs over the last dimension, whatever self.dim says.",
        ("shifted = x - Tensor(x.data.max(axis=self.dim, keepdims=True))", "shifted = x - Tensor(x.data.max(axis=-1, keepdims=True))"),
        ("        return exps / exps.sum(dim=self.dim, keepdim=True)", "        return exps / exps.sum(dim=-1, keepdim=True)"))
mistake("13", "shift_in_place", ["changed x itself"],
        "The maximum is subtracted from x.data in place, which changes the caller's Tensor.",
        ("        shifted = x - Tensor(x.data.max(axis=self.dim, keepdims=True))\n",
         "        x.data -= x.data.max(axis=self.dim, keepdims=True)\n        shifted = x\n"))
mistake("13", "max_without_keepdims", ["must keep that dimension"],
        "The maximum along dim drops that dimension, so it no longer lines up with x.",
        ("shifted = x - Tensor(x.data.max(axis=self.dim, keepdims=True))", "shifted = x - Tensor(x.data.max(axis=self.dim))"))
mistake("13", "relu_identity", ["(ReLU()(x)).data is wrong at index"],
        "ReLU's forward returns its input unchanged.",
        ("    def forward(self, x):\n        return x.relu()", "    def forward(self, x):\n        return x"))
mistake("14", "plain_list", ["Layers kept in a plain list are invisible to parameters()"],
        "The layers are kept in a plain list, which Module does not register.",
        ("        for index, layer in enumerate(layers):\n            setattr(self, str(index), layer)",
         "        self.layers = list(layers)"),
        ("        for layer in self._modules.values():\n            x = layer(x)", "        for layer in self.layers:\n            x = layer(x)"),
        ("        return len(self._modules)", "        return len(self.layers)"),
        ("        return list(self._modules.values())[index]", "        return self.layers[index]"))
mistake("14", "reversed_order", ["in the order the layers were given"],
        "forward runs the layers from the last to the first.",
        ("        for layer in self._modules.values():\n            x = layer(x)", "        for layer in reversed(list(self._modules.values())):\n            x = layer(x)"))
mistake("14", "index_by_name", ["seq[i] is the i-th layer given to"],
        "seq[i] looks the layer up by name with the int itself, which is a KeyError (the names are strings).",
        ("        return list(self._modules.values())[index]", "        return self._modules[index]"))
mistake("14", "len_of_dict", ["it should be 3, the number of"],
        "len(seq) counts the attributes of the object, not its layers.",
        ("        return len(self._modules)", "        return len(self.__dict__)"))
mistake("14", "last_layer_skipped", ["(x).data has shape (5, 4), but it should have shape (5, 2)"],
        "forward stops before the last layer.",
        ("        for layer in self._modules.values():\n            x = layer(x)", "        for layer in list(self._modules.values())[:-1]:\n            x = layer(x)"))
mistake("15", "sum_by_default", ["the default reduction, \"mean\", divides it"],
        "The default reduction adds the squared differences up instead of averaging them.",
        ("    if reduction == \"mean\":\n        return squared.mean()\n    if reduction == \"sum\":\n        return squared.sum()",
         "    if reduction in (\"mean\", \"sum\"):\n        return squared.sum()"))
mistake("15", "mean_per_row", ["reduce over every element, not one dimension"],
        "The mean runs over the last dimension only, giving one loss per row.",
        ("        return squared.mean()\n", "        return squared.mean(dim=-1)\n"))
mistake("15", "absolute_error", ["mse_loss(input, target).data is wrong"],
        "The absolute difference instead of the squared one (that is l1_loss).",
        ("    squared = (input - target) ** 2", "    squared = ((input - target) ** 2) ** 0.5"))
mistake("15", "graph_cut", ["the graph was cut"],
        "The loss is computed on the arrays, so no gradient can flow back to input.",
        ("    squared = (input - target) ** 2", "    squared = Tensor((input.data - target.data) ** 2)"))
mistake("15", "no_reduction_check", ["is not a valid value for reduction", "but it raised nothing"],
        "Any unknown reduction quietly means 'none'.",
        ("    if reduction not in (\"mean\", \"sum\", \"none\"):\n        raise ValueError(f\"{reduction} is not a valid value for reduction\")\n", ""))
mistake("15", "none_reduces", ["with reduction='none' it keeps one squared difference per element"],
        "reduction='none' still averages.",
        ("    return squared\n", "    return squared.mean()\n"))
mistake("16", "uphill", ["It moved uphill"],
        "step() adds the gradient instead of subtracting it.",
        ("                p.data = p.data - self.lr * p.grad", "                p.data = p.data + self.lr * p.grad"))
mistake("16", "no_learning_rate", ["without the learning rate"],
        "step() subtracts the whole gradient.",
        ("                p.data = p.data - self.lr * p.grad", "                p.data = p.data - p.grad"))
mistake("16", "rebinds_the_name", ["It did not move: step() must change each parameter's values"],
        "step() makes a new Parameter and binds the loop variable to it: the model's Parameter never changes.",
        ("                p.data = p.data - self.lr * p.grad", "                p = Parameter(p.data - self.lr * p.grad)"))
mistake("16", "generator_used_up", ["it was used up by the first step; keep list(params)"],
        "The optimizer keeps params as it came: a generator is empty after the first step.",
        ("        self.params = list(params)\n", "        self.params = params\n"))
mistake("16", "none_grad_not_skipped", ["skip", "it, as torch.optim.SGD does"],
        "step() updates every parameter, also those whose .grad is None.",
        ("        for p in self.params:\n            if p.grad is not None:\n                p.data = p.data - self.lr * p.grad",
         "        for p in self.params:\n            p.data = p.data - self.lr * p.grad"))
mistake("16", "zero_grad_to_zeros", ["they should all be None"],
        "zero_grad() fills the gradients with zeros instead of setting them to None.",
        ("    def zero_grad(self):\n        for p in self.params:\n            p.grad = None\n\n\n# %%",
         "    def zero_grad(self):\n        for p in self.params:\n            p.grad = np.zeros_like(p.data)\n\n\n# %%"))
mistake("17", "momentum_before_first_step", ["momentum was applied before the first step"],
        "The buffer starts as the gradient and is then updated with momentum in the same step: the first step is (1 + momentum) times too big.",
        ("                else:\n                    self.buffers[i] = self.momentum * self.buffers[i]",
         "                if True:\n                    self.buffers[i] = self.momentum * self.buffers[i]"))
mistake("17", "dampened_first_step", ["starting the buffer at zeros dampens the first step"],
        "The buffers start at zeros, so the first step is dampened, unlike torch.optim.SGD's.",
        ("        self.buffers = [None] * len(self.params)", "        self.buffers = [np.zeros_like(p.data) for p in self.params]"))
mistake("17", "one_buffer_for_all", ["every parameter have its own momentum buffer?"],
        "A single momentum buffer is shared by every parameter.",
        ("                if self.buffers[i] is None:\n                    self.buffers[i] = np.array(g, dtype=np.float64)\n                else:\n                    self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.dampening) * g\n                g = self.buffers[i]",
         "                if self.buffers[0] is None:\n                    self.buffers[0] = np.array(g, dtype=np.float64)\n                else:\n                    self.buffers[0] = self.momentum * self.buffers[0] + (1 - self.dampening) * g\n                g = self.buffers[0]"))
mistake("17", "decay_after_momentum", ["after step 2 of SGD(lr=0.1, momentum=0.9, weight_decay=0.1)"],
        "Weight decay is added after the momentum buffer instead of before it.",
        ("            if self.weight_decay != 0:\n                g = g + self.weight_decay * p.data\n            if self.momentum != 0:",
         "            if self.momentum != 0:"),
        ("                g = self.buffers[i]\n            p.data", "                g = self.buffers[i]\n            if self.weight_decay != 0:\n                g = g + self.weight_decay * p.data\n            p.data"))
mistake("17", "momentum_ignored", ["after step 2 of SGD(lr=0.1, momentum=0.9, dampening=0)"],
        "momentum is accepted but never used: every step is plain SGD.",
        ("            if self.momentum != 0:\n                if self.buffers[i] is None:", "            if False:\n                if self.buffers[i] is None:"))
mistake("17", "no_weight_decay", ["after step 1 of SGD(lr=0.1, momentum=0, weight_decay=0.1)"],
        "weight_decay is accepted but never used.",
        ("            if self.weight_decay != 0:\n                g = g + self.weight_decay * p.data\n", ""))
mistake("18", "no_softmax", ["it should hold ['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear', 'Softmax']"],
        "The model ends with the last Linear layer: no Softmax.",
        ("            Linear(d_hidden_1, d_output),\n            Softmax(dim=-1),\n", "            Linear(d_hidden_1, d_output),\n"))
mistake("18", "softmax_over_the_batch", ["it should run over each row's scores, dim=-1"],
        "The Softmax runs over dim=0, the batch.",
        ("            Softmax(dim=-1),\n", "            Softmax(dim=0),\n"))
mistake("18", "layers_in_a_list", ["should be a Sequential of the six layers"],
        "The layers are kept in a plain list: the model registers none of them, and SGD gets no parameters.",
        ("        self.implementation = Sequential(\n", "        self.layers = [\n"),
        ("            Softmax(dim=-1),\n        )\n\n    def forward(self, x):\n        return self.implementation(x)",
         "            Softmax(dim=-1),\n        ]\n\n    def forward(self, x):\n        for layer in self.layers:\n            x = layer(x)\n        return x"))
mistake("18", "no_zero_grad", ["are the gradients cleared (zero_grad) at every", "Otherwise they accumulate"],
        "train_model never clears the gradients, so every epoch's gradient adds onto the earlier ones.",
        ("        optimizer.zero_grad()\n        loss = mse_loss(model(inputs), expected_outputs)", "        loss = mse_loss(model(inputs), expected_outputs)"))
mistake("18", "zero_grad_after_backward", ["The loss never changes"],
        "The gradients are cleared between backward() and step(), so step() finds nothing to apply.",
        ("        optimizer.zero_grad()\n        loss = mse_loss(model(inputs), expected_outputs)\n        loss.backward()\n        optimizer.step()",
         "        loss = mse_loss(model(inputs), expected_outputs)\n        loss.backward()\n        optimizer.zero_grad()\n        optimizer.step()"))
mistake("18", "loss_after_step", ["measured before the step"],
        "Each epoch reports the loss after its step, recomputed, instead of the loss its gradients came from.",
        ("        losses.append(loss.item())", "        losses.append(mse_loss(model(inputs), expected_outputs).item())"))
mistake("18", "hidden_sizes_swapped", ["it should have [(2000, 784), (2000,), (400, 2000)"],
        "The two hidden layers' sizes are swapped.",
        ("    def __init__(self, d_input=784, d_hidden_0=2000, d_hidden_1=400, d_output=10):\n        super().__init__()\n        self.implementation",
         "    def __init__(self, d_input=784, d_hidden_0=400, d_hidden_1=2000, d_output=10):\n        super().__init__()\n        self.implementation"))
mistake("19", "reads_one_too_many", ["stop as soon as you have count of"],
        "The loop reads the next digit before noticing it already has enough.",
        ("    for _, (image, label) in zip(range(count), dataset):  # zip stops before reading item `count`\n",
         "    for image, label in dataset:\n        if len(labels) == count:\n            break\n"))
mistake("19", "reads_everything", ["stop as soon as you have count of"],
        "Every digit is converted, then the first count are kept: MNIST's 60,000 would all be read.",
        ("    for _, (image, label) in zip(range(count), dataset):  # zip stops before reading item `count`\n",
         "    for image, label in dataset:\n"),
        ("    return np.array(images, dtype=np.float64).reshape(len(images), -1), np.array(labels, dtype=np.int64)",
         "    return np.array(images[:count], dtype=np.float64).reshape(count, -1), np.array(labels[:count], dtype=np.int64)"))
mistake("19", "images_not_flattened", ["one row of 28 * 28 pixels"],
        "The images keep their (1, 28, 28) shape.",
        ("        images.append(np.asarray(image, dtype=np.float64).reshape(-1))", "        images.append(np.asarray(image, dtype=np.float64))"),
        ("    return np.array(images, dtype=np.float64).reshape(len(images), -1), np.array(labels, dtype=np.int64)",
         "    return np.array(images, dtype=np.float64), np.array(labels, dtype=np.int64)"))
mistake("19", "flattened_by_columns", ["flattened column by column"],
        "The images are flattened in Fortran order, column by column.",
        ("        images.append(np.asarray(image, dtype=np.float64).reshape(-1))", "        images.append(np.asarray(image, dtype=np.float64).reshape(-1, order=\"F\"))"))
mistake("19", "one_hot_int", ["it should be float64"],
        "The one-hot rows are ints.",
        ("    encoded = np.zeros((len(labels), num_classes), dtype=np.float64)", "    encoded = np.zeros((len(labels), num_classes), dtype=np.int64)"))
mistake("19", "accuracy_records_graph", ["run it inside", "`with no_grad():`"],
        "accuracy runs the model in grad mode, recording a graph that nothing will use.",
        ("    with no_grad():\n        outputs = model(images)\n    return float", "    outputs = model(images)\n    return float"))
mistake("19", "accuracy_numpy_number", ["should return a plain float"],
        "accuracy returns a NumPy number instead of a float.",
        ("    return float(np.mean(outputs.data.argmax(axis=-1) == np.asarray(labels)))", "    return np.mean(outputs.data.argmax(axis=-1) == np.asarray(labels))"))
mistake("19", "argmax_over_batch", ["argmax over the last dimension"],
        "The guesses are taken over the batch (axis 0) instead of over each image's outputs.",
        ("    return float(np.mean(outputs.data.argmax(axis=-1) == np.asarray(labels)))", "    return float(np.mean(outputs.data.argmax(axis=0) == np.asarray(labels)))"))
