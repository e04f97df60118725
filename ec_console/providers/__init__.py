"""Providers: the code that speaks to one platform (DESIGN.md, "Layers").

Given settings and a secret, a provider runs a connectivity check (a `Report`), enumerates the accounts in
scope and probes one account's calendar. Providers know nothing of storage or UI, never print, and never
import Qt. One subpackage per platform: `exchange` speaks EWS (on-premises and Exchange Online), `google`
Google Workspace's APIs. Beside them, what every platform shares: `base` (the step machinery, probe kinds),
`net` (the dns / tcp / tls probes) and `transport` (one check's HTTP: trust from the OS store plus
`--ca-file`, the answer-size cap, proxies).
"""
