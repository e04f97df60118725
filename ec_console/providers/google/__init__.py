"""Google Workspace: one module per concern.

`check` runs the connectivity check, enumeration and probe; `key` reads the service-account key file; `errors`
maps Google's error answers to diagnosis codes; `net` adapts the shared transport
(`ec_console.providers.transport`) to google-auth and googleapiclient; `signin` is the administrator's sign-in
and `marketplace` the Marketplace setup check.
"""
