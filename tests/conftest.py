pytest_plugins = ["datastores.testservices.pytest_plugin"]
