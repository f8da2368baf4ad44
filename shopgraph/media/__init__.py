"""The media service: demo product images for ``shopgraph dev``, where no CDN serves them.

It answers the URLs the products subgraph builds (``{cdn_base_url}/w_{width}/{key}``) with a
JPEG drawn from the key (:mod:`shopgraph.media.drawing`) over HTTP (:mod:`shopgraph.media.app`).
Production points ``SHOPGRAPH_CDN_BASE_URL`` at the CDN in front of the image store instead.
"""
