"""Exchange through EWS (on-premises and Exchange Online): one module per concern.

`check` runs the connectivity check and the interactive probe, `probe` the bulk probe sessions, `autodiscover`
finds the EWS URL, `errors` maps what exchangelib raises to diagnosis codes, and `http` builds the check's
exchangelib protocol on the shared transport (`ec_console.providers.transport`).
"""
