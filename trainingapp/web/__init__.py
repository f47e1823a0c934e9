"""The top layer: pages that span domains, access policy, first start, demo data and the command line."""
