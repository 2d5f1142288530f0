"""The model runner: reproduce test outputs, predict on new data, isolated per-model environments.

This package exports nothing: the worker runs in per-model environments that hold only numpy and
a framework, so callers import the submodule they need (`pipeline.runner.testing.test_model`,
`pipeline.runner.predict.predict`, ...) and importing the package pulls in nothing else.
"""
