"""Code that runs INSIDE the sandbox, one module per tool family.

Nothing here imports agentcore: the host sends these modules' source to the sandbox, registers
them there under a package of their own, and calls one ``main(spec)``. They may import the
standard library, numpy, pandas, scikit-learn, joblib and scipy (a dependency of
scikit-learn). Paths in a spec are relative to the sandbox's working directory, which is the
run workspace.
"""
