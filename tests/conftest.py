pytest_plugins = ["agentcore.testing.pytest_plugin", "pytester"]
