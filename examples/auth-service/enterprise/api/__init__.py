"""HTTP routers: thin adapters from requests to enterprise.accounts / enterprise.teams."""
