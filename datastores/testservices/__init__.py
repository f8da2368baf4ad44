"""Throwaway servers for a test session: PostgreSQL, Redis, FerretDB and Elasticsearch.

Each server runs on a free loopback port with its data in a temporary directory, or is
replaced by a URL from the environment (``SHOPGRAPH_TEST_<NAME>_URL``).
"""

from datastores.testservices.base import ServerHandle, TestServiceError
from datastores.testservices.registry import SERVERS, ServerSpec, start_server

__all__ = ["SERVERS", "ServerHandle", "ServerSpec", "TestServiceError", "start_server"]
