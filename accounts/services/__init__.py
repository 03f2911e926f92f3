"""The account's stories, one module each; each owns its rules and its transactions.

- ``inputs``: every client value checked at the boundary.
- ``oauth_state``: the login's state and nonce, bound to the browser.
- ``login``: signing in (the code flow; SDK tokens share the pipeline once the profile is known).
- ``sessions``: our tokens: refresh-token families (one per sign-in), rotation, revocation.
"""
